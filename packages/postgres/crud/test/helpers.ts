// What the suites share: a service on a database of the suite's own, called through fastify.inject.
import type { FastifyInstance } from 'fastify';
import { onTestFinished } from 'vitest';
import { itemsApi, type ItemsApiOptions, type Queryable } from '../src/index.ts';

export interface Reply<T = unknown> {
  status: number;
  type: string | undefined;
  body: T;
  location?: string;
}

/** A service for one test, closed when the test finishes. */
export function api(db: Queryable, options?: ItemsApiOptions): FastifyInstance {
  const app = itemsApi(db, options);
  onTestFinished(() => app.close());
  return app;
}

export async function call<T = Record<string, unknown>>(
  app: FastifyInstance,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  payload?: unknown,
): Promise<Reply<T>> {
  const res = await app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }) });
  return {
    status: res.statusCode,
    type: res.headers['content-type'] as string | undefined,
    body: (res.body === '' ? undefined : JSON.parse(res.body)) as T,
    location: res.headers.location as string | undefined,
  };
}
