// Kafka's own Java producer as a yardstick (a fixture of the demo and the tests, not part of the API):
// kafka-console-producer from the jars the harness runs its broker from, with the Java client's default
// partitioner. Where it puts a key is, by definition, where a Java service would put it.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const KAFKA_VERSION = '3.9.1';

/** The jars of the Kafka the harness runs (tooling/scripts/install-services.sh resolves them once). */
function kafkaLibs(): string {
  const home =
    process.env.POC_HARNESS_HOME ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'poc-harness');
  const libs = join(home, `kafka-${KAFKA_VERSION}`, 'libs');
  if (!existsSync(join(libs, `kafka-clients-${KAFKA_VERSION}.jar`)))
    throw new Error(`Kafka's Java client is not in ${libs}: run tooling/scripts/install-services.sh`);
  return libs;
}

/**
 * Writes `[key, value]` records with Kafka's Java producer (acks=all, default partitioner) and resolves
 * when it has exited cleanly. Keys and values must not hold a tab or a newline.
 */
export async function javaProduce(
  brokers: string,
  topic: string,
  records: ReadonlyArray<readonly [string, string]>,
  signal?: AbortSignal,
): Promise<void> {
  const bad = records.find(([k, v]) => /[\t\n]/.test(k) || /[\t\n]/.test(v));
  if (bad) throw new Error(`javaProduce: a key or value holds a tab or a newline: ${JSON.stringify(bad)}`);
  const args = ['-cp', `${kafkaLibs()}/*`, 'kafka.tools.ConsoleProducer', '--bootstrap-server', brokers];
  args.push('--topic', topic, '--property', 'parse.key=true', '--property', 'key.separator=\t');
  args.push('--producer-property', 'acks=all');
  const child = spawn('java', args, { stdio: ['pipe', 'pipe', 'pipe'], signal });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', resolve);
  });
  child.stdin.end(records.map(([k, v]) => `${k}\t${v}\n`).join(''));
  const code = await exited;
  if (code !== 0) throw new Error(`kafka-console-producer exited with ${code}: ${output.slice(-2_000)}`);
}
