/**
 * Pulls the final answer out of a model's solution as the original does: the content of the last
 * `\boxed{…}` or `\fbox{…}`, several boxes on that same line joined with "," (no space), a box
 * inside the answer replaced by its content; with no box at all, "..." and the last five lines
 * (blank ones included), or the whole text when it has fewer than five lines.
 */

export interface ExtractedAnswer {
  /** The answer as the LLM judge is shown it. */
  answer: string;
  method: 'boxed' | 'last-lines';
  /** The answer starts with "..." added here (the last lines of a longer text). */
  excerpt?: boolean;
  warning?: string;
}

interface Box {
  start: number;
  /** Just after the closing brace (the end of the text when not closed). */
  end: number;
  content: string;
  closed: boolean;
}

const BOX_RE = /\\(?:boxed|fbox)\s*\{/g;

/**
 * Scans `text` from `open` (just after an opening brace) to its matching closing brace.
 * A backslash escapes the next character, so `\{`, `\}` and `\\` never change the depth.
 * Returns the index of the closing brace, or -1 when the text ends first.
 */
export function matchBrace(text: string, open: number): number {
  let depth = 1;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** Top-level boxes in order of appearance (a box inside another box is part of the outer one). */
function findBoxes(text: string): Box[] {
  const boxes: Box[] = [];
  BOX_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = BOX_RE.exec(text)) !== null) {
    const bodyStart = m.index + m[0].length;
    const end = matchBrace(text, bodyStart);
    if (end < 0) {
      boxes.push({ start: m.index, end: text.length, content: text.slice(bodyStart), closed: false });
      break;
    }
    boxes.push({ start: m.index, end: end + 1, content: text.slice(bodyStart, end), closed: true });
    BOX_RE.lastIndex = end + 1;
  }
  return boxes;
}

/** `\boxed{x}` inside an answer becomes `x` (one level, as the original; an unclosed one stays). */
function removeInnerBoxes(answer: string): string {
  const inner = findBoxes(answer).filter((b) => b.closed);
  if (!inner.length) return answer;
  let out = '';
  let at = 0;
  for (const b of inner) {
    out += answer.slice(at, b.start) + b.content;
    at = b.end;
  }
  return out + answer.slice(at);
}

/** The number of lines the no-box fallback shows. */
const LAST_LINES = 5;

export function extractAnswer(solution: string): ExtractedAnswer {
  const text = typeof solution === 'string' ? solution : '';
  const boxes = findBoxes(text);
  if (boxes.length === 0) {
    const trimmed = text.trim();
    const lines = trimmed.split('\n');
    if (lines.length < LAST_LINES) return { answer: trimmed, method: 'last-lines' };
    return { answer: `...${lines.slice(-LAST_LINES).join('\n')}`, method: 'last-lines', excerpt: true };
  }
  const last = boxes[boxes.length - 1];
  // Boxes that start on the line where the last box starts.
  const lineStart = text.lastIndexOf('\n', last.start) + 1;
  const sameLine = boxes.filter((b) => b.start >= lineStart);
  const answer = removeInnerBoxes(sameLine.map((b) => b.content).join(','));
  if (!last.closed) {
    return {
      answer,
      method: 'boxed',
      warning: 'the last \\boxed{ is never closed: took the rest of the text after it',
    };
  }
  return { answer, method: 'boxed' };
}
