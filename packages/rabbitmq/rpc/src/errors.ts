// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a call that got no reply in time, from a handler that failed on the server,
// from a broker that went away, with one guard: `isRpcError(e, 'timeout')`.
import { PocError, argumentChecks, errorGuard, serviceCall, type ArgumentChecks } from '@poc/kit';

export type RpcErrorCode = 'argument' | 'timeout' | 'remote' | 'service';

/** Base of every error this package throws: `isRpcError(e, code?)` tells them apart. */
export abstract class RpcError extends PocError {
  readonly scope = 'poc-rabbitmq-rpc';
  abstract override readonly code: RpcErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class RpcArgumentError extends RpcError {
  readonly code = 'argument';
}

/**
 * No reply came within `timeoutMs` on any attempt. The request may still be served later (a server may be
 * slow, or the broker may redeliver it after a server died): such a late reply is discarded and counted in
 * `client.stats.lateReplies`, never handed to another caller.
 */
export class RpcTimeoutError extends RpcError {
  readonly code = 'timeout';
  readonly requestId: string;
  readonly attempts: number;
  constructor(message: string, requestId: string, attempts: number) {
    super(message);
    this.requestId = requestId;
    this.attempts = attempts;
  }
}

/** The server's handler threw; `remoteMessage` is its error message. Not retried: the server did answer. */
export class RpcRemoteError extends RpcError {
  readonly code = 'remote';
  readonly requestId: string;
  readonly remoteMessage: string;
  constructor(message: string, requestId: string, remoteMessage: string) {
    super(message);
    this.requestId = requestId;
    this.remoteMessage = remoteMessage;
  }
}

/** RabbitMQ refused an operation or went away (a pending call fails with this when its channel closes). */
export class RpcServiceError extends RpcError {
  readonly code = 'service';
}

export type AnyRpcError = RpcArgumentError | RpcTimeoutError | RpcRemoteError | RpcServiceError;

/** The one guard: `isRpcError(e, code?)`; given a code, it narrows to that error's class. */
export const isRpcError = errorGuard<AnyRpcError>('poc-rabbitmq-rpc');

/** Argument checks that throw RpcArgumentError: `check.positiveInt('options.timeoutMs', value)`. */
export const check: ArgumentChecks = argumentChecks((p) => new RpcArgumentError(p.message));

/** Runs one broker call; a client failure becomes a RpcServiceError naming what was being done. */
export const amqpCall = serviceCall((message, cause) => new RpcServiceError(message, { cause }));
