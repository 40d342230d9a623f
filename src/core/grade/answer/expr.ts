/**
 * Expression trees for the answer checker: conversion from the MathJSON that the LaTeX parser of
 * `@cortex-js/compute-engine` produces, and evaluation at a point with exact rational arithmetic
 * where possible and error-tracked floating point elsewhere. All work is bounded by a Budget.
 */
import { arithmeticWork, exactIntRoot, Rational } from './rational';

export type Node =
  | { k: 'num'; v: Rational; /** digits after the decimal point when written as a decimal */ dec?: number }
  | { k: 'sym'; s: string }
  | { k: 'op'; op: string; a: Node[] };

/** The expression cannot be handled here (unknown construct, ambiguous notation, text). */
export class Unsupported extends Error {}
/** The expression has no value at this point (division by zero, root of a negative, ...). */
export class Invalid extends Error {}
/**
 * The step or size budget ran out. Steps count work (nodes evaluated, sample points, bits of
 * exact arithmetic, digits × size of a high-precision evaluation), never time: whether a budget
 * runs out depends only on the two answers and the version of the checker.
 */
export class OverBudget extends Error {}
/**
 * The last-resort safety net fired: one check used more than `SAFETY_NET_MS` of CPU time. The step
 * budgets keep every check far below it (a check that spends its whole budget ends in well under
 * a second), so this is reached only through a bug; its reason says "too slow" so that it is
 * never mistaken for a verdict.
 */
export class TooSlow extends Error {}

/** Steps one comparison may take (see `Budget.tick` for what a step is). */
export const DEFAULT_MAX_STEPS = 2_000_000;
/** CPU time, in milliseconds, after which a check gives up as "too slow" (safety net only). */
export const SAFETY_NET_MS = 30_000;

/**
 * The CPU time of this process, in milliseconds. CPU time, not wall time: a paused process
 * (SIGSTOP) or a machine busy with other work does not advance it.
 */
export function cpuClock(): number {
  if (typeof process !== 'undefined' && typeof process.cpuUsage === 'function') {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  }
  return performance.now();
}

export interface BudgetOptions {
  /** Steps the comparison may take (default `DEFAULT_MAX_STEPS`). */
  maxSteps?: number;
  /** The clock of the safety net, in milliseconds (default `cpuClock`; tests inject their own). */
  clock?: () => number;
  /** The safety net itself, in milliseconds of `clock` (default `SAFETY_NET_MS`). */
  safetyNetMs?: number;
}

/**
 * How many steps pass between two readings of the safety net's clock (some 10 ms of work; reading
 * the CPU time costs several microseconds, as much as a whole simple check).
 */
const GUARD_EVERY = 16_384;
/** Word operations of fraction reduction (`arithmeticWork`) that count as one step. */
const WORK_PER_STEP = 32;

export class Budget {
  private steps = 0;
  /** Set while comparing math inside prose, where a label's names are referred to elsewhere. */
  strictLabels = false;
  readonly maxSteps: number;
  private readonly clock: () => number;
  private readonly safetyNetMs: number;
  /** The first reading of the clock, taken after the first GUARD_EVERY steps (cheap checks never read it). */
  private start: number | undefined;
  /** The reading of `arithmeticWork()` already turned into steps. */
  private workSeen = arithmeticWork();
  /** Values of constant subtrees computed during this check, with the steps they cost (see `evaluate`). */
  readonly constants = new Map<Node, { value: Val; steps: number }>();
  constructor(opts: BudgetOptions = {}) {
    this.maxSteps = opts.maxSteps !== undefined && opts.maxSteps > 0 ? opts.maxSteps : DEFAULT_MAX_STEPS;
    this.clock = opts.clock ?? cpuClock;
    this.safetyNetMs = opts.safetyNetMs !== undefined && opts.safetyNetMs > 0 ? opts.safetyNetMs : SAFETY_NET_MS;
  }
  /** Steps spent so far. */
  get spent(): number {
    return this.steps;
  }
  /**
   * Counts `n` steps of work. A step is about one node evaluated in double precision or with
   * small exact numbers (of the order of a microsecond); costlier operations count more (see their
   * callers), and the reduction of fractions since the last tick is added (`arithmeticWork`).
   */
  tick(n = 1): void {
    const before = this.steps;
    const work = Math.floor((arithmeticWork() - this.workSeen) / WORK_PER_STEP);
    this.workSeen += work * WORK_PER_STEP;
    this.steps += n + work;
    if (this.steps > this.maxSteps) throw new OverBudget('step limit reached');
    if (Math.floor(before / GUARD_EVERY) !== Math.floor(this.steps / GUARD_EVERY)) this.guard();
  }
  /** Throws TooSlow when the safety net has been passed; never decides anything else. */
  private guard(): void {
    const now = this.clock();
    this.start ??= now;
    if (now - this.start > this.safetyNetMs)
      throw new TooSlow(`too slow: more than ${Math.round(this.safetyNetMs / 1000)} s of CPU time on one check`);
  }
}

