/**
 * Rows nested absurdly deep (`{"a":[[[[…]]]]}` thousands of levels down) parse fine — V8's
 * JSON.parse does not recurse — but JSON.stringify and every recursive walk over them overflow the
 * stack. Real result rows are a handful of levels deep; anything beyond MAX_ROW_DEPTH is treated
 * as unreadable, and the writers below never overflow whatever they are given.
 */

/** The deepest nesting a row may have (the row object itself is level 1). */
export const MAX_ROW_DEPTH = 1000;

/** Why a row is refused, for messages. */
export const TOO_DEEP = `nested more than ${MAX_ROW_DEPTH} levels deep, too deep to read safely`;

/** Whether `value` has arrays / objects nested more than `limit` levels deep (no recursion). */
export function deeperThan(value: unknown, limit = MAX_ROW_DEPTH): boolean {
  if (value === null || typeof value !== 'object') return false;
  const stack: Array<[object, number]> = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (depth > limit) return true;
    for (const x of Array.isArray(v) ? v : Object.values(v)) {
      if (x !== null && typeof x === 'object') stack.push([x, depth + 1]);
    }
  }
  return false;
}

/**
 * JSON.stringify, with a fallback that needs no recursion when the value is nested too deep for it
 * (same output for plain JSON data: parsed rows and what jobs add to them). `replacer` applies
 * to the first attempt only.
 */
export function stringifyJson(
  value: unknown,
  replacer?: (this: unknown, key: string, v: unknown) => unknown,
): string | undefined {
  try {
    return JSON.stringify(value, replacer);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
  }
  return stringifyWithoutRecursion(value);
}

type Frame =
  { items: unknown[]; i: number } | { obj: Record<string, unknown>; keys: string[]; i: number; wrote: boolean };

const omitted = (v: unknown): boolean => v === undefined || typeof v === 'function' || typeof v === 'symbol';

function stringifyWithoutRecursion(root: unknown): string | undefined {
  if (omitted(root)) return undefined;
  const out: string[] = [];
  const stack: Frame[] = [];
  const begin = (v: unknown): void => {
    if (Array.isArray(v)) {
      out.push('[');
      stack.push({ items: v, i: 0 });
    } else if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON !== 'function') {
      out.push('{');
      stack.push({ obj: v as Record<string, unknown>, keys: Object.keys(v), i: 0, wrote: false });
    } else {
      out.push(JSON.stringify(v) ?? 'null');
    }
  };
  begin(root);
  while (stack.length) {
    const f = stack[stack.length - 1];
    if ('items' in f) {
      if (f.i >= f.items.length) {
        out.push(']');
        stack.pop();
        continue;
      }
      if (f.i > 0) out.push(',');
      const v = f.items[f.i++];
      begin(omitted(v) ? null : v);
    } else {
      while (f.i < f.keys.length && omitted(f.obj[f.keys[f.i]])) f.i++;
      if (f.i >= f.keys.length) {
        out.push('}');
        stack.pop();
        continue;
      }
      if (f.wrote) out.push(',');
      f.wrote = true;
      const k = f.keys[f.i++];
      out.push(JSON.stringify(k), ':');
      begin(f.obj[k]);
    }
  }
  return out.join('');
}
