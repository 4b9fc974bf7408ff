// Kafka's own producer load generator (kafka-producer-perf-test.sh is a wrapper around this class):
// org.apache.kafka.tools.ProducerPerformance from the kafka-tools jar, run on the JVM with the jars
// the harness installs, and its closing summary line parsed. It is the reference a KafkaJS producer is
// measured against: the Java client, driven flat out (--throughput -1) by the Kafka project's own tool.
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { check, PerformanceToolError } from './errors.ts';

export interface PerfSummary {
  records: number;
  recordsPerSec: number;
  /** As the tool prints it: MiB/s (bytes ÷ 1024²), labelled "MB/sec". */
  mibPerSec: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
  /** The tool's percentiles are whole milliseconds. */
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
}

// "1000 records sent, 4985.0 records/sec (0.48 MB/sec), 3.93 ms avg latency, 181.00 ms max latency,
//  2 ms 50th, 9 ms 95th, 68 ms 99th, 181 ms 99.9th." (the progress lines every 5 s lack the percentiles)
const SUMMARY =
  /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th/;

/** The tool's closing summary line, parsed; a PerformanceToolError when the output has none. */
export function parsePerfSummary(output: string): PerfSummary {
  check.kind(typeof output === 'string', 'output', 'must be a string', output);
  const m = output
    .split('\n')
    .reverse()
    .map((l) => SUMMARY.exec(l))
    .find((x) => x !== null);
  if (!m) {
    const tail = output.trim().split('\n').slice(-3).join(' | ');
    throw new PerformanceToolError(`no summary line in the perf tool's output (last lines: ${tail || 'none'})`);
  }
  const n = m.slice(1).map(Number);
  return {
    records: n[0]!,
    recordsPerSec: n[1]!,
    mibPerSec: n[2]!,
    avgLatencyMs: n[3]!,
    maxLatencyMs: n[4]!,
    p50Ms: n[5]!,
    p95Ms: n[6]!,
    p99Ms: n[7]!,
    p999Ms: n[8]!,
  };
}

export interface KafkaTools {
  java: string;
  /** `<libs>/*`: the broker's jars, kafka-tools and kafka-clients among them. */
  classpath: string;
}

const KAFKA_VERSION = '3.9.1';

/**
 * Java and Kafka's jars, found as the harness finds them for its local broker: `java` on PATH, the jars
 * in `$POC_HARNESS_HOME` (default `$XDG_CACHE_HOME/poc-harness` or `~/.cache/poc-harness`) under
 * `kafka-<version>/libs`, put there by tooling/scripts/install-services.sh.
 */
export function kafkaTools(env: NodeJS.ProcessEnv = process.env, version = KAFKA_VERSION): KafkaTools {
  const java = (env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, 'java'))
    .find((candidate) => {
      try {
        accessSync(candidate, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
  const home = env.POC_HARNESS_HOME ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'poc-harness');
  const libs = join(home, `kafka-${version}`, 'libs');
  const jar = join(libs, `kafka-tools-${version}.jar`);
  if (!java || !existsSync(jar)) {
    throw new PerformanceToolError(
      `Kafka's perf tool needs ${!java ? 'java on PATH' : `${jar}`}: install both with bash tooling/scripts/install-services.sh`,
    );
  }
  return { java, classpath: `${libs}/*` };
}

/** Runs a Java main class of Kafka's jars; resolves with its stdout. */
export function runKafkaClass(
  mainClass: string,
  args: readonly string[],
  options: { signal?: AbortSignal; timeoutMs?: number; tools?: KafkaTools } = {},
): Promise<string> {
  const { java, classpath } = options.tools ?? kafkaTools();
  // English number formatting (the tool prints with the default locale), a bounded heap, and log4j quiet.
  const jvm = ['-Xmx512m', '-Duser.language=en', '-Duser.country=US', '-Dlog4j.configuration=file:/dev/null'];
  return new Promise((resolve, reject) => {
    execFile(
      java,
      [...jvm, '-cp', classpath, mainClass, ...args],
      { signal: options.signal, timeout: options.timeoutMs ?? 300_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          const detail = `${stderr}\n${stdout}`.trim().split('\n').slice(-5).join(' | ');
          reject(
            new PerformanceToolError(`${mainClass} failed: ${error.message.split('\n')[0]}; ${detail}`, {
              cause: error,
            }),
          );
        } else resolve(stdout);
      },
    );
  });
}

export interface PerfTestOptions {
  brokers: string;
  topic: string;
  records: number;
  /** Records of this many random bytes, as the tool makes them; or give `payloadFile`. */
  recordSize?: number;
  /** One payload per line; each record is one of them, picked at random. */
  payloadFile?: string;
  /** bootstrap.servers is added; everything else is the Java producer's defaults unless given here. */
  producerProps?: Record<string, string | number>;
  signal?: AbortSignal;
  timeoutMs?: number;
  tools?: KafkaTools;
}

/** One run of Kafka's ProducerPerformance, flat out (--throughput -1), and its summary. */
export async function producerPerfTest(options: PerfTestOptions): Promise<PerfSummary> {
  check.kind(typeof options === 'object' && options !== null, 'options', 'must be an object', options);
  const { brokers, topic, records, recordSize, payloadFile, producerProps = {}, signal, timeoutMs } = options;
  check.name('options.brokers', brokers);
  check.name('options.topic', topic);
  check.positiveInt('options.records', records);
  check.that(
    (recordSize === undefined) !== (payloadFile === undefined),
    'options',
    'must give exactly one of recordSize and payloadFile',
    recordSize ?? payloadFile,
  );
  if (recordSize !== undefined) check.positiveInt('options.recordSize', recordSize);
  if (payloadFile !== undefined) check.name('options.payloadFile', payloadFile);
  check.signal('options.signal', signal);
  const props = Object.entries({ 'bootstrap.servers': brokers, ...producerProps }).map(([k, v]) => `${k}=${v}`);
  const payload =
    recordSize !== undefined
      ? ['--record-size', String(recordSize)]
      : ['--payload-file', payloadFile!, '--payload-delimiter', '\n'];
  const args = [
    '--topic',
    topic,
    '--num-records',
    String(records),
    ...payload,
    '--throughput',
    '-1',
    '--producer-props',
    ...props,
  ];
  const out = await runKafkaClass('org.apache.kafka.tools.ProducerPerformance', args, {
    ...(signal ? { signal } : {}),
    ...(timeoutMs ? { timeoutMs } : {}),
    ...(options.tools ? { tools: options.tools } : {}),
  });
  return parsePerfSummary(out);
}
