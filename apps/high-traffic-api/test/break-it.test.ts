// Break it: the same load as the shared-limit test, but each instance counts in its own memory.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSystem, type System } from '../src/system.ts';

const LIMIT = 30;
let system: System;
beforeAll(async () => {
  system = await startSystem({
    instances: 3,
    rateLimit: LIMIT,
    rateAlgorithm: 'per-instance',
    products: 100,
    name: 'hta_naive',
  });
}, 90_000);
afterAll(async () => {
  await system?.stop();
}, 30_000);

it('a per-instance (in-memory) limit admits more than the limit once nginx spreads one client over 3 instances', async () => {
  const responses = await Promise.all(
    Array.from({ length: LIMIT * 2 }, () => fetch(`${system.url}/products/1`, { headers: { 'x-client-id': 'naive' } })),
  );
  const admitted = responses.filter((r) => r.status === 200).length;
  const served = new Set(responses.map((r) => r.headers.get('x-instance')));
  await Promise.all(responses.map((r) => r.body?.cancel()));
  // Each instance sees only its share of the 60 requests, so each admits up to LIMIT on its own.
  expect(served.size).toBeGreaterThan(1);
  expect(admitted).toBeGreaterThan(LIMIT);
});
