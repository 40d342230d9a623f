/**
 * Separates a chain of thought from the answer.
 *
 * - `apiReasoning` (a separate field from the provider) is always chain of thought.
 * - With delimiters, the visible text is cut at the first delimiter found (earliest position;
 *   the order of the list breaks ties): before = chain of thought, after = answer.
 * - With delimiters but none found and no separate reasoning from the API, the model was cut off
 *   while still thinking: the whole text is chain of thought and the answer is empty.
 */
export function splitReasoning(
  text: string,
  delimiters: string[],
  apiReasoning?: string,
): { answer: string; cot?: string } {
  const parts: string[] = [];
  if (apiReasoning && apiReasoning.trim()) parts.push(apiReasoning);
  let answer = text;
  if (delimiters.length) {
    let best: { at: number; len: number } | undefined;
    for (const d of delimiters) {
      if (!d) continue;
      const at = text.indexOf(d);
      if (at >= 0 && (!best || at < best.at)) best = { at, len: d.length };
    }
    if (best) {
      const before = text
        .slice(0, best.at)
        .replace(/^\s*<think(?:ing)?>/, '')
        .trim();
      if (before) parts.push(before);
      answer = text.slice(best.at + best.len).trim();
    } else if (!parts.length) {
      return { answer: '', cot: text.length ? text : undefined };
    }
  }
  return { answer, cot: parts.length ? parts.join('\n\n') : undefined };
}
