/** The one interface every provider client implements. */

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  /** An assistant turn that asked for tool calls (chat completions). */
  toolCalls?: ToolCall[];
  /** A tool message: the call it answers. */
  toolCallId?: string;
}

/** A function call the model asked for; `arguments` is the JSON text as the model wrote it. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

/**
 * One entry of a row's `history` column: the request messages, then the reply; a chain of thought
 * (reasoning summary, `reasoning_content`, Gemini thoughts, or text before a delimiter) is stored as
 * `{ role: 'assistant', type: 'cot', content }` just before the answer.
 */
export interface HistoryEntry {
  role: 'system' | 'user' | 'assistant';
  content: string;
  type?: 'cot';
}

export interface Usage {
  inputTokens: number;
  /** All billed output tokens, reasoning / thought tokens included. */
  outputTokens: number;
  /** The part of outputTokens spent on reasoning, when the provider reports it. */
  reasoningTokens?: number;
}

/** The cost record stored per row (`cost_run`, `grade_cost`). */
export interface CostRecord {
  /** USD. */
  cost: number;
  input_tokens: number;
  output_tokens: number;
  /** Seconds of wall time. */
  time: number;
}

export interface CompletionResult {
  /** The answer text, chain of thought removed. */
  text: string;
  /** The chain of thought, if any. */
  cot?: string;
  usage: Usage;
  /** USD for this request. */
  cost: number;
  /** Seconds. */
  time: number;
  /** Provider's stop reason, normalised: 'stop' | 'length' | other provider strings. */
  finishReason?: string;
  /** Request messages + cot + answer, ready for the `history` column. */
  history: HistoryEntry[];
  /** How many attempts the request took (1 = no retry). */
  attempts: number;
  /** Tool calls the model asked for (only when tools were offered). */
  toolCalls?: ToolCall[];
  /**
   * The config's delimiters when the reply had none of them (and no separate reasoning): the
   * whole reply was taken as chain of thought and the answer is empty.
   */
  missingDelimiters?: string[];
}

export interface CompletionOptions {
  signal?: AbortSignal;
  /** Function tools offered for this request (chat completions format), replacing the config's. */
  tools?: unknown[];
  /** Called before each retry, for logs and progress. */
  onRetry?: (info: RetryInfo) => void;
}

/** A request that failed and is tried again after `delayMs`. */
export interface RetryInfo {
  attempt: number;
  delayMs: number;
  error: string;
}

export interface LlmClient {
  /** Sends one conversation; retries transient faults; throws LlmError when it gives up. */
  complete(messages: ChatMessage[], options?: CompletionOptions): Promise<CompletionResult>;
}
