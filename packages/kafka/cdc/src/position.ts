// Where a change sits in the database's history, and how a consumer drops the copies an at-least-once
// relay sends again after a crash.
//
// A log sequence number (LSN) is a byte offset into PostgreSQL's write-ahead log, written "X/Y" (two
// 32-bit halves in hex). Each change this package sends carries the LSN that ends its transaction's
// commit record and its index inside that transaction. Commits are totally ordered by that LSN, so
// (lsn, index) orders every change the way the database committed them; for one row, later
// positions are later versions.
import { check } from './errors.ts';

/** "16/B374D848" (or the zero-padded "00000016/B374D848") as a number. */
export function parseLsn(lsn: string): bigint {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(lsn);
  check.that(m !== null, 'lsn', 'must be a PostgreSQL LSN "X/Y" (hex)', lsn);
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

/** An LSN as PostgreSQL prints it: "16/B374D848". */
export function formatLsn(lsn: bigint): string {
  check.that(lsn >= 0n && lsn < 1n << 64n, 'lsn', 'must be a 64-bit unsigned integer', lsn);
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

/**
 * A change's place in commit order as a string that sorts like it: the commit's end LSN (16 hex
 * digits) and the change's index in its transaction (10 digits), e.g. "0000000001523E58:0000000003".
 */
export function changePosition(commitEndLsn: bigint, index: number): string {
  check.nonNegativeInt('index', index);
  return `${commitEndLsn.toString(16).toUpperCase().padStart(16, '0')}:${String(index).padStart(10, '0')}`;
}

export interface PositionFilter {
  /**
   * True the first time a key is seen at a position past the last one accepted for it; false for a
   * copy (a re-sent change) or anything older. Accepting moves the key's mark forward.
   */
  accept(key: string, position: string): boolean;
  /** How many changes accept() has turned away. */
  readonly dropped: number;
}

/**
 * A consumer's guard against the duplicates of an at-least-once relay: per key, the highest position
 * applied so far; anything at or below it is a copy. Kafka keeps a key's changes in order, so a copy
 * always arrives after the original. In memory here; a real consumer stores the mark with its own
 * write (`UPDATE ... SET ..., last_position = $p WHERE id = $k AND last_position < $p`).
 */
export function positionFilter(): PositionFilter {
  const marks = new Map<string, string>();
  let dropped = 0;
  return {
    accept(key, position) {
      check.name('key', key);
      check.that(/^[0-9A-F]{16}:\d{10}$/.test(position), 'position', 'must be a change position', position);
      const mark = marks.get(key);
      if (mark !== undefined && position <= mark) {
        dropped++;
        return false;
      }
      marks.set(key, position);
      return true;
    },
    get dropped() {
      return dropped;
    },
  };
}
