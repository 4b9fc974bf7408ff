import { readFileSync } from 'node:fs';
import { eventually, privateRedis, redisClient } from '@poc/harness';
import type { Redis } from 'ioredis';
import { onTestFinished } from 'vitest';

/** The tests' own .lua files (a bug, a domain error, a syntax error, an undeclared key, no "#!lua" line). */
export const TEST_LUA = new URL('./lua/', import.meta.url);

/** Where a helper registers its cleanup: the test's end by default, or a suite's afterAll. */
export type Cleanup = (fn: () => Promise<void> | void) => void;

/**
 * A Redis server of the test's own (SCRIPT FLUSH, restarts, CONFIG and INFO are allowed only there) and a
 * client, both closed when the test ends (or through `cleanup`), registered before anything can fail.
 */
export async function serverWithClient(config?: Array<[string, string]>, cleanup: Cleanup = onTestFinished) {
  const server = await privateRedis(config ? { config } : {});
  cleanup(() => server.close());
  const client = redisClient(server.url);
  client.on('error', () => {}); // connection errors while the server is down are expected; commands report them
  cleanup(() => void client.disconnect());
  return { server, client };
}

/** A private server in cluster mode that owns all 16384 slots: one node, with a cluster node's key checks. */
export async function clusterNode(cleanup: Cleanup = onTestFinished) {
  const node = await serverWithClient([['cluster-enabled', 'yes']], cleanup);
  await node.client.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
  await eventually(async () => /cluster_state:ok/.test(String(await node.client.call('CLUSTER', 'INFO'))), {
    what: 'the one-node cluster to report cluster_state:ok',
  });
  return node;
}

export interface CallStats {
  calls: number;
  failed: number;
}

/** Calls of EVAL and EVALSHA since the last CONFIG RESETSTAT (INFO commandstats: a server-wide figure). */
export async function scriptCalls(redis: Redis): Promise<{ eval: CallStats; evalsha: CallStats }> {
  const info = await redis.info('commandstats');
  const of = (command: string): CallStats => {
    const line = new RegExp(`^cmdstat_${command}:(.*)$`, 'm').exec(info)?.[1] ?? '';
    const field = (name: string): number => Number(new RegExp(`(?:^|,)${name}=(\\d+)`).exec(line)?.[1] ?? 0);
    return { calls: field('calls'), failed: field('failed_calls') };
  };
  return { eval: of('eval'), evalsha: of('evalsha') };
}

/** Bytes the server has read from all its clients (INFO stats: a server-wide figure). */
export async function bytesReceived(redis: Redis): Promise<number> {
  return Number(/^total_net_input_bytes:(\d+)/m.exec(await redis.info('stats'))?.[1]);
}

/** The 1-based line of `file` (in src/lua or test/lua) that contains `text`: where Redis should say a script failed. */
export function lineOf(folder: URL, file: string, text: string): number {
  const lines = readFileSync(new URL(file, folder), 'utf8').split('\n');
  const index = lines.findIndex((l) => l.includes(text));
  if (index < 0) throw new Error(`${file} has no line containing ${text}`);
  return index + 1;
}

/** A promise's rejection (or undefined when it resolves), for asserting on the error itself. */
export const failureOf = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );
