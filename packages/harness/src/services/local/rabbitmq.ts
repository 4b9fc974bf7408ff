// rabbitmq-server as a throwaway node: its own node name, AMQP, distribution and epmd ports, data
// directory and Erlang cookie; no plugins (so no management UI). Readiness: an AMQP connection to a
// broker whose cluster name is this node's.
//
// Security: an Erlang cookie grants remote code execution as the user running the tests, so the cookie
// is 32 random bytes per node (never derived from ports), Erlang distribution listens on 127.0.0.1
// only, and each node gets its own epmd bound to 127.0.0.1 on a reserved port, killed when the node
// stops (a shared epmd on 0.0.0.0:4369 would outlive the run).
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ServiceUnavailableError } from '../../errors.ts';
import { amqpIdentity } from '../probes.ts';
import { findExecutable, missingBinaryHint } from './binaries.ts';
import { requireIdentity, startLocalServer, type LocalProcessServer } from './start.ts';

/** A new Erlang cookie: 32 random bytes, as letters an Erlang cookie may hold. */
export const newErlangCookie = (): string => randomBytes(32).toString('hex').toUpperCase();

export function startLocalRabbitmq(options: { cookie?: string } = {}): Promise<LocalProcessServer> {
  // Debian's /usr/sbin/rabbitmq-server re-executes itself as the rabbitmq user; the script under
  // /usr/lib/rabbitmq/bin runs the node directly with the environment we give it.
  const bin = findExecutable('rabbitmq-server', [], ['/usr/lib/rabbitmq/bin']);
  if (!bin) throw new ServiceUnavailableError(missingBinaryHint('RabbitMQ', 'POC_AMQP_URL', 'rabbitmq-server'));
  return startLocalServer({
    service: 'rabbitmq',
    ports: 3,
    timeoutMs: 60_000,
    async prepare(dir, [port, distPort, epmdPort]) {
      mkdirSync(join(dir.path, 'mnesia'));
      mkdirSync(join(dir.path, 'log'));
      writeFileSync(join(dir.path, 'enabled_plugins'), '[].\n');
      writeFileSync(
        join(dir.path, 'rabbitmq.conf'),
        [
          `listeners.tcp.default = 127.0.0.1:${port}`,
          'loopback_users = none',
          'log.console = true',
          'log.console.level = warning',
          'log.file = false',
          '',
        ].join('\n'),
      );
      const cookie = join(dir.path, '.erlang.cookie');
      writeFileSync(cookie, options.cookie ?? newErlangCookie(), { mode: 0o400 });
      chmodSync(cookie, 0o400);
      dir.leaves({ kind: 'epmd', port: epmdPort! });
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        HOME: dir.path,
        RABBITMQ_NODENAME: `poc${port}@localhost`,
        RABBITMQ_NODE_PORT: String(port),
        RABBITMQ_DIST_PORT: String(distPort),
        RABBITMQ_MNESIA_BASE: join(dir.path, 'mnesia'),
        RABBITMQ_LOG_BASE: join(dir.path, 'log'),
        RABBITMQ_CONFIG_FILE: join(dir.path, 'rabbitmq.conf'),
        RABBITMQ_ENABLED_PLUGINS_FILE: join(dir.path, 'enabled_plugins'),
        RABBITMQ_PLUGINS_EXPAND_DIR: join(dir.path, 'plugins-expand'),
        // Distribution on loopback only; its own epmd, on loopback, on a reserved port.
        RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
        RABBITMQ_CTL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
        ERL_EPMD_ADDRESS: '127.0.0.1',
        ERL_EPMD_PORT: String(epmdPort),
      };
      return {
        url: `amqp://guest:guest@127.0.0.1:${port}`,
        what: `rabbitmq-server on port ${port}`,
        command: { command: bin, args: [], env },
      };
    },
    async probe(url) {
      // The cluster name defaults to the node name, with this machine's host name after the "@".
      const id = await amqpIdentity(url);
      const node = `poc${new URL(url).port}`;
      requireIdentity('cluster_name', node, id.cluster.split('@')[0]);
      return id.version;
    },
  });
}
