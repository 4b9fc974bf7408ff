// src/ of a new POC: errors.ts on the kit, the public index, the factory (options checked up front, its
// clients and a Clock as arguments), the naive variant behind './naive', and the demo under runMain.
// What the pattern does is a TODO that throws, so nothing passes for finished until it is written.
import { Imports, call, exportList, signature, typeUnion } from './layout.ts';
import type { Spec } from './spec.ts';

/** `redis: Redis, pool: pg.Pool, options: XOptions`: the factory's parameters. */
const params = (spec: Spec): string[] => [
  ...spec.clients.map((c) => `${c.param}: ${c.type}`),
  `options: ${spec.pascal}Options`,
];

const importClientTypes = (spec: Spec, imports: Imports): void => {
  for (const c of spec.clients) c.importType(imports);
};

export function errorsTs(spec: Spec): string {
  const P = spec.pascal;
  const hasService = spec.clients.length > 0;
  const codes = hasService ? `'argument' | 'service'` : `'argument'`;
  const members = [`${P}ArgumentError`, ...(hasService ? [`${P}ServiceError`] : [])];
  const kit = new Imports().value('@poc/kit', 'PocError', 'argumentChecks', 'errorGuard');
  if (hasService) kit.value('@poc/kit', 'serviceCall');
  kit.type('@poc/kit', 'ArgumentChecks');
  const serviceError = `
/** A server failed or could not be reached; \`cause\` is the client's error. */
export class ${P}ServiceError extends ${P}Error {
  readonly code = 'service';
}
`;
  const calls = spec.clients.map(
    (c) => `
/** Runs one ${c.service} call; a client failure becomes a ${P}ServiceError naming what was being done. */
${call('', `export const ${c.serviceCall} = `, 'serviceCall', [`(message, cause) => new ${P}ServiceError(message, { cause })`])}
`,
  );
  return `// The errors this package throws, on the shared kit: each carries the package's scope and a code, so a
// caller tells bad input from a failed server (and from the pattern's own failures) with one guard.
// TODO: one class per failure the pattern has: a code, a class, a member of the union.
${kit.render()}

export type ${P}ErrorCode = ${codes};

/** Base of every error this package throws: \`is${P}Error(e, code?)\` tells them apart. */
export abstract class ${P}Error extends PocError {
  readonly scope = '${spec.pkg}';
  abstract override readonly code: ${P}ErrorCode;
}

/** An argument broke a stated rule; the message names the argument, the rule and the value. */
export class ${P}ArgumentError extends ${P}Error {
  readonly code = 'argument';
}
${hasService ? serviceError : ''}
${typeUnion(`Any${P}Error`, members)}

/** The one guard: \`is${P}Error(e, code?)\`; given a code, it narrows to that error's class. */
${call('', `export const is${P}Error = `, `errorGuard<Any${P}Error>`, [`'${spec.pkg}'`])}

/** Argument checks that throw ${P}ArgumentError: \`check.positiveInt('options.ttlMs', value)\`. */
${call('', 'export const check: ArgumentChecks = ', 'argumentChecks', [`(p) => new ${P}ArgumentError(p.message)`])}
${calls.join('')}`;
}

export function indexTs(spec: Spec): string {
  const P = spec.pascal;
  const errors = [
    `${P}Error`,
    `${P}ArgumentError`,
    ...(spec.clients.length > 0 ? [`${P}ServiceError`] : []),
    `is${P}Error`,
    `type Any${P}Error`,
    `type ${P}ErrorCode`,
  ];
  return `// The public API of ${spec.pkg}. The factory takes its clients, its options and, where
// time matters, a Clock from @poc/kit; nothing connects at import. The naive variant is behind the
// subpath '${spec.pkg}/naive'.
${exportList([spec.factory, `type ${P}`, `type ${P}Options`], `./${spec.name}.ts`)}
${exportList(errors, './errors.ts')}
`;
}

/** A check on one line when it fits (the kit's messages: "<argument> <rule> (got <value>)"). */
const checkLine = (args: string[]): string => call('  ', '', 'check.kind', args);

