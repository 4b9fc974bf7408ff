// When Redis itself fails (POC_STANDARD.md §3): a private server per test, registered for cleanup before
// the body. A failure mid-saga is surfaced as a RollbackServiceError, never swallowed, and the undo log it
// leaves is what recovery works from once the server is back — if the log survived, which is a question of
// the server's persistence, the same as for the data it protects.
import { eventually } from '@poc/harness';
import { describe, expect, it } from 'vitest';
import { RollbackServiceError, SagaLostError, isRollbackError, saga } from '../src/index.ts';
import { luaScript } from '../src/scripts.ts';
import { readTrip, tripIs, tripSteps } from '../src/trip.ts';
import { PRICE, WALLET, afterLeases, newTrip, seedWallets, serverWithClient, pauseAfter } from './helpers.ts';

const AOF: Array<[string, string]> = [
  ['appendonly', 'yes'],
  ['appendfsync', 'always'],
];

describe('Redis fails in the middle of a saga (private server)', () => {
  it('rejects with a RollbackServiceError naming the step while Redis is down; recover() undoes the logged step once it is back', async () => {
    const { server, client } = await serverWithClient(AOF);
    const trip = newTrip('down');
    await seedWallets(client, [trip]);
    const pause = pauseAfter(1);
    const outcome = saga(client, { name: 'trips', steps: tripSteps, onStep: pause.onStep })
      .run('trip-down', trip)
      .catch((e: unknown) => e);
    await pause.paused;

    await server.stop();
    pause.release(); // step 2 goes out to a server that is not there
    const err = await outcome;
    expect(err).toBeInstanceOf(RollbackServiceError);
    expect(isRollbackError(err, 'service')).toBe(true);
    expect((err as Error).message).toMatch(/^step 2 "debit-wallet" of saga "trip-down" failed: /);

    await server.start();
    await eventually(async () => (await client.ping()) === 'PONG', { what: 'the client to reconnect' });
    const recoverer = saga(client, { name: 'trips', steps: tripSteps, clock: afterLeases });
    expect(await recoverer.inspect('trip-down')).toMatchObject({ state: 'running', steps: [{ name: 'reserve-seat' }] });
    expect(tripIs(await readTrip(client, trip), 'trip-down', trip, WALLET)).toBe('half-done');
    // The restart emptied the script cache: recovery's EVALSHA gets NOSCRIPT and falls back to EVAL.
    expect(await client.script('EXISTS', luaScript('compensate-3.lua').sha)).toEqual([0]);

    expect(await recoverer.recover()).toEqual([{ id: 'trip-down', status: 'compensated', undone: 1 }]);
    expect(tripIs(await readTrip(client, trip), 'trip-down', trip, WALLET)).toBe('untouched');
    expect(await client.script('EXISTS', luaScript('compensate-3.lua').sha)).toEqual([1]);
  });

  const kills = [
    {
      setting: 'appendonly yes',
      config: AOF,
      after: 'the undo log comes back with the data, half-done, and recovery restores seat and wallet',
      afterRestart: { seatHolder: 'trip-kill', wallet: WALLET - PRICE, booked: false },
      recovered: [{ id: 'trip-kill', status: 'compensated', undone: 2 }],
      afterRecovery: { seatHolder: null, wallet: WALLET, booked: false },
    },
    {
      setting: 'no persistence',
      config: [] as Array<[string, string]>,
      after: 'data and log are lost together: nothing half-done, nothing to recover, and no wallet either',
      afterRestart: { seatHolder: null, wallet: 0, booked: false },
      recovered: [],
      afterRecovery: { seatHolder: null, wallet: 0, booked: false },
    },
  ];
  it.each(kills.map((k) => [k.setting, k.after, k] as const))(
    'after a SIGKILL of Redis with %s: %s',
    async (_setting, _after, { config, afterRestart, recovered, afterRecovery }) => {
      const { server, client } = await serverWithClient(config);
      const trip = newTrip('kill');
      await seedWallets(client, [trip]);
      const pause = pauseAfter(2);
      const outcome = saga(client, { name: 'trips', steps: tripSteps, onStep: pause.onStep })
        .run('trip-kill', trip)
        .catch((e: unknown) => e);
      await pause.paused;

      await server.kill(); // no shutdown: Redis writes nothing more
      await server.start();
      await eventually(async () => (await client.ping()) === 'PONG', { what: 'the client to reconnect' });
      expect(await readTrip(client, trip)).toEqual(afterRestart);

      const recoverer = saga(client, { name: 'trips', steps: tripSteps, clock: afterLeases });
      expect(await recoverer.recover()).toEqual(recovered);
      expect(await readTrip(client, trip)).toEqual(afterRecovery);

      pause.release(); // the owner wakes up: its saga is someone else's now, or gone
      expect(await outcome).toBeInstanceOf(SagaLostError);
    },
  );
});
