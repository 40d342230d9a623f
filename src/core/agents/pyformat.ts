/**
 * Python `str.format` for the named placeholders scaffold prompts use: `{name}` is replaced,
 * `{{` and `}}` stand for literal braces. Scaffold files written for the Python stack rely on
 * exactly these rules (a score asked for as `\boxed{{...}}`), so they are reproduced here.
 */

export class TemplateError extends Error {
  constructor(
    message: string,
    /** The placeholder concerned, when there is one. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}

type Piece = { text: string } | { field: string };

/** Parsed templates: a scaffold fills the same few prompts thousands of times. */
const parsed = new Map<string, Piece[]>();

/** Splits a template into literal text and placeholders; throws TemplateError for a malformed one. */
export function parseTemplate(template: string): Piece[] {
  let pieces = parsed.get(template);
  if (!pieces) {
    pieces = parsePieces(template);
    if (parsed.size > 256) parsed.clear();
    parsed.set(template, pieces);
  }
  return pieces;
}

function parsePieces(template: string): Piece[] {
  const out: Piece[] = [];
  let text = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c === '{') {
      if (template[i + 1] === '{') {
        text += '{';
        i++;
        continue;
      }
      const close = template.indexOf('}', i + 1);
      if (close < 0)
        throw new TemplateError(`a single '{' at offset ${i} is never closed (write '{{' for a literal brace)`);
      const inner = template.slice(i + 1, close);
      // Conversions and format specs ({x!r}, {x:>5}) are not used by prompts: keep the name only.
      const name = inner.split(/[!:]/)[0];
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        throw new TemplateError(
          `'{${inner}}' is not a placeholder name (write '{{' and '}}' for literal braces)`,
          inner,
        );
      }
      if (text) out.push({ text });
      text = '';
      out.push({ field: name });
      i = close;
    } else if (c === '}') {
      if (template[i + 1] === '}') {
        text += '}';
        i++;
        continue;
      }
      throw new TemplateError(`a single '}' at offset ${i} (write '}}' for a literal brace)`);
    } else {
      text += c;
    }
  }
  if (text) out.push({ text });
  return out;
}

/** The placeholder names a template uses, in order of first use. */
export function templateFields(template: string): string[] {
  const names: string[] = [];
  for (const p of parseTemplate(template)) if ('field' in p && !names.includes(p.field)) names.push(p.field);
  return names;
}

/** Fills a template as Python's `template.format(**values)` does; an unknown name throws. */
export function pyFormat(template: string, values: Record<string, string | number>): string {
  const parts: string[] = [];
  for (const p of parseTemplate(template)) {
    if ('text' in p) parts.push(p.text);
    else if (Object.prototype.hasOwnProperty.call(values, p.field)) parts.push(String(values[p.field]));
    else
      throw new TemplateError(
        `unknown placeholder {${p.field}}; this prompt is filled with ${
          Object.keys(values)
            .map((k) => `{${k}}`)
            .join(', ') || 'nothing'
        }`,
        p.field,
      );
  }
  return parts.join('');
}
