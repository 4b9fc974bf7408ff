// Kafka's own Java producer as a yardstick (a fixture of the demo and the tests, not part of the API):
// kafka-console-producer from the jars the harness runs its broker from, with the Java client's default
// partitioner. Where it puts a key is, by definition, where a Java service would put it.
import { spawn } from 'node:child_process';
import { kafkaJava } from '@poc/harness';

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
  const { java, classpath } = kafkaJava();
  const args = ['-cp', classpath, 'kafka.tools.ConsoleProducer', '--bootstrap-server', brokers];
  args.push('--topic', topic, '--property', 'parse.key=true', '--property', 'key.separator=\t');
  args.push('--producer-property', 'acks=all');
  const child = spawn(java, args, { stdio: ['pipe', 'pipe', 'pipe'], signal });
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
