/** Reading grader replies. Nothing here ever turns an unreadable reply into a score. */

/**
 * Cuts a self-evaluation section off a solution, exactly where the original cuts it, so that its
 * graders see the same text: from the FIRST line that starts with one or more `#`, then any
 * spaces, line breaks or `*`, up to two of the words "Self" / "Final" (each followed by any of
 * those), then the word "Evaluation" (case as written: "## Self Evaluation", "# **Final
 * Evaluation**", "### Evaluation of the proof"), to the end; the rest is trimmed. Models trained
 * to assess their own proofs append one; graders must not read the model's verdict on itself.
 */
export function stripSelfEvaluation(solution: string): string {
  // [\s*]* never overlaps the words, so the match cannot backtrack badly on long blank runs.
  const m = /^#+[\s*]*(?:(?:Self|Final)[\s*]*){0,2}Evaluation\b/m.exec(solution);
  return (m ? solution.slice(0, m.index) : solution).trim();
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** The whole number at the start of a points block: "7", "7 out of 7", "**6** of 7", "Points: 1". */
function wholeNumber(block: string, max: number): Parsed<number> {
  const text = block.replace(/[*_`]/g, '').trim();
  const m = /^(?:[a-z ]*:)?\s*(-?\d+(?:\.\d+)?)/i.exec(text);
  if (!m) return { ok: false, error: `no number in the points block "${text.slice(0, 60)}"` };
  if (m[1].includes('.')) return { ok: false, error: `"${m[1]}" is not a whole number of points` };
  const n = Number(m[1]);
  if (n < 0 || n > max) return { ok: false, error: `${n} points is outside 0..${max}` };
  return { ok: true, value: n };
}

/**
 * The score of a one-item reply: the whole number in the LAST `<points>…</points>` block, checked
 * against `max` (graders often quote the format earlier in their reasoning).
 */
export function parsePoints(reply: string, max: number): Parsed<number> {
  const blocks = [...reply.matchAll(/<points>([\s\S]*?)<\/points>/gi)];
  if (!blocks.length)
    return {
      ok: false,
      error: /<points>/i.test(reply) ? 'the <points> block is not closed' : 'the reply has no <points> block',
    };
  return wholeNumber(blocks[blocks.length - 1][1], max);
}

/** Points per item of a several-item scheme: `<item id="k">…<points>N</points></item>`, one per item. */
export function parseItems(reply: string, maxima: number[]): Parsed<Array<{ points: number; desc: string }>> {
  const out: Array<{ points: number; desc: string }> = [];
  for (let i = 0; i < maxima.length; i++) {
    const blocks = [
      ...reply.matchAll(new RegExp(`<item\\s+id\\s*=\\s*["']?${i + 1}["']?\\s*>([\\s\\S]*?)</item>`, 'gi')),
    ];
    if (!blocks.length) return { ok: false, error: `no block for item ${i + 1}` };
    const body = blocks[blocks.length - 1][1];
    const p = parsePoints(body, maxima[i]);
    if (!p.ok) return { ok: false, error: `item ${i + 1}: ${p.error}` };
    out.push({ points: p.value, desc: body.replace(/<points>[\s\S]*?<\/points>/gi, '').trim() });
  }
  return { ok: true, value: out };
}

/** ProofBench's XML reply: the explanation is the assessment plus the listed errors. */
export function proofBenchExplanation(reply: string): string {
  const tag = (t: string) => {
    const all = [...reply.matchAll(new RegExp(`<${t}>([\\s\\S]*?)</${t}>`, 'gi'))];
    return all.length ? all[all.length - 1][1].trim() : undefined;
  };
  const assessment = tag('assessment');
  const errors = tag('errors');
  if (assessment === undefined && errors === undefined) return reply.trim();
  return [assessment, errors && !/^none\.?$/i.test(errors) ? `Errors:\n${errors}` : undefined]
    .filter(Boolean)
    .join('\n\n');
}

/** The judge's verdict: the last `\boxed{Correct}` / `\boxed{Incorrect}` (text wrappers allowed). */
export function parseVerdict(reply: string): Parsed<boolean> {
  const all = [...reply.matchAll(/\\boxed\s*\{\s*(?:\\text(?:bf)?\s*\{)?\s*(correct|incorrect)\s*\}?\s*\}/gi)];
  if (!all.length) return { ok: false, error: 'the reply has no \\boxed{Correct} or \\boxed{Incorrect}' };
  return { ok: true, value: all[all.length - 1][1].toLowerCase() === 'correct' };
}
