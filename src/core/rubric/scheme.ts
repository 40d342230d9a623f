// `qed schemes`: a 0–7 marking scheme per problem (checkpoints, zero-credit items, deductions),
// generated from the problem and its reference solution, checked before it is stored.

import type { Parsed } from '../grade/parse';
import { loadTemplate, fillTemplate, type PromptTemplate, type TemplateSpec } from '../run/prompts';

/** Placeholders: ours, and the original's scheme script's ({problem}, {solution} = the reference solution). */
export const SCHEME_PROMPT: { file: string; spec: TemplateSpec } = {
  file: 'scheme_generation.txt',
  spec: {
    names: ['problem_statement', 'reference_solution'],
    rename: { problem: 'problem_statement', solution: 'reference_solution' },
    required: [
      ['problem_statement', 'problem'],
      ['reference_solution', 'solution'],
    ],
  },
};

export const SCHEME_COLUMNS = {
  stamp: 'qed_scheme',
  cost: 'scheme_cost',
  error: 'scheme_error',
  reply: 'scheme_reply',
  fields: ['grading_scheme'],
};

/** The total a scheme's checkpoints must add up to. */
export const SCHEME_TOTAL = 7;

export interface Checkpoint {
  points: number;
  /** The checkpoint's line as written. */
  line: string;
}

export interface ParsedScheme {
  /** The scheme as stored in `grading_scheme`: the reply without preamble, tags or fences. */
  text: string;
  checkpoints: Checkpoint[];
}

type Section = 'checkpoints' | 'zero-credit' | 'deductions';

/**
 * A section heading on a line of its own, with any markdown around it: "## Checkpoints (7 points)",
 * "**Zero-credit items:**", "3. Deductions", "Deductions: none". A keyword followed by a number or
 * a name ("Checkpoint 1 (2 pts): …") is an item, not a heading.
 */
