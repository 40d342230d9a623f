import type { AgentRun } from './context';
import type { AgentModels, Params } from './params';
import { pyFormat } from './pyformat';
import type { ScaffoldResult } from './types';

/**
 * reasoning_cache (`scaffold_name: rc`): solve, summarise the attempt, solve again from the
 * summary, for `n_iterations` rounds; the last attempt's answer is the result.
 */

/** What an empty final answer becomes, as in the Python stack. */
export const NO_ANSWER = 'The model did not return an answer.';

export async function runReasoningCache(
  ctx: AgentRun,
  stmt: string,
  p: Params,
  m: AgentModels,
): Promise<ScaffoldResult> {
  const n = p.int('n_iterations', 3);
  let summary = '[No previous summary]';
  let answer = '';
  let last = 0;
  for (let i = 0; i < n; i++) {
    const solve = await ctx.call(
      `reason/${i}`,
      m.model,
      [{ role: 'user', content: pyFormat(p.str('solve_prompt'), { curr_summary: summary, problem: stmt }) }],
      {
        kind: 'generate',
        label: `Attempt a${i + 1}${i ? ` from summary ${i}` : ''}`,
        round: i + 1,
        candidate: `a${i + 1}`,
        ...(i ? { of: [`summary ${i}`] } : {}),
      },
      { historyStep: `reasoning_${i}`, timestep: i },
    );
    // The chain of thought when the model gave one, else the visible answer, is what gets summarised.
    const reasoning = solve.cot ?? solve.text;
    answer = solve.text;
    last = i + 1;
    if (i === n - 1) break;
    const s = await ctx.call(
      `summarize/${i}`,
      m.summarizer,
      [
        {
          role: 'user',
          content: pyFormat(p.str('summarization_prompt'), { problem: stmt, existing_summary: summary, reasoning }),
        },
      ],
      { kind: 'summarize', label: `Summary ${i + 1} of a${i + 1}`, round: i + 1, of: [`a${i + 1}`] },
      { historyStep: `summarization_${i}`, timestep: i },
    );
    summary = s.text;
  }
  if (!last) return { answer: NO_ANSWER, final: { note: 'n_iterations is 0: nothing was asked' } };
  ctx.decide({ kind: 'select', label: `Answer: the last attempt, a${last}`, verdict: `a${last}`, of: [`a${last}`] });
  return {
    answer: answer || NO_ANSWER,
    final: {
      candidate: `a${last}`,
      note: answer ? 'the answer of the last attempt' : 'the last attempt gave no answer',
    },
  };
}
