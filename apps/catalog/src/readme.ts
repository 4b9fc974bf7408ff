// README checks: the sections of POC_STANDARD.md §5, in that order. Headings come from marked's lexer,
// so a "## " inside a code block is not mistaken for a section.
import { marked, type Token, type Tokens } from 'marked';

export interface ReadmeSection {
  /** Short id used in field paths: readme.<id>. */
  id: string;
  /** The heading as the standard and the generator write it. */
  heading: string;
  match: RegExp;
}

/** §5, items 2–9 (item 1, the title and "What you'll build", is checked separately). */
export const README_SECTIONS: readonly ReadmeSection[] = [
  { id: 'why-this-matters', heading: 'Why this matters', match: /^why this matters\b/i },
  { id: 'run-it', heading: 'Run it', match: /^run it\b/i },
  { id: 'expected-output', heading: 'Expected output', match: /^expected output\b/i },
  { id: 'how-it-works', heading: 'How it works', match: /^how it works\b/i },
  { id: 'break-it', heading: 'Break it', match: /^break it\b/i },
  { id: 'measured', heading: 'Measured', match: /^measured\b/i },
  { id: 'trade-offs', heading: 'Trade-offs', match: /^trade-?offs\b/i },
  { id: 'extend-it', heading: 'Extend it', match: /^extend it\b/i },
  { id: 'how-it-fits', heading: 'How it fits larger systems', match: /^how it fits\b/i },
  { id: 'related-pocs', heading: 'Related POCs', match: /^related pocs\b/i },
];

export interface ReadmeProblem {
  field: string;
  message: string;
}

export interface ReadmeFacts {
  title?: string;
  whatYoullBuild?: string;
  problems: ReadmeProblem[];
}

const WHAT = /what you(?:'|’)ll build/i;

export function checkReadme(markdown: string): ReadmeFacts {
  const tokens = marked.lexer(markdown);
  const problems: ReadmeProblem[] = [];
  const headings = tokens.filter((t): t is Tokens.Heading => t.type === 'heading');
  const first = tokens.find((t) => t.type !== 'space');
  let title: string | undefined;
  if (first?.type === 'heading' && (first as Tokens.Heading).depth === 1) title = (first as Tokens.Heading).text.trim();
  else problems.push({ field: 'readme.title', message: 'README must start with a "# Title" heading' });

  // "What you'll build": a paragraph between the title and the first section.
  const firstH2 = tokens.findIndex((t) => t.type === 'heading' && (t as Tokens.Heading).depth === 2);
  const intro = tokens.slice(0, firstH2 === -1 ? tokens.length : firstH2).filter((t: Token) => t.type === 'paragraph');
  const whatToken = intro.find((t) => WHAT.test(t.raw));
  const whatYoullBuild = whatToken
    ? whatToken.raw
        .replace(/\*\*|__/g, '')
        .replace(WHAT, '')
        .replace(/^\s*:?\s*/, '')
        .trim()
    : undefined;
  if (!whatYoullBuild)
    problems.push({
      field: 'readme.what-youll-build',
      message: `a one-sentence "What you'll build:" paragraph must follow the title`,
    });

  const h2 = headings.filter((h) => h.depth === 2).map((h) => h.text.trim());
  let previous: { section: ReadmeSection; at: number } | undefined;
  for (const section of README_SECTIONS) {
    const at = h2.findIndex((text) => section.match.test(text));
    if (at === -1) {
      problems.push({ field: `readme.${section.id}`, message: `missing section "## ${section.heading}"` });
      continue;
    }
    if (previous && at < previous.at) {
      problems.push({
        field: `readme.${section.id}`,
        message: `section "## ${section.heading}" must come after "## ${previous.section.heading}" (POC_STANDARD.md §5 order)`,
      });
    }
    previous = { section, at };
  }
  const tradeOffs = sectionText(
    tokens,
    README_SECTIONS.find((s) => s.id === 'trade-offs')!,
  );
  if (tradeOffs !== undefined && !/production checklist/i.test(tradeOffs)) {
    problems.push({
      field: 'readme.trade-offs',
      message: 'the Trade-offs section must include a production checklist',
    });
  }
  return { title, whatYoullBuild, problems };
}

/** The raw markdown of the README's "Measured" section, or undefined when it has none. */
export function measuredSection(markdown: string): string | undefined {
  return sectionText(
    marked.lexer(markdown),
    README_SECTIONS.find((s) => s.id === 'measured')!,
  );
}

/** The raw markdown of a level-2 section, or undefined when absent. */
export function sectionText(tokens: Token[], section: ReadmeSection): string | undefined {
  const start = tokens.findIndex(
    (t) =>
      t.type === 'heading' &&
      (t as Tokens.Heading).depth === 2 &&
      section.match.test((t as Tokens.Heading).text.trim()),
  );
  if (start === -1) return undefined;
  const rest = tokens.slice(start + 1);
  const end = rest.findIndex((t) => t.type === 'heading' && (t as Tokens.Heading).depth <= 2);
  return (end === -1 ? rest : rest.slice(0, end)).map((t) => t.raw).join('');
}
