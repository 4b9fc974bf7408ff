// Which image a service runs from, decided once per run, and what happens when there is none: the
// service falls back to local binaries with one log line (for every service that fell back), or, with
// POC_PROVIDER=docker, the run fails naming the image and the registry's error.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ServiceUnavailableError } from '../../errors.ts';
import { BUILD_IMAGES_COMMAND, IMAGES, imageEnvVar, LOCAL_BUILDS, type ImageService } from '../images.ts';
import { findExecutable, postgresBinDirs } from '../local/binaries.ts';
import { KAFKA_VERSION } from '../local/kafka.ts';
import { cacheHome } from '../local/processes.ts';
import { forcedProvider } from './engine.ts';

/** What the engine knows about images, as the decision needs it (a fake one in tests). */
export interface ImageStore {
  /** The name the engine will use for `ref` (TESTCONTAINERS_HUB_IMAGE_NAME_PREFIX applied). */
  effectiveName(ref: string): string;
  exists(ref: string): Promise<boolean>;
  /** Pulls `ref`; rejects with the registry's error. */
  pull(ref: string): Promise<void>;
}

export type Decision =
  | { readonly kind: 'image'; readonly image: string; readonly source: 'override' | 'pinned' | 'local build' }
  | { readonly kind: 'unavailable'; readonly image: string; readonly error: string; readonly override?: string };

const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** Decides without side effects: override, else pinned if present, else local build if present, else pull. */
export async function decideImage(service: ImageService, store: ImageStore): Promise<Decision> {
  const overrideVar = imageEnvVar(service);
  const override = process.env[overrideVar]?.trim();
  const wanted = override || IMAGES[service];
  const name = store.effectiveName(wanted);
  if (await store.exists(wanted)) return { kind: 'image', image: name, source: override ? 'override' : 'pinned' };
  if (!override && (await store.exists(LOCAL_BUILDS[service])))
    return { kind: 'image', image: LOCAL_BUILDS[service], source: 'local build' };
  try {
    await store.pull(wanted);
    if (await store.exists(wanted)) return { kind: 'image', image: name, source: override ? 'override' : 'pinned' };
    return {
      kind: 'unavailable',
      image: name,
      error: 'the pull ended but the image is not there',
      override: overrideVar,
    };
  } catch (e) {
    return {
      kind: 'unavailable',
      image: name,
      error: oneLine((e as Error).message),
      ...(override ? { override: overrideVar } : {}),
    };
  }
}

/** What is missing for the local provider to run `service`, or undefined when its binaries are there. */
export function localMissing(service: ImageService): string | undefined {
  switch (service) {
    case 'redis':
      return findExecutable('redis-server') ? undefined : 'redis-server';
    case 'postgres':
      return findExecutable('initdb', postgresBinDirs()) && findExecutable('postgres', postgresBinDirs())
        ? undefined
        : 'PostgreSQL (initdb, postgres)';
    case 'rabbitmq':
      return findExecutable('rabbitmq-server', [], ['/usr/lib/rabbitmq/bin']) ? undefined : 'rabbitmq-server';
    case 'kafka': {
      const jar = join(cacheHome(), `kafka-${KAFKA_VERSION}`, 'libs', `kafka_2.13-${KAFKA_VERSION}.jar`);
      if (!findExecutable('java')) return 'java';
      return existsSync(jar) ? undefined : `Kafka ${KAFKA_VERSION} jars`;
    }
    case 'toxiproxy':
      return findExecutable('toxiproxy-server', [join(cacheHome(), 'bin')]) ? undefined : 'toxiproxy-server';
    case 'nginx':
      return findExecutable('nginx', [], ['/usr/sbin']) ? undefined : 'nginx';
  }
}

/** The decisions of this run, handed to child processes so they neither ask again nor log again. */
export const DECISIONS_ENV = 'POC_DOCKER_IMAGES';
const LOCAL_MARK = '-';

function inheritedDecision(service: ImageService): string | undefined {
  const entry = (process.env[DECISIONS_ENV] ?? '').split(',').find((e) => e.startsWith(`${service}=`));
  return entry?.slice(service.length + 1);
}

