export type ProviderKind = 'external' | 'docker' | 'local';

/** A running server the harness can hand out: where it is, who provided it, and how to stop it. */
export interface Server {
  readonly service: string;
  readonly provider: ProviderKind;
  /** Connection URL (redis://, postgres://, ...). Stable across restart() of a private instance. */
  readonly url: string;
  /** Server version as the server reports it, when known. */
  readonly version: string;
  /** Process (group leader) id of a local server, for resource measurements. */
  readonly pid?: number;
  /** Stops the server and removes what it left behind. Idempotent. */
  close(): Promise<void>;
}

/** A server owned by one test, for fault tests: stop, start, restart and kill it at will. */
export interface PrivateServer extends Server, AsyncDisposable {
  /** Graceful shutdown (SIGTERM / docker stop). The address stays reserved for start(). */
  stop(): Promise<void>;
  /** Starts it again on the same address with the same data directory. */
  start(): Promise<void>;
  /** stop() then start(). */
  restart(): Promise<void>;
  /** Abrupt death (SIGKILL / docker kill): no shutdown hooks, no flush. */
  kill(): Promise<void>;
  readonly running: boolean;
}
