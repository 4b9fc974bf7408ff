// A processor that stalls (SIGSTOP) in the middle of a transaction, loses its partition to a successor,
// and wakes up (SIGCONT) to finish what it was doing: a zombie. With the partition's fixed transactional
// id the successor fenced it and its commit is refused; with a transactional id of its own (the naive
// variant) nothing stops it, and the chunk its successor already did is committed a second time.
import { fileURLToPath } from 'node:url';
import { eventually, kafkaNamespace, spawnTsWorker, type KafkaNamespace, type WorkerProcess } from '@poc/harness';
import { logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { countCopies, readTopic } from '../src/index.ts';
import { adminFor, allCommitted, produceInputs, producerFor } from './helpers.ts';

let ns: KafkaNamespace;
beforeAll(async () => {
  ns = await kafkaNamespace({ name: 'eoszombie' });
});
afterAll(() => ns?.close());

const WORKER = fileURLToPath(new URL('./processor-worker.ts', import.meta.url));
const INPUTS = 100; // one partition: one owner at a time
const BATCH = 10;
const VARIANTS = ['unfenced', 'exactly-once'] as const;

describe('a processor frozen mid-transaction while its successor takes over (a zombie)', () => {
  it(
    'is fenced with the partition-fixed transactional id; with its own id it commits a chunk twice',
    { timeout: 120_000 },
    async () => {
      const kafka = ns.kafka({ logLevel: logLevel.NOTHING });
      const producer = await producerFor(kafka);
      const admin = await adminFor(kafka);
      const setups = await Promise.all(
        VARIANTS.map(async (variant) => {
          const s = {
            variant,
            input: ns.topic(`${variant}-in`),
            output: ns.topic(`${variant}-out`),
            groupId: ns.groupId(variant),
          };
          await ns.createTopics([{ topic: s.input }, { topic: s.output }]);
          await produceInputs(producer, s.input, INPUTS);
          return s;
        }),
      );
      const specs = setups.map((s) => `${s.variant}:${s.input}:${s.output}:${s.groupId}`);
      const spawn = (mode: string): WorkerProcess => {
        const w = spawnTsWorker(WORKER, [mode, String(BATCH), ...specs]);
        onTestFinished(() => w.kill());
        return w;
      };
      const committedOffset = async (groupId: string, topic: string): Promise<number> =>
        Number((await admin.fetchOffsets({ groupId, topics: [topic] }))[0]!.partitions[0]!.offset);

      // A commits 2 chunks, sends the outputs of the 3rd (inputs 20..29) in its transaction, and stops dead.
      const zombie = spawn('freeze:2');
      for (const v of VARIANTS) await zombie.waitForLine(`crash-point ${v} `);
      zombie.freeze(); // SIGSTOP: no heartbeats; its session expires and its partition moves
      // B takes the partition over (after A's session timeout) and processes every input.
      const successor = spawn('run');
      for (const s of setups) await allCommitted(admin, s.groupId, s.input, 60_000);
      await successor.kill();
      // A wakes up, unaware, and goes on with its transaction: adds offset 30 and commits.
      zombie.thaw();
      const afterThaw = (v: string): string | undefined => {
        const from = zombie.lines.indexOf(`thawed ${v}`);
        return from < 0
          ? undefined
          : zombie.lines.slice(from).find((l) => new RegExp(`^(committed|error) ${v} `).test(l));
      };
      for (const v of VARIANTS)
        await eventually(() => afterThaw(v), { timeoutMs: 30_000, what: `the ${v} zombie's commit` });
      await zombie.kill();

      const outcome = async (s: (typeof setups)[number]) => {
        const read = async (isolation: 'read_committed' | 'read_uncommitted') =>
          countCopies(
            (
              await readTopic(kafka, { topic: s.output, isolation, groupId: ns.groupId(`${s.variant}-${isolation}`) })
            ).map((m) => m.value),
          );
        return {
          zombie: afterThaw(s.variant),
          committedOffset: await committedOffset(s.groupId, s.input),
          committed: await read('read_committed'),
          uncommitted: await read('read_uncommitted'),
        };
      };
      const unfenced = await outcome(setups[0]!);
      const fenced = await outcome(setups[1]!);

      // Own transactional id: the zombie's commit goes through. Its chunk (inputs 20..29) is in the output
      // twice, and it moved the group's offset back from 100 to 30: a restart would redo 70 inputs.
      expect(unfenced.zombie).toBe('committed unfenced 0 20..30');
      expect(unfenced.committed.duplicates).toBe(BATCH);
      expect(
        [...unfenced.committed.copies]
          .filter(([, n]) => n > 1)
          .map(([v]) => Number(v))
          .sort((a, b) => a - b),
      ).toEqual(Array.from({ length: BATCH }, (_, i) => 20 + i));
      expect(unfenced.committedOffset).toBe(30);
      // Partition-fixed id: the successor's InitProducerId bumped the epoch and aborted the zombie's
      // transaction; its late commit is refused, the offset stays at the end, every input once.
      expect(fenced.zombie).toMatch(
        /^error exactly-once fenced the producer ".*\.0" was fenced \(INVALID_PRODUCER_EPOCH\): /,
      );
      expect(fenced.committedOffset).toBe(INPUTS);
      expect(fenced.committed.duplicates).toBe(0);
      expect(fenced.committed.distinct).toBe(INPUTS);
      expect(fenced.uncommitted.duplicates).toBe(BATCH); // the aborted chunk, still in the log
    },
  );
});
