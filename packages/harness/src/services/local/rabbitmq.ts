// rabbitmq-server as a throwaway node: its own node name, AMQP and distribution ports, data directory
// and Erlang cookie; no plugins (so no management UI). Readiness: an AMQP connection succeeds.
import { writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import getPort from 'get-port';
import { ServiceUnavailableError } from '../../errors.ts';
import { probeAmqp } from '../probes.ts';
import { findExecutable, missingBinaryHint } from './binaries.ts';
import { ServerDir, waitUntilReady } from './processes.ts';
import type { LocalProcessServer } from './redis.ts';

export async function startLocalRabbitmq(): Promise<LocalProcessServer> {
  // Debian's /usr/sbin/rabbitmq-server re-executes itself as the rabbitmq user; the script under
  // /usr/lib/rabbitmq/bin runs the node directly with the environment we give it.
  const bin = findExecutable('rabbitmq-server', [], ['/usr/lib/rabbitmq/bin']);
  if (!bin) throw new ServiceUnavailableError(missingBinaryHint('RabbitMQ', 'POC_AMQP_URL', 'rabbitmq-server'));
  const [port, distPort] = [await getPort({ host: '127.0.0.1' }), await getPort({ host: '127.0.0.1' })];
  const dir = new ServerDir('rabbitmq');
  const url = `amqp://guest:guest@127.0.0.1:${port}`;
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
  writeFileSync(cookie, `poc${port}${distPort}`);
  chmodSync(cookie, 0o400);
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
  };
  let version = 'unknown';
  const launch = async (): Promise<void> => {
    dir.spawn(bin, [], { env });
    await waitUntilReady(
      dir,
      `rabbitmq-server on port ${port}`,
      async () => void (version = await probeAmqp(url)),
      60_000,
    );
  };
  try {
    await launch();
  } catch (e) {
    await dir.dispose();
    throw e;
  }
  return {
    url,
    get version() {
      return version;
    },
    port,
    dir,
    launch,
  };
}
