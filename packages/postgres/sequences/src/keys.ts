// Where a primary key comes from, as small records a table composes with: a sequence behind a bigint
// identity column (the server hands out the next number), or a UUID made by the client (uuid package:
// v4 random, v7 time-ordered) or by the server (gen_random_uuid(), v4). The difference that matters for
// the index: sequence values and v7 grow, so every insert lands on the B-tree's rightmost leaf; v4 values
// are uniformly random, so each insert lands on a random leaf (read it, dirty it, split it when full).
import { v4, v7 } from 'uuid';

export interface KeyStrategy {
  readonly name: string;
  /** The id column's type and default, as it follows `id` in CREATE TABLE. */
  readonly column: string;
  /** Client-side ids for a batch; absent when the server assigns them (a default or identity). */
  readonly generate?: (count: number) => string[];
  /** What a data generator uses to make the i-th key server-side (deterministic from $seed): SQL over `i`. */
  readonly generatedSql: string;
}

const many = (make: () => string) => (count: number) => Array.from({ length: count }, make);

/** A hex digest of (seed, i), shaped into a UUID with the given version nibble and the RFC 4122 variant. */
const uuidSql = (hex48: string, version: number): string => {
  const h = `md5($seed::text || ':' || i)`;
  return `(${hex48} || '${version}' || substr(${h}, 13, 3) || '8' || substr(${h}, 17, 15))::uuid`;
};

/** bigint GENERATED ALWAYS AS IDENTITY: a sequence (nextval) per row, 8 bytes, always increasing. */
export const identityKeys: KeyStrategy = {
  name: 'bigint identity',
  column: 'bigint GENERATED ALWAYS AS IDENTITY',
  generatedSql: 'DEFAULT',
};

/** UUIDv4 from the `uuid` package, made in the client: 122 random bits, 16 bytes. */
export const uuidV4Keys: KeyStrategy = {
  name: 'uuid v4 (client)',
  column: 'uuid',
  generate: many(() => v4()),
  generatedSql: uuidSql(`substr(md5($seed::text || ':' || i), 1, 12)`, 4),
};

/** UUIDv7 from the `uuid` package, made in the client: 48-bit Unix ms time first, then random bits. */
export const uuidV7Keys: KeyStrategy = {
  name: 'uuid v7 (client)',
  column: 'uuid',
  generate: many(() => v7()),
  // Generated rows get times 1 ms apart, starting 2020-01-01, so they sort before any id made now.
  generatedSql: uuidSql(`lpad(to_hex(1577836800000 + i), 12, '0')`, 7),
};

/** UUIDv4 from the server's gen_random_uuid() (PostgreSQL 13+), as the column's default. */
export const serverUuidV4Keys: KeyStrategy = {
  name: 'uuid v4 (gen_random_uuid())',
  column: 'uuid DEFAULT gen_random_uuid()',
  generatedSql: 'DEFAULT',
};
