import type { ToolCall } from '../llm/types';

/** A message as scaffolds build them (the Python stack's shape: `developer` = system instructions). */
export interface AgentMessage {
  role: 'developer' | 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  /** 'cot' marks a chain of thought kept in the history but never sent back to the model. */
  type?: 'cot';
  tool_calls?: ToolCall[];
  tool_call_id?: string;
  tool_name?: string;
}

/** One entry of an agent row's `history` column: one model call, in the Python stack's format. */
export interface HistoryStep {
  step: string;
  timestep: number;
  messages: AgentMessage[];
}

/** One step of the `agent_trace` column: a model call, or a decision the scaffold took. */
export interface TraceStep {
  kind: string;
  label: string;
  round?: number;
  /** The candidate this step produced, e.g. 'p2' or 'solution_3'. */
  candidate?: string;
  /** The candidates this step read. */
  of?: string[];
  score?: number;
  max?: number;
  verdict?: string;
  /** Something the user should notice, e.g. a reply without a readable score. */
  note?: string;
  /** Index into the row's `history` (absent on decisions that made no call). */
  h?: number;
  model?: string;
  input_tokens?: number;
  output_tokens?: number;
  /** USD, unrounded. */
  cost?: number;
  /** Seconds. */
  time?: number;
  /** Replayed from the step journal: paid in an earlier session. */
  reused?: boolean;
}

export interface AgentTrace {
  v: 1;
  scaffold: string;
  steps: TraceStep[];
  final?: { candidate?: string; score?: number; note: string };
}

/** What a scaffold returns for one problem. */
export interface ScaffoldResult {
  answer: string;
  final?: AgentTrace['final'];
}
