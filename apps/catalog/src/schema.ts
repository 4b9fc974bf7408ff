// The `poc` block of a package.json (POC_STANDARD.md §1), validated with zod. Strict: a misspelt key
// ("sumary") is an error rather than a silently missing field.
import { z } from 'zod';

/** Series folders under packages/ (DESIGN.md), plus "systems" for apps/* that carry a poc block. */
export const SERIES = [
  'redis',
  'caching',
  'postgres',
  'kafka',
  'rabbitmq',
  'api',
  'resilience',
  'realtime',
  'load-balancing',
  'observability',
  'problems',
] as const;
export const SYSTEMS = 'systems';
export type Series = (typeof SERIES)[number] | typeof SYSTEMS;

export const KEBAB = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const kebab = (what: string) =>
  z.string().regex(KEBAB, `${what} must be kebab-case (lowercase letters, digits, single dashes)`);

export const pocMetaSchema = z.strictObject({
  /** The roadmap's number, where it gives one. */
  number: z.number().int().positive().optional(),
  title: z.string().trim().min(3, 'title must be a few words'),
  series: z.enum([...SERIES, SYSTEMS]),
  summary: z
    .string()
    .trim()
    .min(20, 'summary must be one full sentence')
    .max(400, 'summary must be one sentence (at most 400 characters)'),
  /** Harness service names (redis, postgres, ...); empty when the POC needs none. */
  services: z.array(kebab('a service name')),
  concepts: z.array(kebab('a concept')).min(1, 'concepts must name at least one concept'),
  /** Package names of related POCs (existing or planned). */
  related: z.array(
    z
      .string()
      .regex(/^(poc-[a-z0-9-]+|@poc\/[a-z0-9-]+)$/, 'related entries must be package names like poc-redis-lock'),
  ),
  /** The roadmap's claim, in words: what the bench measures. */
  claim: z.string().trim().min(5, 'claim must state what the bench measures'),
});
export type PocMeta = z.infer<typeof pocMetaSchema>;

/** The parts of package.json the catalog reads besides `poc`. */
export const packageJsonSchema = z.looseObject({
  name: z.string().min(1),
  private: z.literal(true, 'packages must be private'),
  type: z.literal('module', 'packages must be ESM ("type": "module")'),
  scripts: z.record(z.string(), z.string()).default({}),
});
