// The headers exchange's matching rules, as RabbitMQ implements them: a binding lists header values and
// an x-match mode. `all` needs every listed header present with an equal value, `any` at least one; a
// listed value of null (AMQP "void") asks only that the header be present. Values compare by kind and
// value: the number 1 does not match the string "1". Under `all`/`any` the broker ignores every listed
// header whose name starts with "x-"; `all-with-x`/`any-with-x` count them.
import { check } from './errors.ts';

export type XMatch = 'all' | 'any' | 'all-with-x' | 'any-with-x';
export const X_MATCH_MODES: readonly XMatch[] = ['all', 'any', 'all-with-x', 'any-with-x'];

/** A header value a binding can ask for; null means "present, with any value". */
export type HeaderValue = string | number | boolean | null;

export interface HeadersBinding {
  /** How the listed headers combine (default 'all', as the broker's). */
  xMatch?: XMatch;
  headers: Readonly<Record<string, HeaderValue>>;
}

/** The binding arguments the broker receives for `binding`: x-match plus the listed headers. */
export function headersArguments(binding: HeadersBinding): Record<string, unknown> {
  return { 'x-match': binding.xMatch ?? 'all', ...binding.headers };
}

/**
 * Checks a headers binding; `argument` names it in the message (e.g. "bindings[2].match"). `declaring`
 * (the topology's check) also refuses an "x-" header under all/any: the broker would accept the binding
 * and silently ignore that header. The matcher takes it, to model what the broker does with it.
 */
export function checkHeadersBinding(
  argument: string,
  binding: unknown,
  declaring: boolean,
): asserts binding is HeadersBinding {
  check.kind(
    typeof binding === 'object' && binding !== null,
    argument,
    'must be an object { xMatch?, headers }',
    binding,
  );
  const { xMatch = 'all', headers } = binding as Partial<HeadersBinding>;
  check.oneOf(`${argument}.xMatch`, xMatch, X_MATCH_MODES);
  check.kind(
    typeof headers === 'object' && headers !== null && !Array.isArray(headers),
    `${argument}.headers`,
    'must be an object of header values',
    headers,
  );
  for (const [name, value] of Object.entries(headers)) {
    const at = `${argument}.headers[${JSON.stringify(name)}]`;
    check.that(name !== 'x-match', at, 'must not be set: give the mode as xMatch', value);
    check.that(
      !declaring || !name.startsWith('x-') || xMatch.endsWith('-with-x'),
      at,
      `is ignored by the broker under x-match ${xMatch} (headers starting with "x-" count only with ${xMatch}-with-x)`,
      value,
    );
    check.that(
      value === null || typeof value === 'string' || typeof value === 'boolean' || Number.isFinite(value),
      at,
      'must be a string, a finite number, a boolean or null (present with any value)',
      value,
    );
  }
}

/** Same kind and same value: what the broker's comparison of two AMQP field values amounts to for these kinds. */
const sameValue = (wanted: Exclude<HeaderValue, null>, actual: unknown): boolean =>
  typeof actual === typeof wanted && actual === wanted;

/** True when a headers exchange routes a message with `headers` through `binding`. */
export function headersMatch(binding: HeadersBinding, headers: Readonly<Record<string, unknown>> = {}): boolean {
  checkHeadersBinding('binding', binding, false);
  check.kind(typeof headers === 'object' && headers !== null, 'headers', 'must be an object', headers);
  const mode = binding.xMatch ?? 'all';
  const withX = mode.endsWith('-with-x');
  const listed = Object.entries(binding.headers).filter(([name]) => withX || !name.startsWith('x-'));
  const hit = ([name, wanted]: [string, HeaderValue]): boolean =>
    Object.hasOwn(headers, name) && (wanted === null || sameValue(wanted, headers[name]));
  return mode.startsWith('all') ? listed.every(hit) : listed.some(hit);
}