/** Largest exact intermediate result, in bits, before a computation is abandoned. */
const MAX_BITS = 40_000;
const EPS = 2 ** -52;

const CONSTANTS = new Set(['Pi', 'ExponentialE']);
/** Symbols the LaTeX parser gives to things that are not numbers (∞, sets, the ellipsis, ...). */
const SPECIAL = new Set([
  'PositiveInfinity',
  'NegativeInfinity',
  'ComplexInfinity',
  'EmptySet',
  'Integers',
  'RealNumbers',
  'NonNegativeIntegers',
  'PositiveIntegers',
  'NegativeIntegers',
  'NonPositiveIntegers',
  'RationalNumbers',
  'ComplexNumbers',
  'ContinuationPlaceholder',
  'ImaginaryUnit',
  'Nothing',
  'Undefined',
  'NaN',
  'True',
  'False',
  'Half',
  'CatalanConstant',
  'EulerGamma',
  'Missing',
]);
const TRIG = new Set(['Sin', 'Cos', 'Tan', 'Cot', 'Sec', 'Csc', 'Sinh', 'Cosh', 'Tanh']);
/** Operators whose value depends on integrality or that jump: sampled more densely. */
const PIECEWISE = new Set(['Floor', 'Ceil', 'Round', 'Mod', 'Max', 'Min', 'Fract', 'Sign']);
const INTEGER_ONLY = new Set(['Factorial', 'Factorial2', 'Binomial', 'GCD', 'LCM', 'Mod']);

// ---------------------------------------------------------------------------------------------
// MathJSON -> Node

type Json = unknown;

function head(x: Json): string | undefined {
  if (Array.isArray(x)) return typeof x[0] === 'string' ? x[0] : undefined;
  if (x && typeof x === 'object' && 'fn' in x && Array.isArray((x as { fn: unknown }).fn)) {
    const f = (x as { fn: unknown[] }).fn;
    return typeof f[0] === 'string' ? f[0] : undefined;
  }
  return undefined;
}

function args(x: Json): Json[] {
  if (Array.isArray(x)) return x.slice(1);
  if (x && typeof x === 'object' && 'fn' in x) return (x as { fn: unknown[] }).fn.slice(1);
  return [];
}

function parseNumString(s: string): { v: Rational; dec?: number } {
  const rep = /^([+-]?)(\d*)\.(\d*)\((\d+)\)$/.exec(s);
  if (rep) {
    // A repeating decimal such as 0.(3).
    const [, sign, ip, fp, rp] = rep;
    const base = Rational.parseDecimal(`${ip || '0'}.${fp || '0'}`);
    if (!base) throw new Unsupported(`number ${s}`);
    const rpn = BigInt(rp);
    const rep9 = 10n ** BigInt(rp.length) - 1n;
    const shift = 10n ** BigInt(fp.length);
    const v = base.add(Rational.of(rpn, rep9 * shift));
    return { v: sign === '-' ? v.neg() : v };
  }
  const v = Rational.parseDecimal(s);
  if (!v) throw new Unsupported(`number ${s}`);
  const m = /\.(\d+)/.exec(s);
  const dec = m && !/[eE]/.test(s) ? m[1].length : undefined;
  return dec !== undefined ? { v, dec } : { v };
}

function symbolNode(name: string): Node {
  if (name.length >= 2 && name.startsWith("'") && name.endsWith("'")) throw new Unsupported('text inside math');
  if (name === 'Nothing') throw new Unsupported('empty expression');
  // The parser reads \varphi as the golden ratio; in answers it is as often an angle, so keep a name.
  if (name === 'GoldenRatio') return { k: 'sym', s: 'varphi' };
  return { k: 'sym', s: name };
}

const PASS_THROUGH = new Set(['Annotated', 'Hold']);
const KNOWN_OPS = new Set([
  'Add',
  'Subtract',
  'Negate',
  'Multiply',
  'Divide',
  'Rational',
  'Power',
  'Sqrt',
  'Root',
  'Exp',
  'Ln',
  'Log',
  'Lb',
  'Lg',
  'Sin',
  'Cos',
  'Tan',
  'Cot',
  'Sec',
  'Csc',
  'Arcsin',
  'Arccos',
  'Arctan',
  'Sinh',
  'Cosh',
  'Tanh',
  'Floor',
  'Ceil',
  'Round',
  'Abs',
  'Factorial',
  'Factorial2',
  'Binomial',
  'GCD',
  'LCM',
  'Mod',
  'Max',
  'Min',
  'Degrees',
  'Square',
]);
/** Single letters that, followed by parentheses, are read as a function application, not a product. */
const FUNCTION_LETTERS = new Set(['f', 'g', 'h']);

