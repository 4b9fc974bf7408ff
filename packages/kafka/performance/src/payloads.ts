// Test and bench records: JSON events of an exact size, made from a seeded generator so every run (and
// Kafka's perf tool, given the same list as its --payload-file) sends the same bytes. They compress
// like real event streams do: repeated field names and vocabularies, varying ids and numbers.
import { check } from './errors.ts';

/** mulberry32: a small seeded PRNG, so payloads are the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const TYPES = ['page_view', 'add_to_cart', 'checkout', 'search', 'login', 'logout'];
const PATHS = ['/', '/products', '/products/item', '/cart', '/checkout', '/account', '/search'];
const AGENTS = ['Mozilla/5.0 (X11; Linux x86_64)', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0)', 'curl/8.5.0'];

/** `count` distinct one-line JSON events of exactly `size` bytes (ASCII), the same for the same arguments. */
export function eventPayloads(count: number, size: number, seed = 52): string[] {
  check.positiveInt('count', count);
  check.intIn('size', size, 64, 1_000_000);
  const random = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const event = {
      id: `evt-${String(i).padStart(8, '0')}`,
      user: `user-${Math.floor(random() * 50_000)}`,
      type: pick(TYPES),
      path: `${pick(PATHS)}/${Math.floor(random() * 10_000)}`,
      ms: Math.floor(random() * 2_000),
      at: 1_767_225_600_000 + Math.floor(random() * 86_400_000),
      agent: pick(AGENTS),
    };
    const json = JSON.stringify(event);
    // Brought to the exact size with a "trace" field of random hex (ids and hashes are what real events
    // carry that does not compress), or, below the event's own size, with the id and the trace alone.
    const hex = (n: number): string => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
    const head = json.slice(0, -1);
    const room = size - head.length - ',"trace":""}'.length;
    out.push(
      room >= 0
        ? `${head},"trace":"${hex(room)}"}`
        : `{"id":"${event.id}","trace":"${hex(size - 20 - event.id.length)}"}`,
    );
  }
  return out;
}