function recordDecision(service: ImageService, value: string): void {
  const entries = (process.env[DECISIONS_ENV] ?? '').split(',').filter((e) => e && !e.startsWith(`${service}=`));
  process.env[DECISIONS_ENV] = [...entries, `${service}=${value}`].join(',');
}

const howTo =
  `Build them offline with \`${BUILD_IMAGES_COMMAND}\`, point POC_<SERVICE>_IMAGE or ` +
  'TESTCONTAINERS_HUB_IMAGE_NAME_PREFIX at a registry you can reach, or choose a provider with POC_PROVIDER=docker|local.';

/** The one line for every service that fell back together. */
export function fallbackLine(fallen: ReadonlyArray<{ service: ImageService; image: string; error: string }>): string {
  const byError = new Map<string, string[]>();
  for (const f of fallen) byError.set(f.error, [...(byError.get(f.error) ?? []), `${f.service} (${f.image})`]);
  const parts = [...byError].map(([error, which]) => `${which.join(', ')}: ${error}`);
  return (
    `Docker answers, but these images are neither present nor pullable, so their services run on local binaries: ` +
    `${parts.join('; ')}. ${howTo}`
  );
}

function unavailableError(service: ImageService, d: Extract<Decision, { kind: 'unavailable' }>, why: string): Error {
  return new ServiceUnavailableError(
    `${why}, but the ${service} image ${d.image} is neither present nor pullable: ${d.error}. ` +
      `Build the offline images with \`${BUILD_IMAGES_COMMAND}\`, set ${d.override ?? imageEnvVar(service)} to an ` +
      `image this engine has, or set TESTCONTAINERS_HUB_IMAGE_NAME_PREFIX to a registry mirror` +
      (why.startsWith('POC_PROVIDER') ? '; or unset POC_PROVIDER to use local binaries.' : '.'),
  );
}

/**
 * Decides for one service, memoised per process: the image to run, or undefined when it runs on local
 * binaries instead. Fallbacks decided at the same moment (a run starting several services) are reported
 * in one line through `log`, once per run: child processes inherit the decisions.
 */
export class ImageResolver {
  private readonly decisions = new Map<ImageService, Promise<string | undefined>>();
  private inFlight = 0;
  private fallen: Array<{ service: ImageService; image: string; error: string }> = [];
  private readonly store: () => Promise<ImageStore>;
  private readonly log: (line: string) => void;
  private readonly missingLocally: (service: ImageService) => string | undefined;

  constructor(options: {
    store: () => Promise<ImageStore>;
    log: (line: string) => void;
    localMissing?: (service: ImageService) => string | undefined;
  }) {
    this.store = options.store;
    this.log = options.log;
    this.missingLocally = options.localMissing ?? localMissing;
  }

  imageFor(service: ImageService): Promise<string | undefined> {
    const forced = forcedProvider();
    const inherited = inheritedDecision(service);
    if (inherited && !(forced === 'docker' && inherited === LOCAL_MARK)) {
      return Promise.resolve(inherited === LOCAL_MARK ? undefined : inherited);
    }
    let d = this.decisions.get(service);
    if (!d) {
      d = this.decide(service);
      this.decisions.set(service, d);
      d.catch(() => this.decisions.delete(service));
    }
    return d;
  }

  private async decide(service: ImageService): Promise<string | undefined> {
    this.inFlight++;
    try {
      const d = await decideImage(service, await this.store());
      if (d.kind === 'image') {
        recordDecision(service, d.image);
        return d.image;
      }
      if (forcedProvider() === 'docker') throw unavailableError(service, d, 'POC_PROVIDER=docker');
      const missing = this.missingLocally(service);
      if (missing) {
        throw unavailableError(
          service,
          d,
          `Docker answers and the local ${service} binaries are missing (${missing}; ` +
            `install them with \`bash tooling/scripts/install-services.sh\`)`,
        );
      }
      this.fallen.push({ service, image: d.image, error: d.error });
      recordDecision(service, LOCAL_MARK);
      return undefined;
    } finally {
      this.inFlight--;
      if (this.inFlight === 0 && this.fallen.length > 0) {
        const fallen = this.fallen;
        this.fallen = [];
        this.log(fallbackLine(fallen));
      }
    }
  }
}
