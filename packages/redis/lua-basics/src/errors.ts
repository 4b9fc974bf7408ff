// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a failed server and from a script that failed inside Redis, with one guard.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type LuaBasicsErrorCode = 'argument' | 'service' | 'script';

/** Base of every error this package throws: `isLuaBasicsError(e, code?)` tells them apart. */
export abstract class LuaBasicsError extends PocError {
  readonly scope = 'poc-redis-lua-basics';
  abstract override readonly code: LuaBasicsErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class LuaBasicsArgumentError extends LuaBasicsError {
  readonly code = 'argument';
}

/** A server failed, could not be reached or refused the call; `cause` is the client's error. */
export class LuaBasicsServiceError extends LuaBasicsError {
  readonly code = 'service';
}

/** Where a script failed, as Redis reported it (see parseScriptError). */
export interface ScriptFailure {
  /** "compile": Redis could not load it (syntax, shebang); "run": it failed while running. */
  readonly phase: 'compile' | 'run';
  /** The error reply's first word: ERR, WRONGTYPE, or the code a script raised with error({err = 'CODE ...'}). */
  readonly redisCode: string;
  /** Line in the .lua file (Redis numbers the text it was sent, which is the whole file). */
  readonly line: number;
  /** What went wrong, without Redis's position markers. */
  readonly detail: string;
}

/**
 * A script failed inside Redis: it did not compile, a command it called was refused, or its Lua raised
 * an error. The message reads "<file>:<line>: <redis code> <detail>". Writes the script made before the
 * failing line stay: Redis does not roll a script back.
 */
export class LuaScriptError extends LuaBasicsError implements ScriptFailure {
  readonly code = 'script';
  readonly file: string;
  readonly sha: string;
  readonly phase: ScriptFailure['phase'];
  readonly redisCode: string;
  readonly line: number;
  readonly detail: string;
  constructor(file: string, sha: string, failure: ScriptFailure, options?: ErrorOptions) {
    super(
      `${file}:${failure.line}: ${failure.phase === 'compile' ? 'does not compile: ' : ''}${failure.redisCode} ${failure.detail}`,
      options,
    );
    this.file = file;
    this.sha = sha;
    this.phase = failure.phase;
    this.redisCode = failure.redisCode;
    this.line = failure.line;
    this.detail = failure.detail;
  }
}

export type AnyLuaBasicsError = LuaBasicsArgumentError | LuaBasicsServiceError | LuaScriptError;

/** The one guard: `isLuaBasicsError(e, code?)`; given a code, it narrows to that error's class. */
export const isLuaBasicsError = errorGuard<AnyLuaBasicsError>('poc-redis-lua-basics');

/** Argument checks that throw LuaBasicsArgumentError: `check.name('options.name', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new LuaBasicsArgumentError(p.message));

/** Runs one redis call; a client failure becomes a LuaBasicsServiceError naming what was being done. */
export const redisCall = serviceCall((message, cause) => new LuaBasicsServiceError(message, { cause }));

// Redis 7 appends " script: <sha>, on @user_script:<line>." to an error raised while a script runs
// (a refused redis.call, a Lua error, error({err = ...})); a Lua error's own text also starts with
// "user_script:<line>: ". A compile error reads "Error compiling script (new function): user_script:<line>: ...".
// redis.error_reply() gets no position at all: it is a reply the script chose to return.
const RUN_SUFFIX = / script: [0-9a-f]{40}, on @user_script:(\d+)\.$/s;
const LUA_POSITION = /^user_script:(\d+): /;
const COMPILE = /^(\S+) Error compiling script \(new function\): user_script:(\d+): (.*)$/s;
const SHEBANG = /^(\S+) (.*script shebang.*)$/s;

/** Reads the position out of a script error's text; undefined for any other error (NOSCRIPT, OOM, BUSY ...). */
export function parseScriptError(message: string): ScriptFailure | undefined {
  const compile = COMPILE.exec(message);
  if (compile) return { phase: 'compile', redisCode: compile[1]!, line: Number(compile[2]), detail: compile[3]! };
  const shebang = SHEBANG.exec(message);
  if (shebang) return { phase: 'compile', redisCode: shebang[1]!, line: 1, detail: shebang[2]! };
  const run = RUN_SUFFIX.exec(message);
  if (!run) return undefined;
  const text = message.slice(0, run.index);
  const space = text.indexOf(' ');
  const redisCode = space < 0 ? text : text.slice(0, space);
  const detail = (space < 0 ? '' : text.slice(space + 1)).replace(LUA_POSITION, '');
  return { phase: 'run', redisCode, line: Number(run[1]), detail };
}
