import type { AgentTrace } from '../../protocol';
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

/** The `agent_trace` column and its steps: the contract with the viewer, defined once in the protocol. */
export type { AgentTrace, AgentTraceStep as TraceStep } from '../../protocol';

/** What a scaffold returns for one problem. */
export interface ScaffoldResult {
  answer: string;
  final?: AgentTrace['final'];
}
