// test/ of a new POC: behaviour against real servers in a namespace of the suite's own, bad input as a
// table of exact messages (these pass against the generated checks), and a fault test on a private server
// it kills. Every behaviour test fails (expect.fail, or the pattern's "not written yet") until written.
import { Imports, call, row } from './layout.ts';
import type { ClientTemplate } from './services.ts';
import type { Spec } from './spec.ts';

/**
 * `let redisNs: RedisNamespace;` ..., and the beforeAll/afterAll that create and remove the suite's
 * namespaces; `then` are more statements for the beforeAll, after the namespaces exist.
 */
function namespaces(clients: readonly ClientTemplate[], imports: Imports, suite: string, then: string[] = []): string {
  if (clients.length === 0) return '';
  for (const c of clients) imports.value('@poc/harness', c.namespace.create).type('@poc/harness', c.namespace.type);
  imports.value('vitest', 'afterAll', 'beforeAll');
  const vars = clients.map((c) => c.namespace.variable);
  const close =
    vars.length === 1
      ? `afterAll(() => ${vars[0]}?.close());`
      : `afterAll(() => Promise.all([${vars.map((v) => `${v}?.close()`).join(', ')}]));`;
  const create = clients.map(
    (c) => `  ${c.namespace.variable} = await ${c.namespace.create}({ name: '${suite}' }); // ${c.namespace.what}\n`,
  );
  return `${clients.map((c) => `let ${c.namespace.variable}: ${c.namespace.type};\n`).join('')}beforeAll(async () => {
${create.join('')}${then.map((l) => `  ${l}\n`).join('')}});
${close}
`;
}

export function behaviourTest(spec: Spec): string {
  const P = spec.pascal;
  const imports = new Imports();
  const setup = namespaces(spec.clients, imports, spec.prefix);
  imports.value('vitest', 'describe', 'expect', 'it');
  imports.value('../src/index.ts', spec.factory).type('../src/index.ts', P);
  imports.value('../src/naive.ts', spec.naive);
  const make = (fn: string, name: string, prefix: string): string =>
    call('    ', prefix, fn, [...spec.clients.map((c) => c.namespace.client), `{ name: '${name}' }`]);
  return `// Behaviour against real servers (POC_STANDARD.md §3): what the README promises, including the edge that
// makes the pattern worth having, and the "break it" case. No sleeps as synchronisation (eventually() from
// @poc/harness waits for the real condition); no timing thresholds (those belong in the bench).
${imports.render()}

${setup ? `${setup}\n` : ''}/** \`workers\` callers at once, each running one operation: the load under which the naive version breaks. */
async function contend(subject: ${P}, workers: number): Promise<void> {
  await Promise.all(Array.from({ length: workers }, () => subject.run()));
}

describe('${spec.title.toLowerCase()} against real servers', () => {
  it('TODO: does what the README promises, as read back from the servers', async () => {
${make(spec.factory, 'promise', 'const subject = ')}
    await subject.run();
    expect.fail('write this test: assert what run() did, read back from the servers, not from its return value');
  });

  it('break it: TODO: under contention the naive version fails as the README says, the pattern holds', async () => {
    const WORKERS = 20; // TODO: make the race certain (barriers, many rounds), or assert only the safe side
${make(spec.naive, 'naive', 'const naive = ')}
${make(spec.factory, 'pattern', 'const pattern = ')}
    await contend(naive, WORKERS);
    await contend(pattern, WORKERS);
    expect.fail('write this test: assert that the naive outcome is wrong and the outcome of the pattern right');
  });
});
`;
}

