// The Docker provider, and what both providers must share. Runs in every test run:
//   - the image decision and the fallback to local binaries, against a scripted image store;
//   - the owner-liveness rules of the container reaper;
//   - the settings every server starts with, checked on the servers of whichever provider this run uses
//     (the local run checks local servers, POC_PROVIDER=docker checks containers);
// and, when a Docker engine answers (always under POC_PROVIDER=docker, where no engine is an error):
//   - every published port on 127.0.0.1, and every socket of host-network containers on loopback;
//   - the fallback against the real engine, with an image no registry has;
//   - no container outliving a SIGKILLed owner, and the sweep of dead owners' containers;
//   - the offline images running the local provider's server versions.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { dockerAvailable, engineImageStore, startServiceContainer } from '../src/services/docker.ts';
import { runtime } from '../src/services/docker/engine.ts';
import {
  DECISIONS_ENV,
  decideImage,
  ImageResolver,
  localMissing,
  type ImageStore,
} from '../src/services/docker/resolve.ts';
import { LABEL, OWNER_LABEL, ownerDead, ownerKey, ownerOf, sweep } from '../src/services/docker/reaper.ts';
import { startContainer } from '../src/services/docker/containers.ts';
import { containerSpec, KAFKA_SETTINGS, POSTGRES_INITDB_ARGS } from '../src/services/docker/settings.ts';
import { SERVICES, type ServiceName } from '../src/services/definitions.ts';
import { IMAGES, LOCAL_BUILDS, type ImageService } from '../src/services/images.ts';
import { descendants } from '../src/services/local/processes.ts';
import { postgresSettings } from '../src/services/local/postgres.ts';
import { REDIS_BASE_CONFIG } from '../src/services/local/redis.ts';
import { isLoopback, listeningSockets, listeningSocketsOf } from '../src/services/local/sockets.ts';
import {
  privateKafka,
  privatePostgres,
  privateRedis,
  redisClient,
  serverFor,
  ServiceUnavailableError,
  startNginx,
} from '../src/services/index.ts';
import { eventually, spawnTsWorker } from '../src/testing/index.ts';

/** A pid that certainly belongs to no live process: one that has just exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

/** Sets (or, with undefined, unsets) environment variables; returns what puts them back. */
function setEnv(vars: Record<string, string | undefined>): () => void {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (values: Record<string, string | undefined>): void => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  apply(vars);
  return () => apply(saved);
}

/** setEnv for the rest of the current test. */
const withEnv = (vars: Record<string, string | undefined>): void => onTestFinished(setEnv(vars));

/** An image store whose contents and registry are scripted. */
function scriptedStore(
  present: string[],
  pullable: Record<string, true | string> = {},
): ImageStore & { pulls: string[] } {
  const have = new Set(present);
  const pulls: string[] = [];
  return {
    pulls,
    effectiveName: (ref) => ref,
    exists: async (ref) => have.has(ref),
    pull: async (ref) => {
      pulls.push(ref);
      const outcome = pullable[ref];
      if (outcome === true) have.add(ref);
      else
        throw new Error(
          outcome ?? `(HTTP code 500) server error - Get "https://registry-1.docker.io/v2/": no such host`,
        );
    },
  };
}

describe('which image a service runs from', () => {
  beforeEach(() => setEnv({ POC_REDIS_IMAGE: undefined, POC_PROVIDER: undefined, [DECISIONS_ENV]: undefined }));

  it('prefers the pinned image when present, then the offline build, and pulls only when neither is there', async () => {
    expect(await decideImage('redis', scriptedStore([IMAGES.redis, LOCAL_BUILDS.redis]))).toMatchObject({
      kind: 'image',
      image: IMAGES.redis,
      source: 'pinned',
    });
    const offline = scriptedStore([LOCAL_BUILDS.redis]);
    expect(await decideImage('redis', offline)).toMatchObject({ image: LOCAL_BUILDS.redis, source: 'local build' });
    expect(offline.pulls).toEqual([]);
    const online = scriptedStore([], { [IMAGES.redis]: true });
    expect(await decideImage('redis', online)).toMatchObject({ image: IMAGES.redis, source: 'pinned' });
    expect(online.pulls).toEqual([IMAGES.redis]);
  });

  it('takes POC_<SERVICE>_IMAGE over everything, and never substitutes another image for it', async () => {
    withEnv({ POC_REDIS_IMAGE: 'mirror.example.com/redis:7.0.15' });
    expect(await decideImage('redis', scriptedStore(['mirror.example.com/redis:7.0.15']))).toMatchObject({
      image: 'mirror.example.com/redis:7.0.15',
      source: 'override',
    });
    expect(await decideImage('redis', scriptedStore([IMAGES.redis, LOCAL_BUILDS.redis]))).toMatchObject({
      kind: 'unavailable',
      image: 'mirror.example.com/redis:7.0.15',
      override: 'POC_REDIS_IMAGE',
    });
  });

  it('applies TESTCONTAINERS_HUB_IMAGE_NAME_PREFIX to Docker Hub images only', async () => {
    withEnv({ TESTCONTAINERS_HUB_IMAGE_NAME_PREFIX: 'registry.example.com/hub/' });
    const { ImageName } = await import('testcontainers');
    const name = (ref: string): string => ImageName.fromString(ref).string;
    expect(name(IMAGES.redis)).toBe(`registry.example.com/hub/${IMAGES.redis}`);
    expect(name(IMAGES.kafka)).toBe(`registry.example.com/hub/${IMAGES.kafka}`);
    expect(name(IMAGES.toxiproxy)).toBe(IMAGES.toxiproxy); // ghcr.io: not a Docker Hub image
    for (const service of Object.keys(LOCAL_BUILDS) as ImageService[])
      expect(name(LOCAL_BUILDS[service])).toBe(LOCAL_BUILDS[service]);
  });
});

