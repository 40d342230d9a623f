import type { AgentRun } from './context';
import type { AgentModels, Params } from './params';
import { pyFormat } from './pyformat';
import type { ScaffoldResult } from './types';

/**
 * nomos: many independent solutions, each graded 0–7; the perfect ones (when there are enough)
 * or the best-scored are kept; one call groups them by conclusion and keeps the consistent group;
 * a knockout tournament of pairwise comparisons picks the answer.
 */

const EMPTY_REPLY =
  'The model returned an empty response. This proof is therefore invalid and should be given a score of 0.';

/** The first `\boxed{N}` (N a decimal number) of a grading; undefined when there is none. */
export function nomosScore(text: string): number | undefined {
  const m = /boxed\{\s*(\d+(\.\d+)?)\s*\}/.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** The 1-based submission numbers of `<keep>[…]</keep>`; undefined when the reply has none. */
export function keepList(text: string): number[] | undefined {
  const m = /<keep>\s*\[([\d,\s]+)\]\s*<\/keep>/.exec(text);
  if (!m) return undefined;
  return m[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => /^\d+$/.test(s))
    .map(Number);
}

/** '1', '2' or 'tie' from a comparison; without a `<verdict>` tag, a lone 1 or 2 after the last "verdict". */
export function pairVerdict(text: string): { verdict: '1' | '2' | 'tie'; tagged: boolean } {
  const m = /<verdict>\s*(1|2|tie)\s*<\/verdict>/i.exec(text);
  if (m) return { verdict: m[1].toLowerCase() as '1' | '2' | 'tie', tagged: true };
  const tail = text.toLowerCase().split('verdict').at(-1) ?? '';
  if (tail.includes('1') && !tail.includes('2')) return { verdict: '1', tagged: false };
  if (tail.includes('2') && !tail.includes('1')) return { verdict: '2', tagged: false };
  return { verdict: 'tie', tagged: false };
}

interface Candidate {
  id: string;
  solution: string;
  score: number;
  feedback: string;
  perfect: boolean;
}

export async function runNomos(ctx: AgentRun, stmt: string, p: Params, m: AgentModels): Promise<ScaffoldResult> {
  const n = p.int('n_solutions_to_generate', 8);
  const maxKept = p.int('max_kept_solutions', 8);
  const targetPerfect = p.int('target_perfect_scores', 4);

  const generated = await ctx.all(
    Array.from({ length: n }, (_, i) =>
      ctx.call(
        `solve/${i}`,
        m.model,
        [{ role: 'user', content: stmt }],
        { kind: 'generate', label: `Solution s${i + 1}`, candidate: `s${i + 1}` },
        { historyStep: `solve_${i}`, timestep: 0 },
      ),
    ),
  );
  let pool: Candidate[] = generated.map((g, i) => ({
    id: `s${i + 1}`,
    solution: g.text.trim() ? g.text : EMPTY_REPLY,
    score: 0,
    feedback: '',
    perfect: false,
  }));

  const graded = await ctx.all(
    pool.map((c, i) =>
      ctx.call(
        `score/${i}`,
        m.model,
        [{ role: 'user', content: pyFormat(p.str('score_prompt'), { problem: stmt, answer: c.solution }) }],
        { kind: 'score', label: `Grade of ${c.id}`, of: [c.id], max: 7 },
        { historyStep: `score_${i}`, timestep: 1 },
      ),
    ),
  );
  graded.forEach((g, i) => {
    const s = nomosScore(g.text);
    pool[i].score = s ?? 0;
    pool[i].feedback = g.text;
    pool[i].perfect = s === 7;
    g.step.score = s ?? 0;
    if (s === undefined) g.step.note = 'no \\boxed{score} in the reply: counted as 0';
  });

  // Keep the perfect solutions when there are enough of them, else the best-scored (stable order).
  const perfect = pool.filter((c) => c.perfect);
  if (perfect.length >= targetPerfect) {
    pool = perfect.slice(0, maxKept);
    ctx.decide({ kind: 'filter', label: `Keep the ${pool.length} perfect solutions`, of: pool.map((c) => c.id) });
  } else {
    pool = [...pool].sort((a, b) => b.score - a.score).slice(0, maxKept);
    ctx.decide({ kind: 'filter', label: `Keep the ${pool.length} best-scored solutions`, of: pool.map((c) => c.id) });
  }

  let submissions = '';
  pool.forEach((c, i) => {
    submissions += `\n### Submission ${i + 1}\n\n${c.solution}\n`;
    if (c.feedback) submissions += `\n**Judge Feedback:** ${c.feedback}\n`;
  });
  const consolidation = await ctx.call(
    'consolidate',
    m.model,
    [{ role: 'user', content: pyFormat(p.str('consolidation_prompt'), { problem: stmt, submissions }) }],
    { kind: 'consolidate', label: `Group ${pool.length} solutions by conclusion`, of: pool.map((c) => c.id) },
    { historyStep: 'consolidate', timestep: 2 },
  );
  const keep = keepList(consolidation.text);
  if (keep === undefined) consolidation.step.note = 'no <keep>[…]</keep> list in the reply: every solution kept';
  const numbers = keep ?? pool.map((_, i) => i + 1);
  pool = numbers.filter((k) => k >= 1 && k <= pool.length).map((k) => pool[k - 1]);
  consolidation.step.verdict = pool.map((c) => c.id).join(', ') || 'none';

  // Knockout: shuffle, compare neighbours, keep winners (an odd one out goes through first).
  const rng = ctx.rng;
  let round = 0;
  while (pool.length > 1) {
    round++;
    rng.shuffle(pool);
    const pairs: Array<[Candidate, Candidate]> = [];
    for (let i = 0; i + 1 < pool.length; i += 2) pairs.push([pool[i], pool[i + 1]]);
    const kept: Candidate[] = pool.length % 2 === 1 ? [pool[pool.length - 1]] : [];
    const results = await ctx.all(
      pairs.map(([a, b], k) =>
        ctx.call(
          `compare/${round}/${k}`,
          m.model,
          [
            {
              role: 'user',
              content: pyFormat(p.str('pairwise_prompt'), {
                problem: stmt,
                submission1: a.solution,
                submission2: b.solution,
              }),
            },
          ],
          { kind: 'compare', label: `Round ${round}: ${a.id} vs ${b.id}`, round, of: [a.id, b.id] },
          { historyStep: `tournament_${round}_${k}`, timestep: 3 },
        ),
      ),
    );
    results.forEach((r, k) => {
      const [a, b] = pairs[k];
      const { verdict, tagged } = pairVerdict(r.text);
      let winner: Candidate;
      if (verdict === 'tie') {
        winner = rng.below(2) === 0 ? a : b;
        r.step.note = `${tagged ? 'a tie' : 'no <verdict> in the reply: a tie'}; ${winner.id} drawn at random`;
      } else {
        winner = verdict === '1' ? a : b;
        if (!tagged) r.step.note = 'no <verdict> tag: read from the text after the last "verdict"';
      }
      r.step.verdict = winner.id;
      kept.push(winner);
    });
    pool = kept;
  }

  if (!pool.length) {
    ctx.decide({ kind: 'select', label: 'No solution left after grouping' });
    return { answer: 'No solution generated.', final: { note: 'the grouping kept no solution' } };
  }
  const w = pool[0];
  ctx.decide({ kind: 'select', label: `Answer: ${w.id}`, verdict: w.id, of: [w.id], score: w.score, max: 7 });
  return {
    answer: w.solution,
    final: {
      candidate: w.id,
      score: w.score,
      note: round ? 'won the pairwise tournament' : 'the only solution left after grouping',
    },
  };
}
