// RFC 9457 problem details: every error response is `application/problem+json` with a type URI, a
// title, the status, a detail for this occurrence and the request path as `instance`; a validation
// problem lists the offending fields. Server internals (SQL, SQLSTATE text) are never sent.
import type { FastifyReply, FastifyRequest } from 'fastify';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface FieldProblem {
  /** The field as the client sent it: `priceCents`, `sort`, `id`. */
  field: string;
  /** Where it was: body, query or path. */
  in: 'body' | 'query' | 'path';
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  errors?: FieldProblem[];
}

/** Relative type URIs: resolved against the API's base URL, they name a documentation page per kind. */
export const PROBLEM_TYPES = {
  validation: { type: '/problems/validation', title: 'The request is not valid', status: 400 },
  notFound: { type: '/problems/not-found', title: 'No such resource', status: 404 },
  conflict: { type: '/problems/conflict', title: 'The request conflicts with existing data', status: 409 },
  unavailable: { type: '/problems/unavailable', title: 'The database is unavailable', status: 503 },
  internal: { type: '/problems/internal', title: 'Internal error', status: 500 },
} as const;

export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  kind: keyof typeof PROBLEM_TYPES,
  detail: string,
  errors?: FieldProblem[],
): FastifyReply {
  const { type, title, status } = PROBLEM_TYPES[kind];
  const body: Problem = { type, title, status, detail, instance: request.url, ...(errors ? { errors } : {}) };
  return reply.code(status).type(PROBLEM_CONTENT_TYPE).send(body);
}

/** The fields of an Ajv error list (what fastify puts in `error.validation`), named as the client sent them. */
export function fieldProblems(
  validation: ReadonlyArray<{
    instancePath: string;
    keyword: string;
    params: Record<string, unknown>;
    message?: string;
  }>,
  context: string | undefined,
): FieldProblem[] {
  const where = context === 'body' ? 'body' : context === 'params' ? 'path' : 'query';
  return validation.map((v) => {
    const path = v.instancePath.replace(/^\//, '').replace(/\//g, '.');
    if (v.keyword === 'required') return { field: String(v.params.missingProperty), in: where, message: 'is required' };
    if (v.keyword === 'additionalProperties')
      return { field: String(v.params.additionalProperty), in: where, message: 'is not a known field' };
    if (v.keyword === 'enum')
      return {
        field: path,
        in: where,
        message: `must be one of ${(v.params.allowedValues as unknown[]).map((a) => JSON.stringify(a)).join(', ')}`,
      };
    return { field: path || '(body)', in: where, message: v.message ?? v.keyword };
  });
}