export function fromMathJson(x: Json): Node {
  if (typeof x === 'number') {
    if (!Number.isFinite(x)) throw new Unsupported('non-finite number');
    return { k: 'num', ...parseNumString(Number.isInteger(x) ? BigInt(x).toString() : String(x)) };
  }
  if (typeof x === 'string') return symbolNode(x);
  if (x && typeof x === 'object' && !Array.isArray(x)) {
    const o = x as Record<string, unknown>;
    if (typeof o.num === 'string') {
      if (/nan|infinity/i.test(o.num)) throw new Unsupported('non-finite number');
      return { k: 'num', ...parseNumString(o.num) };
    }
    if (typeof o.sym === 'string') return symbolNode(o.sym);
    if (typeof o.str === 'string') throw new Unsupported('text inside math');
  }
  const h = head(x);
  if (h === undefined) throw new Unsupported('unrecognised expression');
  const a = args(x);
  if (h === 'Error') throw new Unsupported('the LaTeX does not parse');
  if (PASS_THROUGH.has(h)) return fromMathJson(a[0]);
  if (h === 'Delimiter') {
    const inner = a[0];
    const hi = head(inner);
    if (hi === 'Sequence') {
      const items = args(inner);
      if (items.length === 1) return fromMathJson(items[0]);
      throw new Unsupported('a tuple inside an expression');
    }
    if (a.length > 1) {
      const d = a[1] as { str?: unknown } | string;
      const delim = typeof d === 'string' ? d : typeof d?.str === 'string' ? d.str : '';
      if (delim !== '' && !delim.startsWith('(')) throw new Unsupported(`delimiter ${delim}`);
    }
    return fromMathJson(inner);
  }
  if (h === 'InvisibleOperator') {
    const parts = a.map(fromMathJson);
    // `2\frac{1}{3}` may be meant as a mixed number: refuse to guess.
    for (let i = 0; i + 1 < parts.length; i++) {
      const p = parts[i];
      const q = parts[i + 1];
      if (p.k === 'num' && q.k === 'op' && q.op === 'Divide' && q.a.every((t) => t.k === 'num'))
        throw new Unsupported('mixed number');
      if (p.k === 'num' && q.k === 'num') throw new Unsupported('two numbers side by side');
    }
    for (let i = 0; i + 1 < a.length; i++) {
      const s = a[i];
      if (typeof s === 'string' && FUNCTION_LETTERS.has(s) && head(a[i + 1]) === 'Delimiter') {
        return { k: 'op', op: `Apply:${s}`, a: [fromMathJson(a[i + 1])] };
      }
    }
    const units = parts.filter((p) => p.k === 'op' && p.op === 'Unit');
    if (units.length) {
      const rest = parts.filter((p) => !(p.k === 'op' && p.op === 'Unit'));
      if (units.length !== 1 || rest.length === 0) throw new Unsupported('units');
      return {
        k: 'op',
        op: 'WithUnit',
        a: [rest.length === 1 ? rest[0] : { k: 'op', op: 'Multiply', a: rest }, units[0]],
      };
    }
    return parts.length === 1 ? parts[0] : { k: 'op', op: 'Multiply', a: parts };
  }
  if (h === '__unit__') {
    const u = a[0];
    const name =
      typeof u === 'string' ? u : typeof (u as { str?: unknown })?.str === 'string' ? (u as { str: string }).str : '?';
    return { k: 'op', op: 'Unit', a: [{ k: 'sym', s: `unit:${name}` }] };
  }
  if (h === 'Sequence') {
    if (a.length === 1) return fromMathJson(a[0]);
    throw new Unsupported('a sequence inside an expression');
  }
  if (h === 'Square') return { k: 'op', op: 'Power', a: [fromMathJson(a[0]), num(2)] };
  if (h === 'Power' && TRIG.has(head(a[0]) ?? '')) {
    // \sin^{-1} x is read as 1/sin x by the parser but often meant as arcsin x.
    const e = fromMathJson(a[1]);
    const negative = (e.k === 'num' && e.v.sign() < 0) || (e.k === 'op' && e.op === 'Negate');
    if (negative) throw new Unsupported('\\sin^{-1} may mean arcsin');
    return { k: 'op', op: 'Power', a: [fromMathJson(a[0]), e] };
  }
  if (h === 'Log' && a.length === 1) {
    // \log without a base: 10 for some, e for others (see compareExpr).
    return { k: 'op', op: 'LogNoBase', a: [fromMathJson(a[0])] };
  }
  if (KNOWN_OPS.has(h)) return { k: 'op', op: h, a: a.map(fromMathJson) };
  if (/^[A-Za-z]$/.test(h)) {
    // The parser reads `P(x)` as an application of an unknown function P.
    return { k: 'op', op: `Apply:${h}`, a: a.map(fromMathJson) };
  }
  throw new Unsupported(`unsupported construct ${h}`);
}

