/**
 * The answer-checker cases built from the 400 IMO-AnswerBench golden answers: each golden answer
 * against itself, rewritten forms that mean the same (set order, \dfrac, dollars, spacing, \left(,
 * an `x =` prefix, decimals for simple fractions, thousands separators, a fake solution with
 * \boxed{}, radicals as powers, π as 4·arctan 1) and wrong forms (a number ±1, a dropped set
 * element, swapped tuple entries, a flipped sign, and near misses that agree with the golden value
 * to 20 or 30 digits). Shared by bench/answer-check.ts and the determinism test of the checker.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import {
  checkAnswer,
  judgeAnswerDeterministically,
  type CheckOptions,
  type CheckResult,
} from '../src/core/grade/answer';
import { splitTop } from '../src/core/grade/answer/latex';

export const DATA = path.resolve(__dirname, '../../shared/data/imobench');
export const FILE = path.join(DATA, 'answerbench_v2.csv');
const FIXED = path.join(DATA, 'answerbench_v2.pr18-algebra036-fix.csv');

export interface Row {
  id: string;
  answer: string;
}

function readRows(file: string): Row[] {
  const records = parse(readFileSync(file), {
    columns: true,
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: true,
  }) as Record<string, string>[];
  return records.map((r) => ({ id: r['Problem ID'], answer: r['Short Answer'] ?? '' }));
}

export type Expect = 'equivalent' | 'different';
export interface Case {
  id: string;
  kind: string;
  expect: Expect;
  golden: string;
  candidate: string;
  /** A whole fake solution: goes through extraction first. */
  solution?: boolean;
}

const stripDollars = (s: string): string => s.replace(/\$/g, '').trim();
const hasProse = (s: string): boolean =>
  /(?<![\\A-Za-z])[A-Za-z]{4,}|(?<![\\A-Za-z])(?:and|or|if|is|of|for|all|odd)(?![A-Za-z])/.test(
    s.replace(/\\[a-zA-Z]+/g, ' '),
  );

function topItems(s: string): string[] | undefined {
  const parts = splitTop(s, /,/);
  if (!parts || parts.length < 2) return undefined;
  const items = parts.map((p) => p.text.trim());
  return items.some((t) => t === '' || /\\ldots|\\cdots|\\dots/.test(t)) ? undefined : items;
}

