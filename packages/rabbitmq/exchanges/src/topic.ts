// The topic exchange's matching rules (AMQP 0-9-1, as RabbitMQ implements them), as a pure function:
// a key is split on "." into words ("" is zero words, "a." is "a" and an empty word); in a binding key
// the word "*" matches exactly one word (an empty one too) and "#" matches zero or more words; every
// other word, "a*" included, matches only itself. test/topic-routing.test.ts checks this function and
// the broker against the same tables and against random keys.
import { check } from './errors.ts';

/** Routing and binding keys are AMQP short strings: at most 255 bytes of UTF-8. */
export const MAX_KEY_BYTES = 255;

/** Checks that `value` can be sent as a routing or binding key: a string of at most 255 bytes. */
export function checkKey(argument: string, value: unknown): asserts value is string {
  check.that(typeof value === 'string', argument, 'must be a string', value);
  check.that(
    Buffer.byteLength(value) <= MAX_KEY_BYTES,
    argument,
    `must be at most ${MAX_KEY_BYTES} bytes (an AMQP short string)`,
    value,
  );
}

/** The words of a key as the broker splits it: "" → [], "a.b" → ["a", "b"], "a..b" → ["a", "", "b"]. */
export function topicWords(key: string): string[] {
  return key === '' ? [] : key.split('.');
}

/**
 * True when a topic exchange routes a message with `routingKey` through a binding with `bindingKey`.
 * Linear in the product of the word counts (no backtracking): `reach[j]` says whether the binding words
 * seen so far can consume exactly the first j words of the routing key.
 */
export function topicMatches(bindingKey: string, routingKey: string): boolean {
  check.that(typeof bindingKey === 'string', 'bindingKey', 'must be a string', bindingKey);
  check.that(typeof routingKey === 'string', 'routingKey', 'must be a string', routingKey);
  const words = topicWords(routingKey);
  let reach: boolean[] = words.map(() => false);
  reach.unshift(true); // zero binding words consume zero key words
  for (const pattern of topicWords(bindingKey)) {
    const next: boolean[] = Array<boolean>(words.length + 1).fill(false);
    if (pattern === '#') {
      // "#" consumes any number of words: j is reachable if any j' ≤ j was.
      let seen = false;
      for (let j = 0; j <= words.length; j++) next[j] = seen ||= reach[j]!;
    } else {
      for (let j = 1; j <= words.length; j++) next[j] = reach[j - 1]! && (pattern === '*' || pattern === words[j - 1]);
    }
    reach = next;
  }
  return reach[words.length]!;
}