export function num(n: number | bigint): Node {
  return { k: 'num', v: Rational.int(n) };
}

// ---------------------------------------------------------------------------------------------
// Inspection

export function freeSymbols(n: Node, out = new Set<string>()): Set<string> {
  if (n.k === 'sym') {
    if (!CONSTANTS.has(n.s) && !SPECIAL.has(n.s) && !n.s.startsWith('unit:')) out.add(n.s);
  } else if (n.k === 'op') for (const c of n.a) freeSymbols(c, out);
  return out;
}

export function hasOp(n: Node, pred: (op: string) => boolean): boolean {
  if (n.k !== 'op') return false;
  return pred(n.op) || n.a.some((c) => hasOp(c, pred));
}

export function hasSymbol(n: Node, s: string): boolean {
  if (n.k === 'sym') return n.s === s;
  return n.k === 'op' && n.a.some((c) => hasSymbol(c, s));
}

/** Largest number of decimal places among the decimal literals of the expression (0 when none). */
export function decimalPlaces(n: Node): number {
  if (n.k === 'num') return n.dec ?? 0;
  if (n.k === 'op') return n.a.reduce((m, c) => Math.max(m, decimalPlaces(c)), 0);
  return 0;
}

export function isPiecewise(n: Node): boolean {
  return hasOp(n, (op) => PIECEWISE.has(op));
}
export function needsIntegers(n: Node): boolean {
  return hasOp(n, (op) => INTEGER_ONLY.has(op));
}

/** Replaces `\\log` without a base by the logarithm to base 10 or the natural logarithm. */
export function fixLogBase(n: Node, base: 'ten' | 'e'): Node {
  if (n.k !== 'op') return n;
  const a = n.a.map((c) => fixLogBase(c, base));
  if (n.op === 'LogNoBase') return base === 'e' ? { k: 'op', op: 'Ln', a } : { k: 'op', op: 'Log', a: [a[0], num(10)] };
  return { ...n, a };
}

export function sameTree(a: Node, b: Node): boolean {
  if (a.k !== b.k) return false;
  if (a.k === 'num') return b.k === 'num' && a.v.equals(b.v);
  if (a.k === 'sym') return b.k === 'sym' && a.s === b.s;
  if (b.k !== 'op' || a.op !== b.op || a.a.length !== b.a.length) return false;
  return a.a.every((c, i) => sameTree(c, b.a[i]));
}

export function size(n: Node): number {
  return n.k === 'op' ? 1 + n.a.reduce((s, c) => s + size(c), 0) : 1;
}

// ---------------------------------------------------------------------------------------------
// Values

/** An exact rational, or a double with a bound on its absolute error. */
export type Val = { exact: Rational } | { x: number; err: number; src?: ValSource };

/** Where an inexact value came from: enough for `precise.ts` to compute it again, more precisely. */
export interface ValSource {
  node: Node;
  env: ReadonlyMap<string, Rational>;
  budget: Budget;
}

export function isExact(v: Val): v is { exact: Rational } {
  return 'exact' in v;
}

function approx(v: Val): { x: number; err: number } {
  if (isExact(v)) {
    const x = v.exact.toNumber();
    return { x, err: Math.abs(x) * EPS };
  }
  return v;
}

function mk(x: number, err: number): Val {
  if (!Number.isFinite(x) || !Number.isFinite(err)) throw new Invalid('not a finite real number');
  return { x, err: err + Math.abs(x) * EPS };
}

/**
 * Steps charged for an exact operation whose result has `bits` bits: BigInt multiplication and
 * the gcd that keeps a fraction in lowest terms grow about with the square of the size, so a
 * number of 40,000 bits costs about 1,600 steps and one of 1,000 bits a single step.
 */
export function bitCost(bits: number): number {
  return 1 + Math.floor((bits * bits) / 1_000_000);
}

function exactOrBudget(r: Rational, budget: Budget): Val {
  const bits = r.bits();
  if (bits > MAX_BITS) throw new OverBudget('number too large');
  budget.tick(bitCost(bits));
  return { exact: r };
}

function asInteger(v: Val): bigint {
  if (isExact(v)) {
    if (!v.exact.isInteger()) throw new Invalid('not an integer');
    return v.exact.n;
  }
  // A computed (inexact) value that merely looks like an integer is not trusted as one.
  throw new Invalid('integer not certain');
}

/** Exact k-th root of a non-negative rational, or undefined. */
function exactRoot(r: Rational, k: number): Rational | undefined {
  if (k <= 0 || k > 64) return undefined;
  const n = exactIntRoot(r.n, k);
  const d = exactIntRoot(r.d, k);
  return n !== undefined && d !== undefined ? Rational.of(n, d) : undefined;
}

