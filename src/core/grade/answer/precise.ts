/**
 * Confirms, with the computer algebra system of `@cortex-js/compute-engine`, an equality that
 * double-precision evaluation only suggests. Two values that agree to 12 digits are not thereby
 * equal (√(10³⁰+1) and 10¹⁵ do), so before the checker calls two inexact values equal, their
 * difference is evaluated symbolically and in arbitrary precision, with a working precision that
 * grows with the size of the numbers involved (a difference of 1/(2N) hides behind N² otherwise).
 *
 * - The difference is exactly 0, or below the rounding noise of that precision: 'eq'.
 * - It is far above that noise: 'ne' (they agree to 12 digits, not to all).
 * - Anything else (an operation the system does not evaluate, a complex result): 'unknown', and
 *   the judge decides.
 *
 * The work is bounded by the precision (at most MAX_DIGITS digits) and charged to the check's step
 * budget before the system runs, in proportion to the size of the expression and the square of
 * the precision: whether a comparison runs out of budget never depends on the machine. The
 * system's own time limit is armed only as a guard against a hang (SAFETY_NET_MS, far beyond any
 * real evaluation); when it fires the check ends as "too slow", never as a verdict.
 */
import { Budget, evaluate, isExact, Node, OverBudget, SAFETY_NET_MS, TooSlow, type Cmp, type Val } from './expr';
import { bitLength, Rational } from './rational';

type Env = ReadonlyMap<string, Rational>;

/** Digits kept beyond those the numbers need. */
const BASE_DIGITS = 80;
/** Above this working precision the check gives up (numbers of hundreds of digits). */
const MAX_DIGITS = 2000;
/** Steps charged for any call of the system (boxing, canonical form, evaluation). */
const CALL_STEPS = 3000;
/** Operations whose high-precision evaluation is a series (costlier than +, ×, ÷, integer powers, roots). */
const SERIES_OPS = new Set([
  'Exp', 'Ln', 'Log', 'Lb', 'Lg', 'Sin', 'Cos', 'Tan', 'Cot', 'Sec', 'Csc', 'Arcsin', 'Arccos', 'Arctan', 'Sinh', 'Cosh', 'Tanh', 'Pi', 'ExponentialE',
]);

type Engine = InstanceType<typeof import('./cas').ComputeEngine>;

let engine: Engine | undefined;

function cas(): Engine {
  if (!engine) {
    // Loaded on first use: most answers are decided without it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { ComputeEngine } = require('./cas') as typeof import('./cas');
    engine = new ComputeEngine();
  }
  return engine;
}

class NotExpressible extends Error {}

function ratJson(r: Rational): unknown {
  const n = { num: r.n.toString() };
  return r.d === 1n ? n : ['Rational', n, { num: r.d.toString() }];
}

/** Our expression tree as MathJSON, with the variables replaced by their values. */
function toJson(n: Node, env: Env): unknown {
  if (n.k === 'num') return ratJson(n.v);
  if (n.k === 'sym') {
    if (n.s === 'Pi' || n.s === 'ExponentialE') return n.s;
    const v = env.get(n.s);
    if (!v) throw new NotExpressible(n.s);
    return ratJson(v);
  }
  // The degree sign is notation here, as in `evaluate`.
  if (n.op === 'Degrees') return toJson(n.a[0], env);
  if (n.op.includes(':') || n.op === 'WithUnit' || n.op === 'Unit' || n.op === 'LogNoBase') throw new NotExpressible(n.op);
  return [n.op, ...n.a.map((c) => toJson(c, env))];
}

/** log10 of |value| for a value of `evaluate` (0 for zero), from its exact bits or its double. */
function log10Abs(v: Val): number {
  if (isExact(v)) {
    if (v.exact.isZero()) return 0;
    return (bitLength(v.exact.n) - bitLength(v.exact.d)) * Math.log10(2);
  }
  return v.x === 0 ? 0 : Math.log10(Math.abs(v.x));
}

/**
 * The largest order of magnitude, up or down, of any part of the expression: the digits a
 * high-precision evaluation must carry beyond those it wants to keep.
 */
function spread(n: Node, env: Env, budget: Budget): number {
  let m = 0;
  const visit = (t: Node): void => {
    if (t.k === 'sym') return;
    if (t.k === 'op') t.a.forEach(visit);
    try {
      m = Math.max(m, Math.abs(log10Abs(evaluate(t, env, budget))));
    } catch (e) {
      if (e instanceof OverBudget || e instanceof TooSlow) throw e;
      // A part without a value of its own (an argument list, ...): its parts count.
    }
  };
  visit(n);
  return m;
}