export function mainTs(spec: Spec): string {
  const P = spec.pascal;
  const imports = new Imports().value('@poc/kit', 'systemClock').type('@poc/kit', 'Clock');
  importClientTypes(spec, imports);
  imports.value('./errors.ts', 'check');
  const clientArgs = spec.clients.map((c) => c.param);
  const serviceCalls = spec.clients.map((c) => `${c.serviceCall}()`).join(' / ');
  const clientChecks = spec.clients.map((c) =>
    checkLine([
      `hasMethods(${c.param}, ${c.methods.map((m) => `'${m}'`).join(', ')})`,
      `'${c.param}'`,
      `'${c.rule}'`,
      c.param,
    ]),
  );
  const servers =
    spec.clients.length > 0
      ? ` * Call the servers through ${serviceCalls} (./errors.ts),
 * so a failure reaches the caller as the package's ServiceError naming what was being done. Put
 * multi-step server-side logic where it is atomic (a Lua script in src/lua/, a transaction, broker
 * acknowledgements); the README says why.
`
      : '';
  return `// TODO: ${spec.title} in two or three lines: what it guarantees, and how.
${imports.render()}

export interface ${P}Options {
  /** Names this instance: what it keeps on the servers lives under this name. */
  name: string;
  /** Time as the pattern sees it (default systemClock); a test can drive it with a ManualClock from @poc/kit. */
  clock?: Clock;
  // TODO: the pattern's own options, each checked in createContext() and given a row in test/arguments.test.ts.
}

export interface ${P} {
  readonly name: string;
  /** TODO: the pattern's operation: rename it, and give it its arguments and its result. */
  run(signal?: AbortSignal): Promise<void>;
}

/** TODO: one line on what it does. Every argument is checked first (an ArgumentError names it). */
${signature(`export function ${spec.factory}`, params(spec), `: ${P} {`)}
${call('  ', 'const context = ', 'createContext', [...clientArgs, 'options'])}
  return {
    name: context.name,
    async run(signal) {
      check.signal('signal', signal);
      return execute(context, signal);
    },
  };
}

/** What the operations work with, checked once. */
export interface Context {
${spec.clients.map((c) => `  readonly ${c.param}: ${c.type};\n`).join('')}  readonly name: string;
  readonly clock: Clock;
}

/** Checks the clients and the options; the naive variant (src/naive.ts) takes the same, checked here too. */
${signature('export function createContext', params(spec), ': Context {')}
${clientChecks.map((l) => `${l}\n`).join('')}${checkLine([
    `typeof options === 'object' && options !== null`,
    `'options'`,
    `'must be an object'`,
    'options',
  ])}
  check.name('options.name', options.name);
  const clock = options.clock ?? systemClock;
${checkLine([`hasMethods(clock, 'now', 'sleep', 'schedule')`, `'options.clock'`, `'must be a Clock'`, 'clock'])}
  return { ${[...clientArgs, 'name: options.name', 'clock'].join(', ')} };
}

/** A client or a clock is recognised by its methods, so a copy of its library in another package passes too. */
const hasMethods = (value: unknown, ...methods: string[]): boolean =>
  typeof value === 'object' &&
  value !== null &&
  methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');

/**
 * TODO: the pattern. Take time from context.clock and pass \`signal\` on to every wait.
${servers} */
async function execute(_context: Context, _signal?: AbortSignal): Promise<void> {
  throw new Error('not written yet: the pattern, execute() in src/${spec.name}.ts');
}
`;
}

export function naiveTs(spec: Spec): string {
  const P = spec.pascal;
  const imports = new Imports();
  importClientTypes(spec, imports);
  imports.value(`./${spec.name}.ts`, 'createContext').type(`./${spec.name}.ts`, 'Context', P, `${P}Options`);
  return `// TODO: the naive version: what people write first, and how it breaks under load (a lost update, a
// duplicate, an oversell ...), as the README's "Break it" shows. It takes the same arguments and has the
// same interface as the pattern, so tests and the bench compare like with like. Not exported from the main
// entry: import it from '${spec.pkg}/naive'.
${imports.render()}

${signature(`export function ${spec.naive}`, params(spec), `: ${P} {`)}
${call('  ', 'const context = ', 'createContext', [...spec.clients.map((c) => c.param), 'options'])}
  return { name: context.name, run: (signal) => execute(context, signal) };
}

/** TODO: the same work as the pattern, without the step that makes it safe. */
async function execute(_context: Context, _signal?: AbortSignal): Promise<void> {
  throw new Error('not written yet: the naive version, execute() in src/naive.ts');
}
`;
}

export function demoTs(spec: Spec): string {
  const imports = new Imports();
  const nsLines = spec.clients.map(
    (c) =>
      `  const ${c.namespace.variable} = await ${c.namespace.create}({ name: 'demo' }); // ${c.namespace.what}, removed at the end`,
  );
  for (const c of spec.clients) imports.value('@poc/harness', c.namespace.create);
  if (spec.services.length > 0) imports.value('@poc/harness', 'serverFor');
  imports.value('@poc/kit', 'runMain').value('./index.ts', spec.factory);
  const servers =
    spec.services.length > 0
      ? `  const servers = await Promise.all([${spec.services.map((s) => `'${s}'`).join(', ')}].map((s) => serverFor(s)));
`
      : '';
  const heading =
    spec.services.length > 0
      ? `    const versions = servers.map((s) => \`\${s.service} \${s.version} (\${s.provider})\`).join(', ');
    say(\`${spec.title} demo: \${versions}\`);`
      : `    say('${spec.title} demo');`;
  const close = spec.clients.map((c) => `    await ${c.namespace.variable}.close();\n`).join('');
  const body = `${heading}
${call('    ', 'const subject = ', spec.factory, [...spec.clients.map((c) => c.namespace.client), `{ name: 'demo' }`])}
    // TODO: the scenario step by step, one printed line per step, as the README's "Expected output" shows.
    await subject.run();
    say('done');`;
  return `// pnpm --filter ${spec.pkg} demo: the scenario against real servers, printing what the
// README's "Expected output" shows (paste its real output there).
${imports.render()}

const say = (line = ''): void => console.log(line);

runMain(async () => {
${servers}${nsLines.map((l) => `${l}\n`).join('')}${
    close
      ? `  try {
${body}
  } finally {
${close}  }`
      : body.replace(/^ {2}/gm, '')
  }
});
`;
}
