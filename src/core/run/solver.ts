import type { BoundClient, CostRecord, HistoryEntry } from '../llm';

/**
 * What produces a row's answer. A single model call today; multi-call agent scaffolds implement
 * the same interface: they return the final answer, their history steps, and the summed cost.
 */
export interface Solver {
  /** Label for logs and the run stamp. */
  readonly label: string;
  /** Stop the whole job when a row fails for good (the config's `throw_error_on_failure`). */
  readonly stopOnFailure?: boolean;
  /** Rows worked on at once, when the solver decides it (agents: the scaffold's n_threads). */
  readonly rowsAtOnce?: number;
  solve(
    prompt: string,
    opts: {
      signal?: AbortSignal;
      onRetry?: (info: { attempt: number; delayMs: number; error: string }) => void;
      key?: string;
    },
  ): Promise<SolveResult>;
  /**
   * State a solver keeps beside the output while a job runs (an agent's step journal): opened
   * under the output's lock once the job starts (`fresh` with --overwrite; returns warnings), and
   * finished before the output is rewritten, told which rows are done.
   */
  session?(outputPath: string): JobSession;
}

export interface JobSession {
  open(fresh: boolean): string[];
  finish(isFinished: (key: string) => boolean): Promise<void>;
}

export interface SolveResult {
  answer: string;
  /** `history` column: messages for a single call, a list of step entries for agents. */
  history: HistoryEntry[] | unknown[];
  cost: CostRecord;
  /** 'stop', 'length' (cut off by max_tokens) or a provider reason. */
  finishReason?: string;
  /** Requests made, retries included. */
  attempts: number;
  reasoningTokens?: number;
  /** More columns for the row, e.g. `agent_trace`. */
  extra?: Record<string, unknown>;
  /** The config's delimiters, when the reply had none of them: its answer is empty. */
  missingDelimiters?: string[];
}

/** The ordinary solver: one user message, one reply. */
export function singleCallSolver(client: BoundClient): Solver {
  return {
    label: client.config.id,
    stopOnFailure: client.config.throwErrorOnFailure,
    async solve(prompt, opts) {
      const r = await client.complete([{ role: 'user', content: prompt }], opts);
      return {
        answer: r.text,
        history: r.history,
        cost: { cost: r.cost, input_tokens: r.usage.inputTokens, output_tokens: r.usage.outputTokens, time: r.time },
        finishReason: r.finishReason,
        attempts: r.attempts,
        reasoningTokens: r.usage.reasoningTokens,
        ...(r.missingDelimiters ? { missingDelimiters: r.missingDelimiters } : {}),
      };
    },
  };
}