/** log10 |x| of a MathJSON number (`0`, `1.5e-20`, `{num: "-4.99…e-16"}`), or undefined if not real. */
function log10OfJson(j: unknown): number | undefined {
  if (typeof j === 'number') return j === 0 ? -Infinity : Number.isFinite(j) ? Math.log10(Math.abs(j)) : undefined;
  const s = j && typeof j === 'object' && 'num' in j ? (j as { num: unknown }).num : undefined;
  if (typeof s !== 'string') return undefined;
  const m = /^[+-]?(\d*)(?:\.(\d*))?(?:\(\d+\))?(?:e([+-]?\d+))?$/i.exec(s);
  if (!m) return undefined;
  const digits = `${m[1]}${m[2] ?? ''}`;
  const lead = digits.search(/[1-9]/);
  if (lead < 0) return -Infinity;
  // value = 0.d1d2… × 10^(len(int part) + exp) with the first non-zero digit at `lead`.
  const mantissa = Number(`0.${digits.slice(lead, lead + 17)}`);
  return Math.log10(mantissa) + (m[1].length - lead) + Number(m[3] ?? 0);
}

/**
 * The steps charged for evaluating a MathJSON expression at `digits` digits: a fixed part per call,
 * and per operation a part growing with the square of the precision (much larger for series such
 * as sin or ln). A fractional exponent is evaluated through exp and ln, so it counts as a series.
 */
export function casSteps(json: unknown, digits: number): number {
  const unit = (digits / 100) ** 2;
  let steps = CALL_STEPS;
  const visit = (j: unknown): void => {
    if (typeof j === 'string') {
      steps += SERIES_OPS.has(j) ? 100 * unit : 1;
      return;
    }
    if (!Array.isArray(j)) {
      steps += 1 + unit;
      return;
    }
    const op = j[0];
    const fractionalPower = op === 'Power' && Array.isArray(j[2]);
    steps += SERIES_OPS.has(op) || fractionalPower ? 100 * unit : 1 + unit;
    for (let i = 1; i < j.length; i++) visit(j[i]);
  };
  visit(json);
  return Math.ceil(steps);
}

function isTimeout(e: unknown): boolean {
  return e instanceof Error && e.name === 'CancellationError' && (e as { cause?: unknown }).cause === 'timeout';
}

/**
 * Decides whether two values that double precision found equal are equal. Exact values need no
 * check; an inexact one without its source cannot be checked ('unknown').
 */
export function confirmEqual(a: Val, b: Val): Cmp {
  const side = (v: Val): { json: unknown; spread: number } | undefined => {
    if (isExact(v)) return { json: ratJson(v.exact), spread: Math.abs(log10Abs(v)) };
    if (!v.src) return undefined;
    try {
      return { json: toJson(v.src.node, v.src.env), spread: spread(v.src.node, v.src.env, v.src.budget) };
    } catch (e) {
      if (e instanceof NotExpressible) return undefined;
      throw e;
    }
  };
  if (isExact(a) && isExact(b)) return a.exact.equals(b.exact) ? 'eq' : 'ne';
  const x = side(a);
  const y = side(b);
  const budget = (isExact(a) ? undefined : a.src?.budget) ?? (isExact(b) ? undefined : b.src?.budget);
  if (!x || !y || !budget) return 'unknown';
  const d = Math.max(x.spread, y.spread);
  const digits = Math.ceil(BASE_DIGITS + 2 * d);
  if (digits > MAX_DIGITS) return 'unknown';
  const expr: ['Subtract', unknown, unknown] = ['Subtract', x.json, y.json];
  // Charged before the system runs: an evaluation too large for the budget is not started.
  budget.tick(casSteps(expr, digits));
  let diff: number | undefined;
  try {
    const ce = cas();
    ce.precision = digits;
    diff = log10OfJson(ce.withTimeLimit(SAFETY_NET_MS, () => ce.box(expr as Parameters<Engine['box']>[0]).N().json));
  } catch (e) {
    if (isTimeout(e)) throw new TooSlow(`too slow: the computer algebra system ran for more than ${SAFETY_NET_MS / 1000} s`);
    // An expression the system cannot take.
    return 'unknown';
  }
  if (diff === undefined) return 'unknown';
  // Rounding noise sits about `digits` digits below the largest part (10^d): allow 20 digits of
  // it to accumulate; call the values different only well above that.
  if (diff <= d - digits + 20) return 'eq';
  if (diff > d - digits + 40) return 'ne';
  return 'unknown';
}
