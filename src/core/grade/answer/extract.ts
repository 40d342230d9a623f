/**
 * Pulls the final answer out of a model's solution: the content of the last `\boxed{…}` or
 * `\fbox{…}`, several boxes on that same line joined with ", ", and with no box at all the last
 * five non-empty lines.
 */

export interface ExtractedAnswer {
  answer: string;
  method: 'boxed' | 'last-lines';
  warning?: string;
}

interface Box {
  start: number;
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
      boxes.push({ start: m.index, content: text.slice(bodyStart), closed: false });
      break;
    }
    boxes.push({ start: m.index, content: text.slice(bodyStart, end), closed: true });
    BOX_RE.lastIndex = end + 1;
  }
  return boxes;
}


export function extractAnswer(solution: string): ExtractedAnswer {
  const text = typeof solution === 'string' ? solution : '';
  const boxes = findBoxes(text);
  if (boxes.length === 0) {
    const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
    return { answer: lines.slice(-5).join('\n').trim(), method: 'last-lines' };
  }
  const last = boxes[boxes.length - 1];
  // Boxes that start on the line where the last box starts.
  const lineStart = text.lastIndexOf('\n', last.start) + 1;
  const sameLine = boxes.filter((b) => b.start >= lineStart);
  const answer = sameLine.map((b) => b.content.trim()).join(', ');
  if (!last.closed) {
    return {
      answer,
      method: 'boxed',
      warning: 'the last \\boxed{ is never closed: took the rest of the text after it',
    };
  }
  return { answer, method: 'boxed' };
}
