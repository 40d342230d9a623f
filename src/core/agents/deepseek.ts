import type { AgentRun } from './context';
import type { AgentModels, Params } from './params';
import { pyFormat } from './pyformat';
import type { ScaffoldResult } from './types';

/**
 * deepseek_math (`scaffold_name: deepseek_agent`): a pool of proofs, each checked by several
 * verifications scored 0 / 0.5 / 1; while no proof averages 1, the best proofs are refined with
 * their lowest-scoring verifications and the new proofs verified; the proof with the best mean
 * score is the answer.
 */

/** The proof part of a generation: between a `## Solution` heading and the self-evaluation. */
export function extractProof(text: string): string {
  const start = /##\s*solution/i.exec(text);
  const end = /##\s*self\s*evaluation/i.exec(text) ?? /self\s*evaluation/i.exec(text);
  let proof: string;
  if (start && end)
    proof =
      end.index > start.index + start[0].length
        ? text.slice(start.index + start[0].length, end.index)
        : text.slice(start.index + start[0].length);
  else if (start) proof = text.slice(start.index + start[0].length);
  else if (end) proof = text.slice(0, end.index);
  else proof = text;
  proof = proof.trim();
  return proof || '[Empty proof -> model error should be given 0 score]';
}

/** The first `\boxed{0}`, `\boxed{0.5}` or `\boxed{1}` of a verification; undefined when there is none. */
export function verificationScore(text: string): number | undefined {
  const m = /boxed\{\s*(0|0\.5|1)\s*\}/.exec(text);
  return m ? Number(m[1]) : undefined;
}

const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

interface Verification {
  text: string;
  score: number;
}

export async function runDeepseek(ctx: AgentRun, stmt: string, p: Params, m: AgentModels): Promise<ScaffoldResult> {
  const poolSize = p.int('pool_size', 4);
  const perProof = p.int('verification_pool_size', 4);
  const perRefinement = p.int('verifications_per_refinement', 2);
  const maxIterations = p.int('max_iterations', 3);
  const generationPrompt = pyFormat(p.str('generation_prompt'), { question: stmt });

  const proofs: string[] = [];
  const ids: string[] = [];
  const verifications: Verification[][] = [];

  const verify = async (
    proofIndex: number,
    j: number,
    round: number,
    historyStep: string,
    timestep: number,
  ): Promise<Verification> => {
    const id = ids[proofIndex];
    const prompt = pyFormat(p.str('verifier_prompt'), { question: stmt, proof: proofs[proofIndex] });
    const r = await ctx.call(
      `verify/${proofIndex}/${j}`,
      m.verifier,
      [{ role: 'user', content: prompt }],
      { kind: 'verify', label: `Verification ${j + 1} of ${id}`, round, of: [id], max: 1 },
      { historyStep, timestep },
    );
    const score = verificationScore(r.text);
    r.step.score = score ?? 0;
    if (score === undefined) r.step.note = 'no \\boxed{0}, \\boxed{0.5} or \\boxed{1} in the reply: counted as 0';
    return { text: r.text, score: score ?? 0 };
  };
  const verifyNew = async (from: number, round: number, stage: string, timestep: number) => {
    const work: Array<Promise<Verification>> = [];
    for (let i = from; i < proofs.length; i++) {
      for (let j = 0; j < perProof; j++) work.push(verify(i, j, round, `${stage}_${i - from}_${j}`, timestep));
    }
    const done = await ctx.all(work);
    for (let i = from; i < proofs.length; i++)
      verifications[i] = done.slice((i - from) * perProof, (i - from + 1) * perProof);
  };

  // Round 0: the initial pool, then its verifications.
  const generated = await ctx.all(
    Array.from({ length: poolSize }, (_, i) =>
      ctx.call(
        `generate/${i}`,
        m.model,
        [{ role: 'user', content: generationPrompt }],
        { kind: 'generate', label: `Proof p${i + 1}`, round: 0, candidate: `p${i + 1}` },
        { historyStep: `init_proof_${i}`, timestep: 1 },
      ),
    ),
  );
  for (const g of generated) {
    ids.push(g.step.candidate!);
    proofs.push(extractProof(g.text));
  }
  await verifyNew(0, 0, 'initial_verification', 2);

  for (let iteration = 0; iteration < maxIterations; iteration++) {
    const scores = verifications.map((v) => mean(v.map((x) => x.score)));
    if (Math.max(...scores) >= 1) {
      ctx.decide({
        kind: 'filter',
        label: `Stop before round ${iteration + 1}: ${ids[scores.indexOf(Math.max(...scores))]} has a perfect mean score`,
        round: iteration + 1,
      });
      break;
    }
    // The best `pool_size` proofs (ascending order, as the original's argsort tail), each with
    // its lowest-scoring verifications.
    const order = scores.map((s, i) => ({ s, i })).sort((a, b) => a.s - b.s || a.i - b.i);
    const best = order.slice(Math.max(0, order.length - poolSize)).map((o) => o.i);
    ctx.decide({
      kind: 'select',
      label: `Round ${iteration + 1}: refine ${best.map((i) => ids[i]).join(', ')}`,
      round: iteration + 1,
      of: best.map((i) => ids[i]),
    });
    const base = proofs.length;
    const refined = await ctx.all(
      best.map((idx, k) => {
        const analyses = [...verifications[idx]].sort((a, b) => a.score - b.score).slice(0, perRefinement);
        const analysis = analyses.map((a, n) => `\n\n### Verification ${n + 1} ###\n${a.text}`).join('');
        const prompt = pyFormat(p.str('refinement_prompt'), {
          proof_generation_prompt: generationPrompt,
          proof: proofs[idx],
          proof_analysis: analysis,
        });
        const id = `p${base + k + 1}`;
        return ctx.call(
          `refine/${iteration}/${k}`,
          m.improver,
          [{ role: 'user', content: prompt }],
          {
            kind: 'refine',
            label: `Round ${iteration + 1}: refine ${ids[idx]} into ${id}`,
            round: iteration + 1,
            of: [ids[idx]],
            candidate: id,
          },
          { historyStep: `iteration_${iteration}_refinement_proof_${k}`, timestep: 3 + iteration },
        );
      }),
    );
    for (const r of refined) {
      ids.push(r.step.candidate!);
      proofs.push(extractProof(r.text));
    }
    await verifyNew(base, iteration + 1, `iteration_${iteration}_verification_proof`, 4 + iteration);
  }

  const finalScores = verifications.map((v) => mean(v.map((x) => x.score)));
  const top = Math.max(...finalScores);
  const best = finalScores.indexOf(top);
  ctx.decide({
    kind: 'select',
    label: `Answer: ${ids[best]} (mean verification score ${top.toFixed(2)})`,
    verdict: ids[best],
    score: top,
    max: 1,
    of: [...ids],
  });
  return {
    answer: proofs[best],
    final: { candidate: ids[best], score: top, note: `highest mean verification score of ${proofs.length} proofs` },
  };
}
