import type { AgentRun } from './context';
import type { AgentModels, Params } from './params';
import type { AgentMessage, ScaffoldResult } from './types';

/**
 * selfcheck: write a solution and improve it once; then repeatedly have it verified, ask whether
 * the verification calls it correct, and correct it with the bug report when not. It stops after
 * `correct_count` passes in a row, `error_count` failures in a row, or `max_iterations` rounds.
 */

/**
 * Python's get_substring: for each marker in turn, the text after it ('after') or before it
 * ('before'), trimmed; markers that do not occur are skipped.
 */
export function substring(text: string, markers: string | string[], mode: 'after' | 'before'): string {
  for (const marker of typeof markers === 'string' ? [markers] : markers) {
    const i = text.indexOf(marker);
    if (i < 0) continue;
    text = mode === 'after' ? text.slice(i + marker.length).trim() : text.slice(0, i).trim();
  }
  return text;
}

const THINK_MARKERS = ['</think>', '</summary>'];

/** The verifier's request; a scaffold file may give its own as `prompts.verification_request` with {problem} and {solution}. */
function verificationRequest(p: Params, problem: string, solution: string): string {
  const custom = p.map('prompts').str('verification_request');
  const reminder = p.map('prompts').str('verification_reminder');
  if (custom) return custom.split('{problem}').join(problem).split('{solution}').join(solution);
  const rule = '='.repeat(70);
  return `${rule}\n### Problem ###\n\n${problem}\n\n${rule}\n### Solution ###\n\n${solution}\n\n${reminder}`;
}

/** The yes/no question about a verification; `prompts.verdict_question` overrides its lead-in. */
function verdictQuestion(p: Params, verification: string): string {
  const lead =
    p.map('prompts').str('verdict_question') ||
    'Answer with "yes" or "no" only. Does the verification report below conclude that the solution is correct, with no critical error and no major gap in its justification?';
  return `${lead}\n\n${verification}`;
}

export async function runSelfcheck(ctx: AgentRun, stmt: string, p: Params, m: AgentModels): Promise<ScaffoldResult> {
  const prompts = p.map('prompts');
  const needPasses = p.int('correct_count', 5);
  const maxFailures = p.int('error_count', 10);
  const maxIterations = p.int('max_iterations', 30);
  const returnAnyway = p.bool('return_if_not_found', false);
  let timestep = 1;

  // A first solution, then one round of self-improvement in the same conversation.
  const first = await ctx.call(
    'init/solve',
    m.model,
    [
      { role: 'developer', content: prompts.str('system') },
      { role: 'user', content: stmt },
    ],
    { kind: 'generate', label: 'First solution v0', candidate: 'v0' },
    { historyStep: 'init', timestep },
  );
  const improveMsgs: AgentMessage[] = [...first.messages, { role: 'user', content: prompts.str('self_improvement') }];
  const improved = await ctx.call(
    'init/improve',
    m.model,
    improveMsgs,
    { kind: 'improve', label: 'Self-improvement: v1', candidate: 'v1', of: ['v0'] },
    { historyStep: 'init', timestep },
  );
  timestep++;
  let solution = substring(improved.text, THINK_MARKERS, 'after');
  let version = 1;
  let passes = 0;
  let failures = 0;

  const finish = (why: string, accepted: boolean): ScaffoldResult => {
    const answer = accepted || returnAnyway ? solution : 'Fail.';
    ctx.decide({
      kind: 'select',
      label: accepted || returnAnyway ? `Answer: v${version} (${why})` : `No answer (${why})`,
      verdict: accepted || returnAnyway ? `v${version}` : 'Fail.',
    });
    return { answer, final: { candidate: accepted || returnAnyway ? `v${version}` : undefined, note: why } };
  };

  for (let it = 1; it <= maxIterations; it++) {
    const shown = substring(solution, 'Detailed Solution', 'after');
    const ver = await ctx.call(
      `verify/${it}`,
      m.model,
      [
        { role: 'developer', content: prompts.str('verification_system') },
        { role: 'user', content: verificationRequest(p, stmt, shown) },
      ],
      { kind: 'verify', label: `Round ${it}: verify v${version}`, round: it, of: [`v${version}`] },
      { historyStep: `verify-it=${it}-ver`, timestep: timestep++ },
    );
    const check = await ctx.call(
      `check/${it}`,
      m.model,
      [{ role: 'user', content: verdictQuestion(p, ver.text) }],
      {
        kind: 'check',
        label: `Round ${it}: does the verification accept v${version}?`,
        round: it,
        of: [`v${version}`],
      },
      { historyStep: `verify-it=${it}-cor`, timestep: timestep++ },
    );
    const verdict = substring(check.text, THINK_MARKERS, 'after');
    const ok = verdict.toLowerCase().includes('yes');
    check.step.verdict = ok ? 'yes' : 'no';
    ver.step.score = ok ? 1 : 0;
    ver.step.max = 1;
    if (ok) {
      passes++;
      failures = 0;
    } else {
      passes = 0;
      failures++;
      const bugReport = substring(ver.text, 'Detailed Verification', 'before');
      const fix = await ctx.call(
        `correct/${it}`,
        m.model,
        [
          { role: 'developer', content: prompts.str('system') },
          { role: 'user', content: stmt },
          { role: 'assistant', content: solution },
          { role: 'user', content: `${prompts.str('correction')}\n\n${bugReport}` },
        ],
        {
          kind: 'correct',
          label: `Round ${it}: correct v${version} into v${version + 1}`,
          round: it,
          of: [`v${version}`],
          candidate: `v${version + 1}`,
        },
        { historyStep: `correct-it=${it}`, timestep: timestep++ },
      );
      solution = substring(fix.text, THINK_MARKERS, 'after');
      version++;
    }
    if (passes >= needPasses) return finish(`accepted ${passes} times in a row`, true);
    if (failures >= maxFailures) return finish(`rejected ${failures} times in a row`, false);
  }
  return finish(`${maxIterations} rounds without ${needPasses} acceptances in a row`, false);
}