export function equivalentForms(id: string, golden: string): Case[] {
  const out: Case[] = [];
  const add = (kind: string, candidate: string, solution = false): void => {
    if (candidate !== golden) out.push({ id, kind, expect: 'equivalent', golden, candidate, solution });
  };
  const bare = stripDollars(golden);
  // Dollars on or off.
  add('dollars', golden.includes('$') ? bare : `$${golden.trim()}$`);
  // \frac <-> \dfrac.
  if (/\\dfrac/.test(golden)) add('dfrac', golden.replace(/\\dfrac/g, '\\frac'));
  else if (/\\frac/.test(golden)) add('dfrac', golden.replace(/\\frac/g, '\\dfrac'));
  // Spacing: spaces around operators and commas, or none where no words would merge.
  const spaced = golden.replace(/\s*([+=,<>]|-(?!\\infty))\s*/g, ' $1 ').replace(/\s+/g, ' ');
  add('spacing', spaced !== golden ? spaced : golden.replace(/(?<![A-Za-z])\s+|\s+(?![A-Za-z])/g, ''));
  // \left( … \right).
  const opens = (golden.match(/\(/g) ?? []).length;
  const closes = (golden.match(/\)/g) ?? []).length;
  if (opens > 0 && opens === closes && !/\\left|\\right/.test(golden))
    add('left-right', golden.replace(/\(/g, '\\left(').replace(/\)/g, '\\right)'));
  // An `x =` prefix on a plain value.
  if (!/[A-Za-z=<>\\]|,/.test(bare) && bare !== '') add('x-prefix', `x = ${bare}`);
  else if (/^\\frac\{\d+\}\{\d+\}$|^-\\frac\{\d+\}\{\d+\}$|^\\sqrt\{\d+\}/.test(bare)) add('x-prefix', `$x = ${bare}$`);
  // Reordered collection.
  if (!hasProse(bare)) {
    const set = /^\\\{(.*)\\\}$/.exec(bare);
    const items = set ? topItems(set[1]) : topItems(bare);
    if (items) {
      const rev = [...items].reverse().join(', ');
      add('reorder', set ? `\\{${rev}\\}` : rev);
    }
  }
  // A decimal for a simple fraction.
  const fr = /^(-?)\\frac\{(\d+)\}\{(\d+)\}$/.exec(bare) ?? /^(-?)(\d+)\/(\d+)$/.exec(bare);
  if (fr) {
    const d = Number(fr[3]);
    let k = d;
    while (k % 2 === 0) k /= 2;
    while (k % 5 === 0) k /= 5;
    if (k === 1 && d > 1) add('decimal', `${fr[1]}${Number(fr[2]) / d}`);
    add('frac-slash', `${fr[1]}${fr[2]}/${fr[3]}`);
    if (fr[0].includes('/')) add('frac-slash', `${fr[1]}\\frac{${fr[2]}}{${fr[3]}}`);
  }
  // Thousands separators.
  if (/^\d{5,}$/.test(bare)) add('thousands', bare.replace(/\B(?=(\d{3})+(?!\d))/g, '{,}'));
  // \cdot -> \times.
  if (/\\cdot(?![a-zA-Z])/.test(golden)) add('times', golden.replace(/\\cdot(?![a-zA-Z])/g, '\\times'));
  // \frac{A}{B} written as (A)/(B) (innermost fractions).
  if (/\\frac\{[^{}]*\}\{[^{}]*\}/.test(bare) && !hasProse(bare))
    add('frac-as-division', bare.replace(/\\frac\{([^{}]*)\}\{([^{}]*)\}/g, '(($1)/($2))'));
  // A sum with its two terms swapped.
  if (!hasProse(bare) && !/[=<>,]|\\ge|\\le|\\cup|\\infty/.test(bare)) {
    const terms = splitTop(bare, /\+/);
    if (
      terms &&
      terms.length === 2 &&
      !splitTop(terms[1].text, /-/)?.slice(1).length &&
      terms[0].text.trim() !== '' &&
      !/^-/.test(terms[1].text.trim())
    ) {
      add('commute-sum', `${terms[1].text.trim()} + ${terms[0].text.trim()}`);
    }
  }
  // A bare list as a set in braces, or joined with "and".
  if (!hasProse(bare) && !/^\\\{/.test(bare)) {
    const items = topItems(bare);
    if (items && !/^\(.*\)$/.test(bare)) {
      add('set-braces', `\\{${items.join(', ')}\\}`);
      add('and-join', `${items.slice(0, -1).join(', ')} \\text{ and } ${items[items.length - 1]}`);
    }
  }
  // A square root as a power, π as 4 arctan 1 (irrational values: equal only in high precision).
  if (!hasProse(bare) && /\\sqrt\{[^{}]*\}/.test(bare))
    add('radical-power', bare.replace(/\\sqrt\{([^{}]*)\}/g, '($1)^{1/2}'));
  if (!hasProse(bare) && /\\pi(?![a-zA-Z])/.test(bare))
    add('pi-arctan', bare.replace(/\\pi(?![a-zA-Z])/g, '(4\\arctan 1)'));
  // A fake solution with the answer boxed at the end.
  const boxedBody = hasProse(bare)
    ? bare.replace(/([A-Za-z]{2,}(?:\s+[A-Za-z]{2,})*)/g, (w) =>
        /^[a-z]{2,3}$/i.test(w) && !/^(and|or|if|is|of|for|all|odd)$/i.test(w) ? w : `\\text{${w}}`,
      )
    : bare;
  add(
    'boxed-solution',
    `Let us work through the problem.\nAfter simplifying we get a candidate \\boxed{0} for a sub-case.\n\nTherefore the final answer is\n\\[\n\\boxed{${golden.includes('$') ? boxedBody : golden.trim()}}\n\\]`,
    true,
  );
  return out;
}

export function wrongForms(id: string, golden: string): Case[] {
  const out: Case[] = [];
  const add = (kind: string, candidate: string): void => {
    if (candidate !== golden) out.push({ id, kind, expect: 'different', golden, candidate });
  };
  // The last number, plus one.
  const nums = [...golden.matchAll(/\d+/g)];
  if (nums.length) {
    const m = nums[nums.length - 1];
    add('number+1', golden.slice(0, m.index) + String(BigInt(m[0]) + 1n) + golden.slice(m.index! + m[0].length));
  }
  const bare = stripDollars(golden);
  if (!hasProse(bare)) {
    // A dropped element of a collection.
    const set = /^\\\{(.*)\\\}$/.exec(bare);
    const items = set ? topItems(set[1]) : topItems(bare);
    if (items && !/^\(.*\)$/.test(bare))
      add('drop-element', set ? `\\{${items.slice(0, -1).join(', ')}\\}` : items.slice(0, -1).join(', '));
    // Swapped tuple entries.
    const tup = /^\((.*)\)$/.exec(bare);
    const entries = tup ? topItems(tup[1]) : undefined;
    if (entries && entries.length >= 3 && entries[0] !== entries[1])
      add('swap-tuple', `(${[entries[1], entries[0], ...entries.slice(2)].join(', ')})`);
    // A flipped sign on a single value.
    if (!/[=<>,]|\\ge|\\le|\\cup|\\infty/.test(bare) && bare !== '0' && bare !== '') {
      add('flip-sign', bare.startsWith('-') ? bare.slice(1) : `-${bare}`);
      // Near misses: equal to 30 digits (a factor), or off by about 10^-20 (a term).
      if (bare !== '0') add('near-miss-factor', `(${bare})\\sqrt{1+10^{-30}}`);
      add('near-miss-sum', `${bare} + \\sin(10^{-20})`);
    }
  }
  return out;
}

/**
 * The golden answers. imo-bench-algebra-036 has a quoting defect in v2 (its Short Answer reads
 * "Algebra"); that one answer comes from the PR 18 fix when it is there, otherwise the row is left
 * out. Undefined when the data is absent.
 */
export function goldenAnswers(): { rows: Row[]; fixed: boolean } | undefined {
  if (!existsSync(FILE)) return undefined;
  const rows = readRows(FILE);
  const fix = existsSync(FIXED) ? readRows(FIXED).find((r) => r.id === 'imo-bench-algebra-036') : undefined;
  return { rows: rows.flatMap((r) => (r.id === 'imo-bench-algebra-036' ? (fix ? [fix] : []) : [r])), fixed: !!fix };
}

/** Every case of every golden answer: the identity, then its equivalent forms, then its wrong forms. */
export function allCases(rows: Row[]): Case[] {
  const cases: Case[] = [];
  for (const r of rows) {
    cases.push({ id: r.id, kind: 'identity', expect: 'equivalent', golden: r.answer, candidate: r.answer });
    cases.push(...equivalentForms(r.id, r.answer), ...wrongForms(r.id, r.answer));
  }
  return cases;
}

/** Checks one case as the grader would: a fake solution goes through extraction first. */
export function runCase(c: Case, opts: CheckOptions = {}): CheckResult {
  return c.solution
    ? judgeAnswerDeterministically(c.candidate, c.golden, opts)
    : checkAnswer(c.candidate, c.golden, opts);
}