function power(b: Val, e: Val, budget: Budget): Val {
  if (isExact(e) && e.exact.isInteger()) {
    const k = e.exact.n;
    if (isExact(b)) {
      if (b.exact.isZero() && k < 0n) throw new Invalid('zero to a negative power');
      const absB = b.exact.abs();
      if (absB.n === absB.d) return { exact: b.exact.sign() < 0 && k % 2n !== 0n ? Rational.int(-1) : Rational.int(1) };
      if (b.exact.isZero()) return { exact: Rational.int(k === 0n ? 1 : 0) };
      const kAbs = k < 0n ? -k : k;
      if (kAbs * BigInt(b.exact.bits()) > BigInt(MAX_BITS)) throw new OverBudget('power too large');
      budget.tick(Number(kAbs / 64n) + 1);
      return exactOrBudget(b.exact.pow(k), budget);
    }
    const a = approx(b);
    if (Math.abs(Number(k)) > 1e6) throw new OverBudget('power too large');
    const kn = Number(k);
    const x = Math.pow(a.x, kn);
    if (a.x === 0) {
      if (kn < 0) throw new Invalid('zero to a negative power');
      return mk(x, 0);
    }
    return mk(x, Math.abs(x) * Math.abs(kn) * (a.err / Math.abs(a.x)) * 1.01);
  }
  if (isExact(e) && isExact(b)) {
    // A rational exponent p/q with small q: try an exact root first.
    const q = e.exact.d;
    if (q <= 64n) {
      const base = b.exact;
      const negOk = base.sign() < 0 && q % 2n === 1n;
      if (base.sign() >= 0 || negOk) {
        const root = exactRoot(base.abs(), Number(q));
        if (root !== undefined) {
          const signed = base.sign() < 0 ? root.neg() : root;
          return power({ exact: signed }, { exact: Rational.int(e.exact.n) }, budget);
        }
      } else throw new Invalid('even root of a negative number');
    }
  }
  const a = approx(b);
  const p = approx(e);
  if (a.x < 0) {
    // Only odd roots of negatives make sense, and only with an exact exponent.
    if (isExact(e) && e.exact.d % 2n === 1n) {
      const mag = Math.pow(-a.x, p.x);
      const sign = e.exact.n % 2n === 0n ? 1 : -1;
      return mk(sign * mag, Math.abs(mag) * ((Math.abs(p.x) * a.err) / Math.abs(a.x)) * 1.01);
    }
    throw new Invalid('power of a negative number');
  }
  if (a.x === 0) {
    if (p.x > p.err) return mk(0, 0);
    throw new Invalid('zero to a non-positive power');
  }
  if (a.err >= Math.abs(a.x)) throw new Invalid('base too uncertain');
  const x = Math.pow(a.x, p.x);
  const err = Math.abs(x) * ((Math.abs(p.x) * a.err) / Math.abs(a.x) + Math.abs(Math.log(a.x)) * p.err) * 1.01;
  return mk(x, err);
}

function log(v: Val, base: Val | undefined): Val {
  // Exact when the result is an integer: log_2 8 = 3.
  if (
    base &&
    isExact(v) &&
    isExact(base) &&
    v.exact.sign() > 0 &&
    base.exact.sign() > 0 &&
    !base.exact.equals(Rational.int(1))
  ) {
    const guess = Math.round(Math.log(v.exact.toNumber()) / Math.log(base.exact.toNumber()));
    if (
      Number.isFinite(guess) &&
      Math.abs(guess) < 4000 &&
      base.exact.bits() * Math.abs(guess) < MAX_BITS &&
      base.exact.pow(BigInt(guess)).equals(v.exact)
    ) {
      return { exact: Rational.int(guess) };
    }
  }
  if (isExact(v) && v.exact.equals(Rational.int(1))) return { exact: Rational.int(0) };
  const a = approx(v);
  if (a.x <= a.err) throw new Invalid('logarithm of a non-positive number');
  const lx = Math.log(a.x);
  const ex = a.err / a.x;
  if (!base) return mk(lx, ex);
  const b = approx(base);
  if (b.x <= b.err) throw new Invalid('logarithm base not positive');
  const lb = Math.log(b.x);
  if (Math.abs(lb) <= b.err / b.x) throw new Invalid('logarithm base 1');
  const x = lx / lb;
  return mk(x, ((ex + Math.abs(x) * (b.err / b.x)) / Math.abs(lb)) * 1.01);
}

