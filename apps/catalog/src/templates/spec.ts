// Everything the templates derive from `pnpm poc new <series> <name> --services ...`: the package name,
// the identifiers (WriteBehindError, writeBehind, naiveWriteBehind ...) and the clients it takes.
import type { ServiceName } from '@poc/harness/services';
import { SERVICE_TEMPLATES, type ClientTemplate } from './services.ts';

export interface Spec {
  series: string;
  /** Folder name, kebab-case: "write-behind". */
  name: string;
  /** "poc-caching-write-behind" */
  pkg: string;
  /** "Write behind" */
  title: string;
  /** Prefix of the type and error names: "WriteBehind" (WriteBehindError, WriteBehindOptions ...). */
  pascal: string;
  /** Base of the names its tests, demo and bench give their namespaces (uniqueName's rules): "write_behind". */
  prefix: string;
  /** The factory, "writeBehind", and its naive twin, "naiveWriteBehind". */
  factory: string;
  naive: string;
  /** poc.services, as given. */
  services: readonly ServiceName[];
  /** The services with a client, in the order given: the factory's leading parameters. */
  clients: readonly ClientTemplate[];
  /** Client library versions, from the harness's package.json. */
  versions: Readonly<Record<string, string>>;
}

const words = (kebab: string): string[] => kebab.split('-').filter(Boolean);
const pascalCase = (kebab: string): string =>
  words(kebab)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');

// Names the factory must not take: reserved words, and what the generated files already declare or import.
const RESERVED =
  'break case catch class const continue debugger default delete do else enum export extends false finally for ' +
  'function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
  'yield let static implements interface package private protected public await async of type';
const DECLARED =
  'amqp amqpNamespace amqpNs afterAll beforeAll benchReport call cases check clock compareLoad connection contend ' +
  'context createContext db describe err execute expect hasMethods it kafka kafkaClient kafkaNamespace kafkaNs ' +
  'load message naive name onTestFinished options pattern pg pool postgresDatabase privateKafka privatePostgres ' +
  'privateRabbitmq privateRedis ratio redis redisClient redisNamespace redisNs report runMain say server ' +
  'serverFor servers signal subject systemClock versions';
const TAKEN = new Set(`${RESERVED} ${DECLARED}`.split(' '));
/** Type names the generated files declare or import: the POC's main interface must not take one of them. */
const TAKEN_TYPES = new Set(
  (
    'AmqpNamespace ArgumentChecks ChannelModel Clock Context Kafka KafkaNamespace PocError PostgresDatabase Redis ' +
    'RedisNamespace'
  ).split(' '),
);

export function makeSpec(
  series: string,
  name: string,
  services: readonly ServiceName[],
  versions: Readonly<Record<string, string>>,
): Spec {
  // An identifier cannot start with a digit ("2pc"), "TypeError" must not shadow the global, and "Redis" must not
  // clash with the client's type: take the series too (Kafka2pc, PostgresType, RedisRedis).
  let pascal = pascalCase(name);
  if (
    /^\d/.test(pascal) ||
    `${pascal}Error` in globalThis ||
    TAKEN_TYPES.has(pascal) ||
    TAKEN_TYPES.has(`${pascal}Error`)
  )
    pascal = pascalCase(`${series}-${name}`);
  const camel = pascal[0]!.toLowerCase() + pascal.slice(1);
  const title = words(name).join(' ');
  return {
    series,
    name,
    pkg: `poc-${series}-${name}`,
    title: title[0]!.toUpperCase() + title.slice(1),
    pascal,
    prefix: `${/^[a-z]/.test(name) ? '' : 'p'}${name.replaceAll('-', '_')}`.slice(0, 20),
    factory: TAKEN.has(camel) ? `create${pascal}` : camel,
    naive: `naive${pascal}`,
    services,
    clients: services.map((s) => SERVICE_TEMPLATES[s]).filter((c): c is ClientTemplate => c !== undefined),
    versions,
  };
}