describe('falling back to local binaries', () => {
  beforeEach(() => setEnv({ POC_PROVIDER: undefined, [DECISIONS_ENV]: undefined, POC_REDIS_IMAGE: undefined }));

  const offline = (): ImageStore => scriptedStore([]);

  it('says so in one line for every service that fell back together, naming images, error and remedies', async () => {
    const lines: string[] = [];
    const resolver = new ImageResolver({
      store: async () => offline(),
      log: (l) => lines.push(l),
      localMissing: () => undefined,
    });
    const chosen = await Promise.all((['redis', 'postgres', 'kafka'] as const).map((s) => resolver.imageFor(s)));
    expect(chosen).toEqual([undefined, undefined, undefined]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`redis (${IMAGES.redis}), postgres (${IMAGES.postgres}), kafka (${IMAGES.kafka})`);
    expect(lines[0]).toContain('registry-1.docker.io');
    expect(lines[0]).toMatch(
      /build-images\.sh.*POC_<SERVICE>_IMAGE.*TESTCONTAINERS_HUB_IMAGE_NAME_PREFIX.*POC_PROVIDER=docker\|local/,
    );
    // Asked again in this process, or in a child process that inherits the environment: no second line.
    expect(await resolver.imageFor('redis')).toBeUndefined();
    const child = new ImageResolver({
      store: async () => offline(),
      log: (l) => lines.push(l),
      localMissing: () => undefined,
    });
    expect(await child.imageFor('postgres')).toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(process.env[DECISIONS_ENV]).toBe('redis=-,postgres=-,kafka=-');
  });

  it('logs nothing when the image can be had, and hands the choice down', async () => {
    const lines: string[] = [];
    const resolver = new ImageResolver({
      store: async () => scriptedStore([LOCAL_BUILDS.rabbitmq]),
      log: (l) => lines.push(l),
    });
    expect(await resolver.imageFor('rabbitmq')).toBe(LOCAL_BUILDS.rabbitmq);
    expect(lines).toEqual([]);
    expect(process.env[DECISIONS_ENV]).toBe(`rabbitmq=${LOCAL_BUILDS.rabbitmq}`);
  });

  it('fails under POC_PROVIDER=docker, naming the image and the registry error', async () => {
    withEnv({ POC_PROVIDER: 'docker' });
    const resolver = new ImageResolver({ store: async () => offline(), log: () => {}, localMissing: () => undefined });
    const failure = resolver.imageFor('postgres');
    await expect(failure).rejects.toThrow(ServiceUnavailableError);
    await expect(failure).rejects.toThrow(
      new RegExp(
        `POC_PROVIDER=docker, but the postgres image ${IMAGES.postgres} is neither present nor pullable: .*no such host`,
      ),
    );
    await expect(failure).rejects.toThrow(/build-images\.sh.*POC_POSTGRES_IMAGE.*unset POC_PROVIDER/);
  });

  it('fails, naming what to install, when the local binaries are missing too', async () => {
    const resolver = new ImageResolver({
      store: async () => offline(),
      log: () => {},
      localMissing: () => 'redis-server',
    });
    await expect(resolver.imageFor('redis')).rejects.toThrow(
      /local redis binaries are missing \(redis-server; install them with `bash tooling\/scripts\/install-services\.sh`\)/,
    );
  });
});

