// Cheap readiness probes: one round trip, short timeout, and the server's version as a by-product.
import { connect } from 'node:net';
import amqp from 'amqplib';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';

/**
 * Sends one inline command (after AUTH when the URL has credentials) over a raw socket and resolves
 * with `parse(reply so far)` once that returns a value. No client library, so no reconnect loops.
 */
function redisRoundTrip<T>(
  url: string,
  command: string,
  parse: (reply: string) => T | undefined,
  timeoutMs: number,
): Promise<T> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: u.hostname, port: Number(u.port || 6379) });
    const timer = setTimeout(() => fail(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    let reply = '';
    const fail = (e: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(e);
    };
    socket.on('error', fail);
    socket.on('connect', () => {
      const user = u.username ? `${decodeURIComponent(u.username)} ` : '';
      const auth = u.password ? `AUTH ${user}${decodeURIComponent(u.password)}\r\n` : '';
      socket.write(`${auth}${command}\r\n`);
    });
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (reply.startsWith('-')) return fail(new Error(reply.trim()));
      const value = parse(reply);
      if (value === undefined) return;
      clearTimeout(timer);
      socket.end();
      resolve(value);
    });
  });
}

/** Resolves when the server answers PING with PONG. */
export const probeRedis = (url: string, timeoutMs = 1_000): Promise<void> =>
  redisRoundTrip(url, 'PING', (r) => (r.includes('+PONG') ? true : undefined), timeoutMs).then(() => undefined);

/** Redis's version and the answering process's pid, from INFO server. */
export const redisIdentity = (url: string, timeoutMs = 2_000): Promise<{ version: string; pid: number }> =>
  redisRoundTrip(
    url,
    'INFO server',
    (r) => {
      const version = /redis_version:([\d.]+)/.exec(r)?.[1];
      const pid = /process_id:(\d+)/.exec(r)?.[1];
      return version && pid ? { version, pid: Number(pid) } : undefined;
    },
    timeoutMs,
  );

/** Redis's version from INFO server. */
export const redisVersion = (url: string, timeoutMs = 2_000): Promise<string> =>
  redisRoundTrip(url, 'INFO server', (r) => /redis_version:([\d.]+)/.exec(r)?.[1], timeoutMs);

/** Connects and runs SHOW server_version; resolves with it. */
export const probePostgres = (url: string, timeoutMs = 2_000): Promise<string> =>
  postgresIdentity(url, timeoutMs).then((i) => i.version);

/** The server's version and data directory (which tells one server from another on the same port). */
export async function postgresIdentity(
  url: string,
  timeoutMs = 2_000,
): Promise<{ version: string; dataDirectory: string }> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => {}); // a failed probe must not crash the process
  try {
    await client.connect();
    const { rows } = await client.query<{ v: string; d: string }>(
      "SELECT current_setting('server_version') AS v, current_setting('data_directory') AS d",
    );
    return { version: rows[0]?.v.split(' ')[0] ?? 'unknown', dataDirectory: rows[0]?.d ?? '' };
  } finally {
    await client.end().catch(() => {});
  }
}

/** Opens an AMQP connection; resolves with the broker's version from its server properties. */
export const probeAmqp = (url: string, timeoutMs = 2_000): Promise<string> =>
  amqpIdentity(url, timeoutMs).then((i) => i.version);

/** The broker's version and cluster name (its node name unless set otherwise). */
export async function amqpIdentity(url: string, timeoutMs = 2_000): Promise<{ version: string; cluster: string }> {
  const connection = await amqp.connect(url, { timeout: timeoutMs });
  try {
    const props = connection.connection.serverProperties as Record<string, unknown>;
    return { version: String(props.version ?? 'unknown'), cluster: String(props.cluster_name ?? '') };
  } finally {
    await connection.close().catch(() => {});
  }
}

/** Asks the cluster to describe itself through an admin client; resolves with the broker count. */
export const probeKafka = (brokers: string, timeoutMs = 2_000): Promise<string> =>
  kafkaIdentity(brokers, timeoutMs).then((i) => `${i.brokers} broker(s)`);

/** The cluster's id, and the brokers registered with it. */
export async function kafkaIdentity(
  brokers: string,
  timeoutMs = 2_000,
): Promise<{ clusterId: string; brokers: number; nodeIds: number[] }> {
  const kafka = new Kafka({
    clientId: 'poc-harness-probe',
    brokers: brokers.split(','),
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return {
      clusterId: cluster.clusterId,
      brokers: cluster.brokers.length,
      nodeIds: cluster.brokers.map((b) => b.nodeId),
    };
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** GET /version of a toxiproxy API. */
export async function probeToxiproxy(url: string, timeoutMs = 1_000): Promise<string> {
  const response = await fetch(new URL('/version', url), { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`GET /version answered ${response.status}`);
  const body = (await response.text()).trim();
  try {
    return String((JSON.parse(body) as { version?: string }).version ?? body);
  } catch {
    return body;
  }
}
