// The receiving side of deadline propagation, as a fastify plugin: it reads the budget header into a
// Deadline on this process's clock and gives each request an AbortSignal that aborts at the deadline or
// when the caller hangs up, and refuses (504, before any handler runs) a request whose budget is spent.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { systemClock, type Clock } from '@poc/kit';
import { DeadlineExceededError, TimeoutError, check, isTimeoutsError } from './errors.ts';
import type { Deadline } from './timeouts.ts';
import { DEADLINE_HEADER, checkClock, deadlineFromHeader } from './timeouts.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's deadline (undefined when the caller sent no budget). */
    deadline: Deadline | undefined;
    /** Aborts at the deadline (with a TimeoutError) or when the caller goes away. */
    deadlineSignal: AbortSignal;
  }
}

export interface DeadlineHookOptions {
  /** Milliseconds this hop keeps for itself: a request arriving with no more than this is refused. Default 0. */
  reserveMs?: number;
  clock?: Clock;
  /** Called for each refused request (counters). */
  onRefused?: (request: FastifyRequest) => void;
}

/** Adds `request.deadline` and `request.deadlineSignal` to every request of `app` (call before the routes). */
export function deadlineHook(app: FastifyInstance, options: DeadlineHookOptions = {}): void {
  check.options('options', options);
  const reserveMs = options.reserveMs ?? 0;
  check.nonNegativeInt('options.reserveMs', reserveMs);
  const clock = options.clock ?? systemClock;
  checkClock('options.clock', clock);
  app.decorateRequest('deadline', undefined);
  app.decorateRequest('deadlineSignal', undefined as unknown as AbortSignal);
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const controller = new AbortController();
    request.deadlineSignal = controller.signal;
    // The caller hung up before we answered: nobody will read the answer.
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) controller.abort(new TimeoutError('the caller went away', 0));
    });
    let deadline: Deadline | undefined;
    try {
      deadline = deadlineFromHeader(request.headers[DEADLINE_HEADER], clock);
    } catch (e) {
      if (!isTimeoutsError(e, 'argument')) throw e;
      return reply.code(400).send({ error: 'argument', message: e.message });
    }
    request.deadline = deadline;
    if (!deadline) return;
    const remaining = deadline.remaining();
    if (remaining <= reserveMs) {
      options.onRefused?.(request);
      const refused = new DeadlineExceededError(`deadline passed on arrival: ${remaining} ms left`, remaining);
      return reply.code(504).send({ error: refused.code, message: refused.message });
    }
    const cancel = clock.schedule(
      () => controller.abort(new TimeoutError(`deadline reached after ${remaining} ms`, remaining)),
      remaining,
    );
    reply.raw.on('close', cancel);
  });
}
