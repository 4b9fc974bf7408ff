// README.md of a new POC: every section of POC_STANDARD.md §5 (README_SECTIONS), in order, each saying
// TODO until written; the catalog counts the markers and shows the package as in progress.
import { README_SECTIONS } from '../readme.ts';
import type { Spec } from './spec.ts';

export function readme(spec: Spec): string {
  const short = `${spec.series}-${spec.name}`;
  const services = spec.services.length > 0 ? spec.services.join(', ') : 'no server';
  const body: Record<string, string> = {
    'why-this-matters': 'TODO: the production problem, and where real systems use this pattern.',
    'run-it': `\`\`\`sh
pnpm poc ${short}            # the demo, servers started for you
pnpm poc ${short} --test     # its integration tests against real servers
pnpm poc ${short} --bench    # its benchmark; writes bench/results.json
\`\`\`

Needs: ${services}, started for you (or attached through POC_<SERVICE>_URL).`,
    'expected-output': `\`\`\`text
TODO: paste the real output of \`pnpm --filter ${spec.pkg} demo\`.
\`\`\``,
    'how-it-works': `TODO: the key idea, with the essential code taken from \`src/${spec.name}.ts\` (kept in sync) and a
Mermaid diagram where a picture helps. Say where the multi-step logic is atomic (Lua, a transaction, broker
acks) and why.`,
    'break-it': `TODO: how to make it fail on purpose: \`${spec.naive}\` (\`${spec.pkg}/naive\`) under the load of
\`test/${spec.name}.test.ts\`, and what you will see.`,
    // Filled by \`pnpm --filter @poc/catalog refresh-measured\` from bench/results.json; until the bench has run,
    // the catalog flags the missing result, so the placeholder needs no TODO marker of its own.
    measured: `TODO: what each comparison measures and its parameters, around the rendered block (never quote its numbers).

<!-- measured:start -->

Not measured yet: run \`pnpm poc ${short} --bench\` on a quiet machine, then \`pnpm --filter @poc/catalog refresh-measured\`.

<!-- measured:end -->`,
    'trade-offs': `TODO: costs, and when not to use it.

Production checklist:

- [ ] TODO`,
    'extend-it': '- TODO',
    'how-it-fits': '- TODO',
    'related-pocs': '- TODO: links to packages, e.g. [poc-redis-lock](../../redis/lock).',
  };
  const sections = README_SECTIONS.map((s) => `## ${s.heading}\n\n${body[s.id] ?? 'TODO'}\n`).join('\n');
  return `# TODO: ${spec.title}\n\n**What you'll build:** TODO: one sentence.\n\n${sections}`;
}