describe('the container reaper', () => {
  it('judges an owner dead by pid, pid reuse and reboot, and never judges another machine’s', () => {
    const me = ownerOf(process.pid);
    expect(ownerDead(ownerKey(me))).toBe(false);
    expect(ownerDead(ownerKey({ ...me, pid: deadPid() }))).toBe(true);
    expect(ownerDead(ownerKey({ ...me, start: '1' }))).toBe(true); // our pid, another process's start time
    expect(ownerDead(ownerKey({ ...me, boot: 'an-earlier-boot' }))).toBe(true);
    expect(ownerDead(ownerKey({ ...me, host: 'another-machine', pid: deadPid() }))).toBe(false);
  });

  it('sweeps the containers of dead owners only', async () => {
    const me = ownerOf(process.pid);
    const dead = ownerKey({ ...me, pid: deadPid() });
    const containers = [
      { Id: 'mine', Labels: { [LABEL]: 'true', [OWNER_LABEL]: ownerKey(me) } },
      { Id: 'orphan', Labels: { [LABEL]: 'true', [OWNER_LABEL]: dead } },
      { Id: 'elsewhere', Labels: { [LABEL]: 'true', [OWNER_LABEL]: ownerKey({ ...me, host: 'x', pid: 1 }) } },
    ];
    const removed: string[] = [];
    const api = {
      listContainers: async () => containers,
      getContainer: (id: string) => ({ remove: async () => void removed.push(id) }),
    };
    expect(await sweep(api)).toEqual(['orphan']);
    expect(removed).toEqual(['orphan']);
    expect(await sweep(api, ownerKey(me))).toEqual(['mine', 'orphan', 'elsewhere']); // the watchdog's call: by owner
  });
});

