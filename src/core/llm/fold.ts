import type { ChatMessage } from './types';

/**
 * `no_system_messages` for APIs without a `developer` role (Gemini, Anthropic): the system
 * instructions are put in front of the first user message instead of being sent apart.
 */
export function foldSystemMessages(messages: ChatMessage[]): ChatMessage[] {
  const system = messages.filter((m) => m.role === 'system').map((m) => m.content);
  if (!system.length) return messages;
  const rest = messages.filter((m) => m.role !== 'system');
  const i = rest.findIndex((m) => m.role === 'user');
  if (i < 0) return [{ role: 'user', content: system.join('\n\n') }, ...rest];
  const out = [...rest];
  out[i] = { ...out[i]!, content: `${system.join('\n\n')}\n\n${out[i]!.content}` };
  return out;
}
