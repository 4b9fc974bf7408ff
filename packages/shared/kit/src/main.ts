// The entry point of a demo, a bench or a CLI: run it, and when it fails, print what went wrong as one
// line a user can act on, not a stack dump. DEBUG=1 (or any DEBUG) prints the stack and causes.
import { isPocError } from './errors.ts';

const debugging = (): boolean => Boolean(process.env.DEBUG);

/** One line for a user; the full stack with its causes when DEBUG is set. */
export function formatError(e: unknown): string {
  if (debugging()) {
    const parts: string[] = [];
    for (let cur: unknown = e, depth = 0; cur !== undefined && depth < 5; depth++) {
      parts.push(cur instanceof Error ? (cur.stack ?? String(cur)) : String(cur));
      cur = cur instanceof Error ? cur.cause : undefined;
      if (cur !== undefined) parts.push('caused by:');
    }
    return parts.join('\n');
  }
  if (!(e instanceof Error)) return `error: ${String(e)}`;
  // Our own errors were written for the reader; anything else keeps its name, which says more than the message alone.
  const text = isPocError(e) ? e.message : `${e.name}: ${e.message}`;
  return `error: ${text}${isPocError(e) ? '' : ' (DEBUG=1 shows the stack)'}`;
}

/**
 * Runs `main` with a signal that aborts on Ctrl-C or SIGTERM, then exits with its code (0 when it returns
 * nothing). A failure prints formatError() on stderr and exits 1. A second Ctrl-C exits at once.
 */
export function runMain(main: (signal: AbortSignal) => Promise<number | void>): void {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(signal === 'SIGINT' ? 130 : 143);
    controller.abort(new Error(`interrupted by ${signal}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  main(controller.signal).then(
    (code) => process.exit(code ?? 0),
    (e: unknown) => {
      console.error(formatError(e));
      process.exit(1);
    },
  );
}
