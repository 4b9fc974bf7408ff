// What src/node.ts takes (argv[2], a JSON NodeConfig) and the commands it reads from its control list.

export interface NodeConfig {
  id: string;
  variant: 'pattern' | 'naive' | 'peer';
  redisUrl: string;
  /** Where the subscriber connects (default redisUrl). */
  subscriberUrl?: string;
  prefix: string;
  dbUrl: string;
  name: string;
  l1TtlMs: number;
  streamMaxLen?: number;
}

export type NodeCommand =
  | { seq: number; op: 'get'; key: string }
  | { seq: number; op: 'write'; key: string; value: string }
  | { seq: number; op: 'status' };

/** Wall-clock ms with sub-ms precision, comparable between processes of one machine. */
export const preciseNow = (): number => performance.timeOrigin + performance.now();