const HEADING =
  /^\s*(?:#{1,6}\s*)?[*_]*\s*(?:(?:\d+|[ivx]+)[.)]\s*)?[*_]*\s*(checkpoints?|zero[- ]credit(?:\s+items?)?|no[- ]credit(?:\s+items?)?|deductions?|penalties)\s*[*_]*\s*(?:\([^)\n]*\))?\s*[*_]*\s*(?::|[-–—]\s|$)/i;

/** The section a heading line opens, and what follows the heading's colon on the same line. */
function sectionOf(line: string): { section: Section; rest: string } | undefined {
  const m = HEADING.exec(line);
  if (!m) return undefined;
  const k = m[1].toLowerCase();
  const section: Section = k.startsWith('checkpoint')
    ? 'checkpoints'
    : k.startsWith('deduction') || k === 'penalties'
      ? 'deductions'
      : 'zero-credit';
  return { section, rest: line.slice(m.index + m[0].length) };
}

const UNIT = String.raw`(?:pts?|points?|marks?)\b`;
const NUM = String.raw`(\d+(?:[.,]\d+)?)`;
/** "[2 pts]", "(2 points)" anywhere in the line. */
const BRACKETED = new RegExp(String.raw`[([]\s*\+?${NUM}\s*${UNIT}\s*[)\]]`, 'i');
/** "2 pts: …" right after the list marker. */
const LEADING = new RegExp(String.raw`^\s*(?:[-*•+]|\d+[.)]|\(\d+\))?\s*[*_]*\s*\+?${NUM}\s*${UNIT}`, 'i');
/** "… — 2 points" at the end of the line. */
const TRAILING = new RegExp(String.raw`\+?${NUM}\s*${UNIT}[\s*_).\]]*$`, 'i');

/** The points a checkpoint line awards, by the first rule that applies (see pointsOf rules in the README). */
function pointsOf(line: string): string | undefined {
  return (BRACKETED.exec(line) ?? LEADING.exec(line) ?? TRAILING.exec(line))?.[1];
}

const indentOf = (line: string) => /^\s*/.exec(line)![0].replace(/\t/g, '    ').length;

/** The scheme part of a reply: the last closed <scheme> block, else from the first Checkpoints heading on. */
function schemeBody(reply: string): Parsed<string> {
  const text = reply.replace(/\r\n?/g, '\n');
  const blocks = [...text.matchAll(/<scheme>([\s\S]*?)<\/scheme>/gi)];
  let body: string;
  if (blocks.length) {
    body = blocks[blocks.length - 1][1];
  } else if (/<scheme>/i.test(text)) {
    return { ok: false, error: 'the <scheme> block is not closed' };
  } else {
    const lines = text.split('\n');
    const start = lines.findIndex((l) => sectionOf(l)?.section === 'checkpoints');
    if (start < 0) return { ok: false, error: 'the reply has no <scheme> block and no Checkpoints section' };
    body = lines.slice(start).join('\n');
  }
  body = body.trim();
  // A fence around the scheme (or a fence the preamble opened and the scheme closes).
  body = body
    .replace(/^```[^\n]*\n/, '')
    .replace(/\n```\s*$/, '')
    .trim();
  return { ok: true, value: body };
}

/**
 * Reads a scheme-generation reply. The scheme is the last `<scheme>…</scheme>` block, or, with no
 * tags, everything from the first "Checkpoints" heading on; a code fence around it is removed.
 * It must have a Checkpoints section whose items carry whole points adding up to 7 (an item's
 * points: the first "[N pts]"/"(N points)" of its line, else "N pts" right after the list marker,
 * else "N pts" ending the line; lines indented deeper than the items, and "Total" lines, are
 * details), and Zero-credit and Deductions sections (which may say "None").
 */
export function parseScheme(reply: string): Parsed<ParsedScheme> {
  const body = schemeBody(reply);
  if (!body.ok) return body;
  const lines = body.value.split('\n');
  const sections = new Map<Section, string[]>();
  let current: Section | undefined;
  for (const line of lines) {
    const h = sectionOf(line);
    if (h) {
      current = h.section;
      if (!sections.has(current)) sections.set(current, []);
      // "Deductions: -1 for …": the rest of the heading line belongs to the section. Not for
      // checkpoints, whose heading often states the total ("Checkpoints: (7 points)").
      if (current !== 'checkpoints' && h.rest.replace(/[*_\s]/g, '')) sections.get(current)!.push(h.rest);
      continue;
    }
    if (current) sections.get(current)!.push(line);
  }
  const items = sections.get('checkpoints');
  if (!items) return { ok: false, error: 'the scheme has no Checkpoints section' };
  const scored = items.filter((l) => l.trim() && !/^[\s*_#-]*total\b/i.test(l) && pointsOf(l) !== undefined);
  if (!scored.length) return { ok: false, error: 'no checkpoint states its points (e.g. "1. [2 pts] …")' };
  const top = Math.min(...scored.map(indentOf));
  const checkpoints: Checkpoint[] = [];
  for (const line of scored.filter((l) => indentOf(l) === top)) {
    const raw = pointsOf(line)!;
    if (!/^\d+$/.test(raw))
      return { ok: false, error: `checkpoint ${checkpoints.length + 1} gives ${raw} points, not a whole number` };
    checkpoints.push({ points: Number(raw), line: line.trim() });
  }
  const sum = checkpoints.reduce((s, c) => s + c.points, 0);
  if (sum !== SCHEME_TOTAL)
    return {
      ok: false,
      error: `the checkpoints add up to ${sum} points, not ${SCHEME_TOTAL} (${checkpoints.map((c) => c.points).join(' + ')})`,
    };
  if (!sections.has('zero-credit')) return { ok: false, error: 'the scheme has no Zero-credit section' };
  if (!sections.has('deductions')) return { ok: false, error: 'the scheme has no Deductions section' };
  return { ok: true, value: { text: body.value, checkpoints } };
}

export function loadSchemePrompt(shippedRoot: string, userFile?: string): Promise<PromptTemplate> {
  return loadTemplate(shippedRoot, SCHEME_PROMPT.file, SCHEME_PROMPT.spec, userFile);
}

export function schemePrompt(template: PromptTemplate, problem: string, solution: string): string {
  return fillTemplate(template, { problem_statement: problem, reference_solution: solution });
}