function factorial(n: bigint, step: bigint, budget: Budget): Rational {
  if (n > 5000n) throw new OverBudget('factorial too large');
  let r = 1n;
  // Bits of the product so far, estimated: each multiplication costs in proportion to it.
  let bits = 0;
  for (let i = n; i > 1n; i -= step) {
    r *= i;
    bits += Math.log2(Number(i));
    budget.tick(1 + Math.floor(bits / 16_384));
  }
  return Rational.of(r);
}

function binomial(n: bigint, k: bigint, budget: Budget): Rational {
  if (k < 0n) return Rational.int(0);
  if (n >= 0n && k > n) return Rational.int(0);
  if (k > 5000n) throw new OverBudget('binomial too large');
  // The numerator has about k·log2|n| bits: refuse before computing what could not be kept.
  const nBits = n === 0n ? 1 : Math.log2(Math.abs(Number(n)) + 1);
  if (Number(k) * nBits > 2 * MAX_BITS) throw new OverBudget('binomial too large');
  // Works for negative n as well (the generalised binomial coefficient).
  let num = 1n;
  let den = 1n;
  let bits = 0;
  for (let i = 0n; i < k; i++) {
    num *= n - i;
    den *= i + 1n;
    bits += nBits;
    budget.tick(1 + Math.floor(bits / 16_384));
  }
  // Reducing the fraction (a gcd) costs with the square of its size.
  budget.tick(bitCost(bits));
  return Rational.of(num, den);
}

function cmpApprox(a: Val, b: Val): number {
  if (isExact(a) && isExact(b)) return a.exact.cmp(b.exact);
  const x = approx(a);
  const y = approx(b);
  if (Math.abs(x.x - y.x) <= (x.err + y.err) * 4) throw new Invalid('comparison too close to call');
  return x.x < y.x ? -1 : 1;
}

function floorVal(v: Val, mode: 'floor' | 'ceil' | 'round'): Val {
  if (isExact(v)) {
    const r = v.exact;
    if (mode === 'floor') return { exact: Rational.of(r.floor()) };
    if (mode === 'ceil') return { exact: Rational.of(r.ceil()) };
    return { exact: Rational.of(r.add(Rational.of(1n, 2n)).floor()) };
  }
  const t = mode === 'round' ? v.x + 0.5 : v.x;
  const f = Math.floor(t);
  const nearest = Math.round(t);
  if (Math.abs(t - nearest) <= v.err * 4 + Math.abs(t) * 4 * EPS) throw new Invalid('too close to an integer');
  if (!Number.isSafeInteger(f)) throw new Invalid('too large to round');
  return { exact: Rational.int(mode === 'ceil' ? Math.ceil(t) : f) };
}

type Env = ReadonlyMap<string, Rational>;

/** Whether a subtree has no variables (its value is the same at every sample point). */
const constantNodes = new WeakMap<Node, boolean>();

export function isConstantNode(n: Node): boolean {
  let c = constantNodes.get(n);
  if (c === undefined) constantNodes.set(n, (c = freeSymbols(n).size === 0));
  return c;
}

/**
 * The value of `n` at the point `env`. A constant subtree (`\sqrt{1+10^{-30}}`) is computed once per
 * check; taking it again is charged the steps its computation was charged, so that the budget
 * runs out at the same point as without the memo.
 */
export function evaluate(n: Node, env: Env, budget: Budget): Val {
  if (n.k !== 'op' || !isConstantNode(n)) return evaluateNode(n, env, budget);
  const known = budget.constants.get(n);
  if (known) {
    budget.tick(known.steps);
    return known.value;
  }
  const before = budget.spent;
  const value = evaluateNode(n, env, budget);
  budget.constants.set(n, { value, steps: budget.spent - before });
  return value;
}

function evaluateNode(n: Node, env: Env, budget: Budget): Val {
  budget.tick();
  if (n.k === 'num') return { exact: n.v };
  if (n.k === 'sym') {
    if (n.s === 'Pi') return { x: Math.PI, err: Math.PI * EPS };
    if (n.s === 'ExponentialE') return { x: Math.E, err: Math.E * EPS };
    if (SPECIAL.has(n.s)) throw new Unsupported(`${n.s} is not a number`);
    const v = env.get(n.s);
    if (!v) throw new Unsupported(`no value for ${n.s}`);
    return { exact: v };
  }
  return evaluateOp(n, env, budget);
}

/** Argument `i` of an operation, evaluated. */
function evalArg(n: Node & { k: 'op' }, i: number, env: Env, budget: Budget): Val {
  if (i >= n.a.length) throw new Unsupported(`${n.op} lacks an argument`);
  return evaluate(n.a[i], env, budget);
}