// Every provider starts every server with the same settings. Checked on the servers this run uses.
describe('server settings (this run’s provider)', () => {
  it('Redis: the base directives, and no persistence unless a test asks for it', async () => {
    const shared = redisClient((await serverFor('redis')).url);
    onTestFinished(() => void shared.disconnect());
    for (const [name, value] of REDIS_BASE_CONFIG) expect(await shared.config('GET', name)).toEqual([name, value]);

    const plain = await privateRedis();
    onTestFinished(() => plain.close());
    const durable = await privateRedis({ config: [['appendonly', 'yes']] });
    onTestFinished(() => durable.close());
    const [a, b] = [redisClient(plain.url), redisClient(durable.url)];
    for (const c of [a, b]) c.on('error', () => {}); // reconnecting across the restarts
    onTestFinished(() => void (a.disconnect(), b.disconnect()));
    await a.set('k', 'v');
    await b.set('k', 'v');
    expect(await b.config('GET', 'save')).toEqual(['save', '']);
    await Promise.all([plain.restart(), durable.restart()]);
    expect(await a.get('k')).toBeNull(); // SIGTERM wrote no RDB (as in the fencing-token POC)
    expect(await b.get('k')).toBe('v');
  });

  it('PostgreSQL: fast settings on the shared server, durable ones on private servers, C locale', async () => {
    const settings = async (url: string, names: string[]): Promise<Record<string, string>> => {
      const c = new pg.Client(url);
      await c.connect();
      try {
        const { rows } = await c.query<{ name: string; v: string }>(
          'SELECT name, current_setting(name) AS v FROM unnest($1::text[]) AS name',
          [names],
        );
        return Object.fromEntries(rows.map((r) => [r.name, r.v]));
      } finally {
        await c.end();
      }
    };
    const names = [...Object.keys(postgresSettings(false)), 'lc_collate', 'server_encoding'];
    const C = { lc_collate: 'C', server_encoding: 'UTF8' };
    expect(POSTGRES_INITDB_ARGS).toBe('--encoding=UTF8 --locale=C');
    expect(await settings((await serverFor('postgres')).url, names)).toEqual({ ...postgresSettings(false), ...C });
    const server = await privatePostgres();
    onTestFinished(() => server.close());
    expect(await settings(server.url, [...names, 'fsync'])).toMatchObject({
      ...postgresSettings(true),
      ...C,
      fsync: 'on',
    });
  });

  it('Kafka: the broker settings, and a private broker that keeps its topics across a kill', async () => {
    const brokerConfig = async (brokers: string): Promise<Record<string, string>> => {
      const admin = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      try {
        const { resources } = await admin.describeConfigs({
          resources: [{ type: ConfigResourceTypes.BROKER, name: '1', configNames: Object.keys(KAFKA_SETTINGS) }],
          includeSynonyms: false,
        });
        return Object.fromEntries(resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
      } finally {
        await admin.disconnect();
      }
    };
    expect(await brokerConfig((await serverFor('kafka')).url)).toEqual(KAFKA_SETTINGS);

    const server = await privateKafka();
    onTestFinished(() => server.close());
    const admin = (): ReturnType<Kafka['admin']> =>
      new Kafka({ brokers: [server.url], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
    const topics = async (): Promise<string[]> => {
      const a = admin();
      try {
        await a.connect();
        return await a.listTopics();
      } finally {
        await a.disconnect();
      }
    };
    const creator = admin();
    await creator.connect();
    await creator.createTopics({ topics: [{ topic: 'kept', numPartitions: 2 }], waitForLeaders: true });
    await creator.disconnect();
    await server.kill();
    await server.start();
    await eventually(async () => (await topics()).includes('kept'), {
      what: 'topic "kept" on the restarted broker',
      timeoutMs: 30_000,
    });
  });
});

const engine = await dockerAvailable();
// The services whose image this engine has or can pull. Elsewhere they fall back to local binaries (the
// tests above cover that), and there is no container of theirs to test. Under POC_PROVIDER=docker an
// image that cannot be had throws here: the file fails rather than skip.
const usable = new Set(
  engine
    ? (
        await Promise.all(
          [...Object.keys(SERVICES), 'nginx'].map(async (s) => ((await dockerAvailable(s)) ? s : undefined)),
        )
      ).filter((s) => s !== undefined)
    : [],
);

// Only where a Docker engine answers (under POC_PROVIDER=docker, always: no engine fails the run above).
if (engine) {
  const dockerode = (await runtime()).container.dockerode;
  // Services whose offline image (tooling/docker/build-images.sh) is on this engine and whose local
  // binaries are installed: both providers must then run the same server version.
  const store = await engineImageStore();
  const localBuilds = (
    await Promise.all(
      (Object.keys(SERVICES) as ServiceName[]).map(async (s) =>
        !localMissing(s) && (await store.exists(LOCAL_BUILDS[s])) ? s : undefined,
      ),
    )
  ).filter((s): s is ServiceName => s !== undefined);

  /** Every way a container is reachable from outside this machine: non-loopback bindings and sockets. */
  async function exposure(id: string): Promise<{ exposed: string[]; loopback: string[] }> {
    const info = await dockerode.getContainer(id).inspect();
    const exposed: string[] = [];
    const loopback: string[] = [];
    const published = Object.entries(info.NetworkSettings.Ports ?? {}).flatMap(([port, bindings]) =>
      (bindings ?? []).map((b) => ({ ...b, port })),
    );
    for (const b of published)
      (isLoopback(b.HostIp) ? loopback : exposed).push(`${b.HostIp || '*'}:${b.HostPort}->${b.port}`);
    const hostPorts = new Set(published.map((b) => Number(b.HostPort)));
    const sockets = listeningSockets().filter((s) => hostPorts.has(s.port));
    if (info.HostConfig.NetworkMode === 'host') {
      const pid = info.State.Pid;
      sockets.push(...listeningSocketsOf([pid, ...descendants(pid)]));
    }
    for (const s of sockets) (isLoopback(s.address) ? loopback : exposed).push(`socket ${s.address}:${s.port}`);
    return { exposed, loopback };
  }

  if (usable.size > 0) {
    describe('Docker provider: reachable from this machine only', () => {
      it.each((Object.keys(SERVICES) as ServiceName[]).filter((s) => usable.has(s)))(
        '%s: every published port and socket on loopback',
        async (name) => {
          const instance = await startServiceContainer(name);
          onTestFinished(() => instance.remove());
          const { exposed, loopback } = await exposure(instance.id);
          expect(exposed).toEqual([]);
          expect(loopback.join(' ')).toContain(`:${instance.port}`);
          const labels = (await dockerode.getContainer(instance.id).inspect()).Config.Labels;
          expect(labels[OWNER_LABEL]).toBe(ownerKey(ownerOf(process.pid)));
        },
      );

      if (usable.has('nginx')) {
        it('nginx: listens on 127.0.0.1 only', async () => {
          const nginx = await startNginx({ upstreams: ['127.0.0.1:9'] });
          onTestFinished(() => nginx.close());
          expect(nginx.provider).toBe('docker');
          const [c] = await dockerode.listContainers({
            filters: { label: [`${OWNER_LABEL}=${ownerKey(ownerOf(process.pid))}`, 'poc-harness.service=nginx'] },
          });
          const { exposed, loopback } = await exposure(c!.Id);
          expect(exposed).toEqual([]);
          expect(loopback).toContain(`socket 127.0.0.1:${nginx.port}`);
        });
      }

      if (usable.has('redis')) {
        it('would catch a port published the default way (every interface)', async () => {
          const { GenericContainer } = await import('testcontainers');
          const image = (await new ImageResolver({ store: engineImageStore, log: () => {} }).imageFor('redis'))!;
          const container = await new GenericContainer(image)
            .withCommand(['redis-server', '--protected-mode', 'no'])
            .withExposedPorts(6379)
            .withAutoCleanup(false)
            .withLabels({ [LABEL]: 'true', [OWNER_LABEL]: ownerKey(ownerOf(process.pid)) })
            .start();
          onTestFinished(() => dockerode.getContainer(container.getId()).remove({ force: true }));
          expect((await exposure(container.getId())).exposed).not.toEqual([]);
        });
      }
    });
  }

  describe('Docker provider: images', () => {
    it('falls back with one line, or fails under POC_PROVIDER=docker, for an image no registry has', async () => {
      withEnv({
        POC_REDIS_IMAGE: 'poc-harness-test/absent:never',
        POC_PROVIDER: undefined,
        [DECISIONS_ENV]: undefined,
      });
      const lines: string[] = [];
      const resolver = new ImageResolver({
        store: engineImageStore,
        log: (l) => lines.push(l),
        localMissing: () => undefined,
      });
      expect(await resolver.imageFor('redis')).toBeUndefined();
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/redis \(poc-harness-test\/absent:never\): .+\. Build them offline/);

      process.env.POC_PROVIDER = 'docker';
      delete process.env[DECISIONS_ENV];
      const forced = new ImageResolver({ store: engineImageStore, log: () => {}, localMissing: () => undefined });
      await expect(forced.imageFor('redis')).rejects.toThrow(
        /POC_PROVIDER=docker, but the redis image poc-harness-test\/absent:never is neither present nor pullable: \S+.*POC_REDIS_IMAGE/,
      );
    });

    if (localBuilds.length > 0) {
      it.each(localBuilds)('%s: the offline image runs the local provider’s server version', async (name) => {
        const def = SERVICES[name];
        const local = await def.startLocal();
        onTestFinished(() => local.dir.dispose());
        const instance = await startContainer(name, LOCAL_BUILDS[name], (port) => containerSpec(name, port));
        onTestFinished(() => instance.remove());
        expect(await def.probe(instance.url)).toBe(await def.probe(local.url));
      });
    }
  });

  if (usable.has('redis')) {
    describe('Docker provider: no container outlives its owner', () => {
      it('removes the containers of a SIGKILLed test process', async () => {
        const owner = spawnTsWorker(fileURLToPath(new URL('./fixtures/docker-owner.ts', import.meta.url)));
        onTestFinished(() => owner.kill());
        const id = /container (\w+)/.exec(await owner.waitForLine(/^container \w+/, 90_000))![1]!;
        expect((await dockerode.getContainer(id).inspect()).State.Running).toBe(true);
        await owner.kill();
        await eventually(
          async () => {
            try {
              await dockerode.getContainer(id).inspect();
              return false;
            } catch (e) {
              return /no such container/i.test((e as Error).message);
            }
          },
          { what: `container ${id.slice(0, 12)} removed after its owner's SIGKILL`, timeoutMs: 20_000 },
        );
      });

      it('sweeps, at the next start, containers whose owner died without its watchdog', async () => {
        const { GenericContainer } = await import('testcontainers');
        const image = (await new ImageResolver({ store: engineImageStore, log: () => {} }).imageFor('redis'))!;
        const start = (owner: string): Promise<string> =>
          new GenericContainer(image)
            .withCommand(['redis-server', '--port', '6379'])
            .withAutoCleanup(false)
            .withLabels({ [LABEL]: 'true', [OWNER_LABEL]: owner })
            .withWaitStrategy({
              waitUntilReady: async () => {},
              withStartupTimeout() {
                return this;
              },
              isStartupTimeoutSet: () => false,
              getStartupTimeout: () => 0,
            })
            .start()
            .then((c) => c.getId());
        const me = ownerOf(process.pid);
        const [orphan, mine] = await Promise.all([start(ownerKey({ ...me, pid: deadPid() })), start(ownerKey(me))]);
        onTestFinished(() => dockerode.getContainer(mine).remove({ force: true }));
        expect(await sweep(dockerode)).toContain(orphan);
        const left = (await dockerode.listContainers({ all: true, filters: { label: [LABEL] } })).map((c) => c.Id);
        expect(left).not.toContain(orphan);
        expect(left).toContain(mine);
      });
    });
  }
}
