import { randomBytes } from 'node:crypto';
import { requireArg } from '../errors.ts';

/**
 * A name no other suite, test or run will pick: lowercase letters, digits and underscores only, so it
 * is valid as a Redis key part, a PostgreSQL identifier, a RabbitMQ vhost or a Kafka topic.
 */
export function uniqueName(prefix = 't'): string {
  requireArg(
    /^[a-z][a-z0-9_]{0,30}$/.test(prefix),
    'prefix',
    `must be 1-31 chars of [a-z0-9_] starting with a letter (got "${prefix}")`,
  );
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}
