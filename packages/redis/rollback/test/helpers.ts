import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { privateRedis, redisClient, type FaultyLink } from '@poc/harness';
import { skewedClock, systemClock, type Clock } from '@poc/kit';
import type { Redis } from 'ioredis';
import { onTestFinished } from 'vitest';
import type { StepEvent } from '../src/index.ts';
import { luaScript } from '../src/scripts.ts';
import { tripKeys, type Trip } from '../src/trip.ts';

export const WALLET = 1_000;
export const PRICE = 300;
export const LEASE_MS = 30_000;

/** A trip of its own (own traveller, seat and reference), so tests never share keys. */
export function newTrip(tag: string, overrides: Partial<Trip> = {}): Trip {
  return { user: `u-${tag}`, flight: 'F100', seat: `s-${tag}`, price: PRICE, reference: `ref-${tag}`, ...overrides };
}

/** Gives each trip's traveller a wallet of WALLET. */
export async function seedWallets(redis: Redis, trips: readonly Trip[]): Promise<void> {
  for (const trip of trips) await redis.set(tripKeys(trip).wallet, WALLET);
}

/** A recoverer's clock that reads past every lease the test's owners took: "the lease has run out". */
export const afterLeases: Clock = skewedClock(systemClock, LEASE_MS + 60_000);

/** Every script of the package, loaded into the server's cache, so a dropped reply is a script's answer, not NOSCRIPT. */
export async function loadScripts(redis: Redis): Promise<void> {
  const folder = fileURLToPath(new URL('../src/lua/', import.meta.url));
  for (const file of readdirSync(folder).filter((f) => f.endsWith('.lua')))
    await redis.script('LOAD', luaScript(file).source);
}

/**
 * `redis`, except that each call of the Lua script `file` whose keys or arguments include `match` runs
 * `before()` first (synchronously, right before the command is written), e.g. arming a faultyLink.
 */
export function beforeScript(redis: Redis, file: string, match: string, before: () => void): Redis {
  const { sha } = luaScript(file);
  return new Proxy(redis, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property !== 'evalsha' || typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (args[0] === sha && args.slice(2).includes(match)) before();
        return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  });
}

/** Arms `link` to drop the reply to the next call of `file` that names `match`; resolves with the lost bytes. */
export function dropReplyTo(redis: Redis, link: FaultyLink, file: string, match: string) {
  let lost: Promise<Buffer> | undefined;
  const client = beforeScript(redis, file, match, () => {
    lost ??= link.dropNextReply();
  });
  return { client, lost: () => lost ?? Promise.reject(new Error(`no call of ${file} named ${match}`)) };
}

/**
 * `redis`, except that every call of the Lua script `file` runs twice in a row (a caller's retry, a second
 * compensator); the caller gets the first answer, `seconds` collects the second ones.
 */
export function runTwice(redis: Redis, file: string): { client: Redis; seconds: unknown[] } {
  const { sha } = luaScript(file);
  const seconds: unknown[] = [];
  const client = new Proxy(redis, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property !== 'evalsha' || typeof value !== 'function') return value;
      const call = value as (...a: unknown[]) => Promise<unknown>;
      return async (...args: unknown[]) => {
        const first = await call.apply(target, args);
        if (args[0] === sha) seconds.push(await call.apply(target, args));
        return first;
      };
    },
  });
  return { client, seconds };
}

/** A promise with its resolve function, for "the worker has reached step k" handshakes. */
export function signalled<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** A Redis server of the test's own (for stops, kills and restarts) and a client, closed when the test ends. */
export async function serverWithClient(config?: Array<[string, string]>) {
  const server = await privateRedis(config ? { config } : {});
  onTestFinished(() => server.close());
  const client = redisClient(server.url);
  client.on('error', () => {}); // connection errors while the server is down are expected; commands report them
  onTestFinished(() => void client.disconnect());
  return { server, client };
}

/** Every key under `prefix` (a suite's own namespace), by SCAN to the end. */
export async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1_000);
    found.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return found.sort();
}

/** onStep that stops the owner right after step `k` is done, until `release()`: a stalled caller, at an exact point. */
export function pauseAfter(k: number) {
  const paused = signalled();
  const release = signalled();
  const onStep = async (e: StepEvent): Promise<void> => {
    if (e.phase !== 'done' || e.index !== k) return;
    paused.resolve();
    await release.promise;
  };
  return { onStep, paused: paused.promise, release: () => release.resolve() };
}