export function argumentsTest(spec: Spec): string {
  const P = spec.pascal;
  const F = spec.factory;
  const imports = new Imports();
  for (const c of spec.clients) c.importType(imports);
  imports.value('vitest', 'describe', 'expect', 'it');
  imports.value('../src/index.ts', `${P}ArgumentError`, `is${P}Error`, F);
  if (spec.clients.length > 0) imports.type('../src/index.ts', P);
  imports.value('../src/naive.ts', spec.naive);
  // The clients the cases pass are the suite's own, made once its namespaces exist.
  const clientVars = spec.clients.map((c) => `let ${c.param}: ${c.type};\n`).join('');
  const subject = `subject = ${F}(${[...spec.clients.map((c) => c.param), `{ name: 'arguments' }`].join(', ')});`;
  const setup =
    spec.clients.length > 0
      ? namespaces(spec.clients, imports, `${spec.prefix}_args`, [
          ...spec.clients.map((c) => `${c.param} = ${c.namespace.client};`),
          subject,
        ])
      : '';
  const make = (options: string, fn = F, replace?: ClientTemplate): string =>
    `() => ${fn}(${[...spec.clients.map((c) => (c === replace ? '{} as never' : c.param)), options].join(', ')})`;
  const cases: string[][] = [
    ...spec.clients.map((c) => [
      `'${c.param} that is not a client'`,
      make(`{ name: 'x' }`, F, c),
      `'${c.param} ${c.rule} (got an object)'`,
    ]),
    [`'missing options'`, make('undefined as never'), `'options must be an object (got undefined)'`],
    [`'empty name'`, make(`{ name: '' }`), `'options.name must be a non-empty string (got "")'`],
    [
      `'name that is not a string'`,
      make(`{ name: 42 as never }`),
      `'options.name must be a non-empty string (got 42)'`,
    ],
    [
      `'clock that is not a Clock'`,
      make(`{ name: 'x', clock: {} as never }`),
      `'options.clock must be a Clock (got an object)'`,
    ],
    [
      `'signal that is not an AbortSignal'`,
      `() => subject.run('stop' as never)`,
      `'signal must be an AbortSignal (got a string)'`,
    ],
    [
      `'empty name, naive version'`,
      make(`{ name: '' }`, spec.naive),
      `'options.name must be a non-empty string (got "")'`,
    ],
  ];
  return `// Bad input gets a clear, typed error that names the argument and the rule (POC_STANDARD.md §2), with the
// exact message: one row per rule. \`as never\` stands for callers without TypeScript (or with \`any\`).
${imports.render()}

${setup ? `${clientVars}let subject: ${P};\n${setup}` : `const subject = ${subject.replace('subject = ', '')}\n`}
// TODO: a row for every rule of every option the pattern adds, with its exact message.
const cases: Array<[string, () => unknown, string]> = [
${cases.map((c) => row('  ', c)).join('\n')}
];

describe('bad arguments', () => {
  it.each(cases)('rejects %s with an error naming the argument and the rule', async (_what, call, message) => {
    const err = await Promise.resolve()
      .then(call)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(${P}ArgumentError);
    expect(is${P}Error(err, 'argument')).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});
`;
}

/** One fault test per service with a client: that service on a private server it kills, the others shared. */
export function faultsTest(spec: Spec): string | undefined {
  if (spec.clients.length === 0) return undefined;
  const P = spec.pascal;
  const imports = new Imports();
  const tests = spec.clients.map((victim) => {
    imports.value('@poc/harness', victim.privateServer);
    const clientLines = victim.privateClient(imports);
    const args = spec.clients.map((c) => (c === victim ? c.param : c.namespace.client));
    return `  it('surfaces a ServiceError while ${victim.service} is down, and keeps what it acknowledged across a kill', async () => {
    // TODO: durability: ${victim.durability}.
    const server = await ${victim.privateServer}();
    onTestFinished(() => server.close());
${clientLines.map((l) => `    ${l}\n`).join('')}${call('    ', 'const subject = ', spec.factory, [...args, `{ name: 'faults' }`])}

    await subject.run(); // acknowledged before the fault
    await server.kill();
    const err = await subject.run().catch((e: unknown) => e);
    expect(is${P}Error(err, 'service')).toBe(true);

    await server.start();
    expect.fail('write this test: check that all that was acknowledged before the kill is there after the restart');
  });
`;
  });
  const shared = spec.clients.length > 1 ? namespaces(spec.clients, imports, `${spec.prefix}_faults`) : '';
  imports.value('vitest', 'describe', 'expect', 'it', 'onTestFinished');
  imports.value('../src/index.ts', `is${P}Error`, spec.factory);
  const proxy = spec.services.includes('toxiproxy')
    ? `// For a slow or cut network rather than a dead server: proxyTo(host:port) from @poc/harness.\n`
    : '';
  return `// When a server dies (POC_STANDARD.md §3): a private server per test, registered for cleanup before the
// body, killed in the middle. A failure of the server is surfaced, not swallowed; nothing acknowledged is lost.
${proxy}${imports.render()}

${shared ? `${shared}\n` : ''}describe('when a server dies (a private server per test)', () => {
${tests.join('\n')}});
`;
}
