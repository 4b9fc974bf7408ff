import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { HarnessArgumentError, HarnessError, isHarnessError } from '../src/errors.ts';
import { redisNamespace } from '../src/services/index.ts';
import { eventually, holdReplies, spawnTsWorker, uniqueName } from '../src/testing/index.ts';

describe('eventually', () => {
  it('returns the first value that is neither false nor undefined', async () => {
    let calls = 0;
    const value = await eventually(() => (++calls >= 3 ? `after ${calls}` : false), { intervalMs: 1 });
    expect(value).toBe('after 3');
  });

  it('keeps polling through exceptions', async () => {
    let calls = 0;
    await expect(
      eventually(
        () => {
          if (++calls < 3) throw new Error('not yet');
          return true;
        },
        { intervalMs: 1 },
      ),
    ).resolves.toBe(true);
  });

  it('gives up with a message naming what it waited for and the last error', async () => {
    const p = eventually(
      () => {
        throw new Error('key still there');
      },
      { timeoutMs: 30, intervalMs: 5, what: 'lock expiry' },
    );
    await expect(p).rejects.toThrow(HarnessError);
    await expect(p).rejects.toThrow(/lock expiry not reached within 30 ms \(key still there\)/);
  });

  it('rejects a non-positive timeout', async () => {
    await expect(eventually(() => true, { timeoutMs: 0 })).rejects.toThrow(HarnessArgumentError);
  });
});

describe('uniqueName', () => {
  it('is unique and safe as a Redis key, PostgreSQL identifier or topic name', () => {
    const names = new Set(Array.from({ length: 1000 }, () => uniqueName('suite')));
    expect(names.size).toBe(1000);
    for (const n of names) expect(n).toMatch(/^suite_[a-z0-9]+_[0-9a-f]{8}$/);
  });

  it('rejects a prefix that would not be a valid identifier', () => {
    expect(() => uniqueName('Bad-Prefix')).toThrow(/prefix must be 1-31 chars of \[a-z0-9_\]/);
    try {
      uniqueName('');
    } catch (e) {
      expect(isHarnessError(e)).toBe(true);
    }
  });
});

describe('spawnTsWorker', () => {
  it('runs a TypeScript file as a real process that inherits the services, and kills it', async () => {
    const worker = spawnTsWorker(fileURLToPath(new URL('./fixtures/worker.ts', import.meta.url)), ['w1']);
    onTestFinished(() => worker.kill());
    expect(await worker.waitForLine(/ready/)).toBe('worker w1 ready, redis=set');
    await worker.kill();
    expect(worker.process.signalCode).toBe('SIGKILL');
    // The process we killed is the worker itself, not a launcher that would leave it orphaned.
    expect(() => process.kill(worker.process.pid!, 0)).toThrow(/ESRCH/);
  });

  it('reports what the worker printed when the awaited line never comes', async () => {
    const worker = spawnTsWorker(fileURLToPath(new URL('./fixtures/worker.ts', import.meta.url)), ['w2']);
    onTestFinished(() => worker.kill());
    await worker.waitForLine('ready');
    await expect(worker.waitForLine('never printed', 200)).rejects.toThrow(
      /printed no line matching never printed[\s\S]*worker w2 ready/,
    );
  });
});

describe('holdReplies', () => {
  it("holds the replies to the named commands, and to a MULTI's EXEC, until then() resolves", async () => {
    const ns = await redisNamespace();
    onTestFinished(() => ns.close());
    const redis = ns.client();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const held = holdReplies(redis, ['get', 'exec'], () => gate);
    await redis.set('k', '1');

    const events: string[] = [];
    const read = held.get('k').then((v) => events.push(`get ${v}`));
    const tx = held
      .multi()
      .incr('k')
      .exec()
      .then((r) => events.push(`exec ${JSON.stringify(r)}`));
    const free = held.set('other', 'x').then(() => events.push('set'));
    await free; // a command not named is answered at once
    // The server has acted on the held commands: the increment is visible to another reader.
    await eventually(async () => (await redis.get('k')) === '2', { what: 'EXEC applied on the server' });
    expect(events).toEqual(['set']);
    release();
    await Promise.all([read, tx]);
    expect(events).toEqual(['set', 'get 1', 'exec [[null,2]]']);
  });
});