function evaluateOp(n: Node & { k: 'op' }, env: Env, budget: Budget): Val {
  switch (n.op) {
    case 'Add':
    case 'Subtract': {
      let acc: Val = evalArg(n, 0, env, budget);
      for (let i = 1; i < n.a.length; i++) {
        const t = evalArg(n, i, env, budget);
        const s = n.op === 'Subtract' ? -1 : 1;
        if (isExact(acc) && isExact(t))
          acc = exactOrBudget(s > 0 ? acc.exact.add(t.exact) : acc.exact.sub(t.exact), budget);
        else {
          const a = approx(acc);
          const b = approx(t);
          acc = mk(a.x + s * b.x, a.err + b.err);
        }
      }
      return acc;
    }
    case 'Negate': {
      const v = evalArg(n, 0, env, budget);
      return isExact(v) ? { exact: v.exact.neg() } : { x: -v.x, err: v.err };
    }
    case 'Multiply': {
      let acc: Val = evalArg(n, 0, env, budget);
      for (let i = 1; i < n.a.length; i++) {
        const t = evalArg(n, i, env, budget);
        if (isExact(acc) && isExact(t)) acc = exactOrBudget(acc.exact.mul(t.exact), budget);
        else {
          const a = approx(acc);
          const b = approx(t);
          acc = mk(a.x * b.x, Math.abs(a.x) * b.err + Math.abs(b.x) * a.err + a.err * b.err);
        }
      }
      return acc;
    }
    case 'Divide':
    case 'Rational': {
      const a = evalArg(n, 0, env, budget);
      const b = evalArg(n, 1, env, budget);
      if (isExact(a) && isExact(b)) {
        if (b.exact.isZero()) throw new Invalid('division by zero');
        return exactOrBudget(a.exact.div(b.exact), budget);
      }
      const x = approx(a);
      const y = approx(b);
      if (Math.abs(y.x) <= y.err * 4) throw new Invalid('division by (nearly) zero');
      const q = x.x / y.x;
      return mk(q, (x.err + Math.abs(q) * y.err) / (Math.abs(y.x) - y.err));
    }
    case 'Power':
      return power(evalArg(n, 0, env, budget), evalArg(n, 1, env, budget), budget);
    case 'Sqrt':
      return power(evalArg(n, 0, env, budget), { exact: Rational.of(1n, 2n) }, budget);
    case 'Root': {
      const k = evalArg(n, 1, env, budget);
      if (!isExact(k) || !k.exact.isInteger() || k.exact.n < 2n || k.exact.n > 64n) throw new Invalid('root index');
      return power(evalArg(n, 0, env, budget), { exact: Rational.of(1n, k.exact.n) }, budget);
    }
    case 'Exp':
      return power({ x: Math.E, err: Math.E * EPS }, evalArg(n, 0, env, budget), budget);
    case 'Ln':
      return log(evalArg(n, 0, env, budget), undefined);
    case 'Log':
      return log(evalArg(n, 0, env, budget), n.a.length > 1 ? evalArg(n, 1, env, budget) : { exact: Rational.int(10) });
    case 'Lb':
      return log(evalArg(n, 0, env, budget), { exact: Rational.int(2) });
    case 'Lg':
      return log(evalArg(n, 0, env, budget), { exact: Rational.int(10) });
    case 'Sin':
    case 'Cos':
    case 'Tan':
    case 'Cot':
    case 'Sec':
    case 'Csc':
    case 'Sinh':
    case 'Cosh':
    case 'Tanh': {
      const v0 = evalArg(n, 0, env, budget);
      const a = approx(v0);
      if (isExact(v0) && v0.exact.isZero()) {
        if (n.op === 'Sin' || n.op === 'Tan' || n.op === 'Sinh' || n.op === 'Tanh') return { exact: Rational.int(0) };
        if (n.op === 'Cos' || n.op === 'Sec' || n.op === 'Cosh') return { exact: Rational.int(1) };
      }
      if (Math.abs(a.x) > 1e6) throw new Invalid('argument too large');
      const s = Math.sin(a.x);
      const c = Math.cos(a.x);
      const errArg = a.err + Math.abs(a.x) * EPS;
      switch (n.op) {
        case 'Sin':
          return mk(s, errArg);
        case 'Cos':
          return mk(c, errArg);
        case 'Tan':
          if (Math.abs(c) <= errArg * 4) throw new Invalid('tan pole');
          return mk(s / c, errArg / (c * c - errArg));
        case 'Cot':
          if (Math.abs(s) <= errArg * 4) throw new Invalid('cot pole');
          return mk(c / s, errArg / (s * s - errArg));
        case 'Sec':
          if (Math.abs(c) <= errArg * 4) throw new Invalid('sec pole');
          return mk(1 / c, errArg / (c * c - errArg));
        case 'Csc':
          if (Math.abs(s) <= errArg * 4) throw new Invalid('csc pole');
          return mk(1 / s, errArg / (s * s - errArg));
        case 'Sinh':
          return mk(Math.sinh(a.x), Math.cosh(a.x) * errArg);
        case 'Cosh':
          return mk(Math.cosh(a.x), Math.abs(Math.sinh(a.x)) * errArg + Math.cosh(a.x) * EPS);
        default:
          return mk(Math.tanh(a.x), errArg);
      }
    }
    case 'Arcsin':
    case 'Arccos': {
      const a = approx(evalArg(n, 0, env, budget));
      if (Math.abs(a.x) + a.err >= 1) throw new Invalid('arcsin domain');
      const d = Math.sqrt(1 - (Math.abs(a.x) + a.err) ** 2);
      return mk(n.op === 'Arcsin' ? Math.asin(a.x) : Math.acos(a.x), a.err / d);
    }
    case 'Arctan': {
      const a = approx(evalArg(n, 0, env, budget));
      return mk(Math.atan(a.x), a.err);
    }
    case 'Degrees':
      // A degree sign is notation here: the caller guards against comparing degrees with radians.
      return evalArg(n, 0, env, budget);
    case 'Floor':
      return floorVal(evalArg(n, 0, env, budget), 'floor');
    case 'Ceil':
      return floorVal(evalArg(n, 0, env, budget), 'ceil');
    case 'Round':
      return floorVal(evalArg(n, 0, env, budget), 'round');
    case 'Abs': {
      const v = evalArg(n, 0, env, budget);
      if (isExact(v)) return { exact: v.exact.abs() };
      return { x: Math.abs(v.x), err: v.err };
    }
    case 'Factorial': {
      const k = asInteger(evalArg(n, 0, env, budget));
      if (k < 0n) throw new Invalid('factorial of a negative number');
      return exactOrBudget(factorial(k, 1n, budget), budget);
    }
    case 'Factorial2': {
      const k = asInteger(evalArg(n, 0, env, budget));
      if (k < -1n) throw new Invalid('double factorial of a negative number');
      return exactOrBudget(factorial(k, 2n, budget), budget);
    }
    case 'Binomial':
      return exactOrBudget(
        binomial(asInteger(evalArg(n, 0, env, budget)), asInteger(evalArg(n, 1, env, budget)), budget),
        budget,
      );
    case 'GCD':
    case 'LCM': {
      const xs = n.a.map((_, i) => asInteger(evalArg(n, i, env, budget)));
      let acc = xs[0] < 0n ? -xs[0] : xs[0];
      for (const x of xs.slice(1)) {
        const y = x < 0n ? -x : x;
        if (n.op === 'GCD') acc = gcdBig(acc, y);
        else acc = acc === 0n || y === 0n ? 0n : (acc / gcdBig(acc, y)) * y;
      }
      return exactOrBudget(Rational.of(acc), budget);
    }
    case 'Mod': {
      const a = asInteger(evalArg(n, 0, env, budget));
      const m = asInteger(evalArg(n, 1, env, budget));
      if (m === 0n) throw new Invalid('modulo zero');
      // a - m * floor(a / m): the result has the sign of m.
      return { exact: Rational.of(a - m * Rational.of(a, m).floor()) };
    }
    case 'Max':
    case 'Min': {
      if (n.a.length === 0) throw new Unsupported('empty max');
      let best = evalArg(n, 0, env, budget);
      for (let i = 1; i < n.a.length; i++) {
        const t = evalArg(n, i, env, budget);
        const c = cmpApprox(t, best);
        if ((n.op === 'Max' && c > 0) || (n.op === 'Min' && c < 0)) best = t;
      }
      return best;
    }
    default:
      throw new Unsupported(`cannot evaluate ${n.op}`);
  }
}

function gcdBig(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a < 0n ? -a : a;
}

// ---------------------------------------------------------------------------------------------
// Comparing two values

export type Cmp = 'eq' | 'ne' | 'unknown';

/**
 * Compares two values. Exact values compare exactly. A computed (inexact) value is declared equal
 * to another only when both are known to about 10 significant digits and agree to that precision,
 * and different only when they are apart by far more than their error bounds.
 */
export function compareValues(a: Val, b: Val): Cmp {
  if (isExact(a) && isExact(b)) return a.exact.equals(b.exact) ? 'eq' : 'ne';
  const x = approx(a);
  const y = approx(b);
  // An exact value too large for a double against a computed (finite) one: far apart.
  if (!Number.isFinite(x.x) || !Number.isFinite(y.x))
    return Number.isFinite(x.x) !== Number.isFinite(y.x) ? 'ne' : 'unknown';
  const diff = Math.abs(x.x - y.x);
  const scale = Math.max(1, Math.abs(x.x), Math.abs(y.x));
  const err = x.err + y.err;
  if (diff > 8 * err + 1e-9 * scale) return 'ne';
  if (diff <= 8 * err + 1e-12 * scale && err <= 1e-10 * scale) return 'eq';
  return 'unknown';
}
