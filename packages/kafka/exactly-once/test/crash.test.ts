// One processor process, SIGKILLed again and again at varied points and restarted after each kill. It
// runs both processors side by side (each on its own topics and group, the same inputs and the same
// kill points): the at-least-once one writes some inputs' outputs twice, the transactional one writes
// every input exactly once as a read_committed reader sees it, while a read_uncommitted reader also
// sees the chunks whose transactions were aborted.
import { fileURLToPath } from 'node:url';
import { eventually, kafkaNamespace, spawnTsWorker, type KafkaNamespace, type WorkerProcess } from '@poc/harness';
import { logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { countCopies, readTopic, type Isolation } from '../src/index.ts';
import { adminFor, allCommitted, produceInputs, producerFor } from './helpers.ts';

let ns: KafkaNamespace;
beforeAll(async () => {
  ns = await kafkaNamespace({ name: 'eoscrash' });
});
afterAll(() => ns?.close());

const WORKER = fileURLToPath(new URL('./processor-worker.ts', import.meta.url));
const FIRST = 200; // inputs before the first run, on 2 partitions ...
const TOP_UP = 60; // ... and before each later run, so no run finds nothing left to do
const BATCH = 10;
const VARIANTS = ['at-least-once', 'exactly-once'] as const;
/**
 * Where each run dies. `stall`: after k committed chunks, inside the next one, between its outputs
 * being acknowledged and its offsets being committed: a certain crash window. `after`: once the test
 * has read n "committed" lines of each processor, wherever the process is by the time SIGKILL lands.
 */
const KILLS = [{ stall: 0 }, { after: 3 }, { stall: 2 }, { after: 5 }, { stall: 1 }] as const;

describe('a processor SIGKILLed mid-batch 5 times, restarted after each', () => {
  it(
    'at-least-once writes duplicates; exactly-once writes every input once (read_committed)',
    { timeout: 180_000 },
    async () => {
      const kafka = ns.kafka({ logLevel: logLevel.NOTHING });
      const producer = await producerFor(kafka);
      const setups = await Promise.all(
        VARIANTS.map(async (variant) => {
          const s = {
            variant,
            input: ns.topic(`${variant}-in`),
            output: ns.topic(`${variant}-out`),
            groupId: ns.groupId(variant),
          };
          await ns.createTopics([
            { topic: s.input, numPartitions: 2 },
            { topic: s.output, numPartitions: 2 },
          ]);
          await produceInputs(producer, s.input, FIRST);
          return s;
        }),
      );
      const specs = setups.map((s) => `${s.variant}:${s.input}:${s.output}:${s.groupId}`);
      let produced = FIRST;
      const spawn = async (mode: string, first: boolean): Promise<WorkerProcess> => {
        if (!first) {
          for (const s of setups) await produceInputs(producer, s.input, TOP_UP, produced);
          produced += TOP_UP;
        }
        const w = spawnTsWorker(WORKER, [mode, String(BATCH), ...specs]);
        onTestFinished(() => w.kill());
        return w;
      };
      const commits = (w: WorkerProcess, variant: string): number =>
        w.lines.filter((l) => l.startsWith(`committed ${variant} `)).length;

      const stalled = new Map<string, number>(VARIANTS.map((v) => [v, 0])); // inputs of chunks killed in the window
      for (const [i, kill] of KILLS.entries()) {
        if ('stall' in kill) {
          const w = await spawn(`stall:${kill.stall}`, i === 0);
          for (const v of VARIANTS) {
            const line = await w.waitForLine(`crash-point ${v} `);
            stalled.set(v, stalled.get(v)! + Number(line.split(' ')[2]));
          }
          await w.kill();
        } else {
          const w = await spawn('run', i === 0);
          for (const v of VARIANTS) {
            await eventually(() => commits(w, v) >= kill.after, {
              timeoutMs: 60_000,
              intervalMs: 10,
              what: `${kill.after} chunks committed by the ${v} processor`,
            });
          }
          await w.kill();
        }
      }
      const last = await spawn('run', false);
      const admin = await adminFor(kafka);
      for (const s of setups) await allCommitted(admin, s.groupId, s.input, 90_000);
      await last.kill();

      const read = async (topic: string, isolation: Isolation) =>
        countCopies(
          (await readTopic(kafka, { topic, isolation, groupId: ns.groupId(`${topic}-${isolation}`) })).map(
            (m) => m.value,
          ),
        );
      const results = new Map(
        await Promise.all(
          setups.map(
            async (s) =>
              [
                s.variant,
                {
                  stalled: stalled.get(s.variant)!,
                  committed: await read(s.output, 'read_committed'),
                  uncommitted: await read(s.output, 'read_uncommitted'),
                },
              ] as const,
          ),
        ),
      );
      const alo = results.get('at-least-once')!;
      const eos = results.get('exactly-once')!;
      console.log(
        `duplicates after ${KILLS.length} kills: at-least-once ${alo.committed.duplicates} ` +
          `(chunks killed in the window held ${alo.stalled} inputs); exactly-once ${eos.committed.duplicates} ` +
          `read_committed, ${eos.uncommitted.duplicates} read_uncommitted (${eos.stalled} in the window)`,
      );
      // Nothing lost by either: every input has an output.
      expect(alo.committed.distinct).toBe(produced);
      expect(eos.committed.distinct).toBe(produced);
      // At-least-once: each chunk killed in the window had its outputs written and its offsets not
      // committed, so the next run wrote them again; a kill at an arbitrary point may add more.
      expect(alo.stalled).toBeGreaterThan(0);
      expect(alo.committed.duplicates).toBeGreaterThanOrEqual(alo.stalled);
      // Exactly-once: every input's output once, for a read_committed reader ...
      expect(eos.committed.duplicates).toBe(0);
      // ... while the aborted transactions of the chunks killed in the window are still in the log,
      // and a read_uncommitted reader counts them.
      expect(eos.stalled).toBeGreaterThan(0);
      expect(eos.uncommitted.duplicates).toBeGreaterThanOrEqual(eos.stalled);
      expect(eos.uncommitted.distinct).toBe(produced);
    },
  );
});
