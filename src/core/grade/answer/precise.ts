/**
 * Confirms, in arbitrary precision, an equality that double-precision evaluation only suggests.
 * Two values that agree to 12 digits are not thereby equal (√(10³⁰+1) and 10¹⁵ do), so before the
 * checker calls two inexact values equal, their difference is evaluated again with the BigDecimal
 * numbers of `@cortex-js/compute-engine` (arbitrary precision, with its elementary functions), at a
 * working precision that grows with the size of the numbers involved (a difference of 1/(2N)
 * hides behind N² otherwise).
 *
 * - The difference is exactly 0, or below the rounding noise of that precision: 'eq'.
 * - It is far above that noise: 'ne' (they agree to 12 digits, not to all).
 * - Anything else (an operation not evaluated here, a value that is not real): 'unknown', and the
 *   judge decides.
 *
 * The work is bounded by the precision (at most MAX_DIGITS digits) and by the size of the
 * expression, and every operation is charged to the check's step budget before it runs, by a cost
 * that grows with the square of the precision (far more for series such as sin or ln): whether a
 * comparison runs out of budget never depends on the machine. Until checker version 2 the whole
 * computer algebra system was used here, under a wall-clock limit; evaluating our own tree
 * directly is about twenty times faster and needs no time limit.
 */
import { Budget, evaluate, freeSymbols, isExact, Node, OverBudget, TooSlow, type Cmp, type Val } from './expr';
import { bitLength, Rational } from './rational';

type Env = ReadonlyMap<string, Rational>;

/** Digits kept beyond those the numbers need. */
const BASE_DIGITS = 80;
/** Above this working precision the check gives up (numbers of hundreds of digits). */
const MAX_DIGITS = 2000;
/** Integer-valued operations: evaluated exactly by `evaluate`, or not at all. */
const EXACT_OPS = new Set(['Factorial', 'Factorial2', 'Binomial', 'GCD', 'LCM', 'Mod']);

type BigClass = typeof import('./cas').BigDecimal;
type Big = InstanceType<BigClass>;

let bigClass: BigClass | undefined;

function Big(): BigClass {
  // Loaded on first use (from dist/cas.js in the bundles): most answers are decided without it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  bigClass ??= (require('./cas') as typeof import('./cas')).BigDecimal;
  return bigClass;
}

class NotExpressible extends Error {}

/**
 * Steps charged for one operation at `digits` digits, calibrated so that a step is of the order
 * of a microsecond: plain arithmetic, square roots, other roots, integer powers (by the number of
 * squarings) and series.
 */
function opSteps(kind: 'plain' | 'sqrt' | 'root' | 'series', digits: number, squarings = 0): number {
  const u = (digits / 100) ** 2;
  if (kind === 'series') return Math.ceil(500 + 60 * u);
  if (kind === 'root') return Math.ceil(1500 + 15 * u);
  if (kind === 'sqrt') return Math.ceil(100 + u / 2);
  return Math.ceil(2 + u / 10 + squarings * (10 + u));
}

function ratBig(r: Rational): Big {
  const B = Big();
  return r.d === 1n ? new B(r.n) : new B(r.n).div(new B(r.d));
}

function positive(x: Big): Big {
  if (!x.isPositive()) throw new NotExpressible('not positive');
  return x;
}

type OpNode = Node & { k: 'op' };

/** Argument `i` of an operation, at `digits` digits. */
function argBig(n: OpNode, i: number, env: Env, digits: number, budget: Budget): Big {
  if (i >= n.a.length) throw new NotExpressible(`${n.op} lacks an argument`);
  return bigEval(n.a[i], env, digits, budget);
}

/** Argument `i` of an operation, when `evaluate` finds it exact. */
function exactArg(n: OpNode, i: number, env: Env, budget: Budget): Rational | undefined {
  if (i >= n.a.length) throw new NotExpressible(`${n.op} lacks an argument`);
  const v = evaluate(n.a[i], env, budget);
  return isExact(v) ? v.exact : undefined;
}

/** Whether a subtree has no variables (its value is the same at every sample point). */
const constant = new WeakMap<Node, boolean>();

function isConstant(n: Node): boolean {
  let c = constant.get(n);
  if (c === undefined) constant.set(n, (c = freeSymbols(n).size === 0));
  return c;
}

/**
 * Values of constant subtrees already computed during one check (keyed by its budget), by
 * precision: `\sqrt{1+10^{-30}}` is the same at every sample point. A value taken from here is
 * charged the steps its computation was charged, so the budget runs out at the same point as
 * without the memo.
 */
const memos = new WeakMap<Budget, Map<Node, Map<number, { value: Big; steps: number }>>>();

/** Evaluates our expression tree at `digits` digits, charging each operation to the budget. */
function bigEval(n: Node, env: Env, digits: number, budget: Budget): Big {
  if (n.k === 'op' && isConstant(n)) {
    let memo = memos.get(budget);
    if (!memo) memos.set(budget, (memo = new Map()));
    let byDigits = memo.get(n);
    if (!byDigits) memo.set(n, (byDigits = new Map()));
    const known = byDigits.get(digits);
    if (known) {
      budget.tick(known.steps);
      return known.value;
    }
    const before = budget.spent;
    const value = bigEvalNode(n, env, digits, budget);
    byDigits.set(digits, { value, steps: budget.spent - before });
    return value;
  }
  return bigEvalNode(n, env, digits, budget);
}

function bigEvalNode(n: Node, env: Env, digits: number, budget: Budget): Big {
  const B = Big();
  if (n.k === 'num') {
    budget.tick(opSteps('plain', digits));
    return ratBig(n.v);
  }
  if (n.k === 'sym') {
    if (n.s === 'Pi') return B.PI;
    if (n.s === 'ExponentialE') {
      budget.tick(opSteps('series', digits));
      return B.ONE.exp();
    }
    const v = env.get(n.s);
    if (!v) throw new NotExpressible(n.s);
    return ratBig(v);
  }
  if (EXACT_OPS.has(n.op)) {
    // Integers only, as in `evaluate`: its exact value, or nothing.
    const v = evaluate(n, env, budget);
    if (!isExact(v)) throw new NotExpressible(n.op);
    return ratBig(v.exact);
  }
  return bigEvalOp(n, env, digits, budget);
}

function bigEvalOp(n: OpNode, env: Env, digits: number, budget: Budget): Big {
  const B = Big();
  const plain = opSteps('plain', digits);
  const series = opSteps('series', digits);
  switch (n.op) {
    case 'Degrees':
      // The degree sign is notation here, as in `evaluate`.
      return argBig(n, 0, env, digits, budget);
    case 'Add':
    case 'Subtract': {
      let acc = argBig(n, 0, env, digits, budget);
      for (let i = 1; i < n.a.length; i++) {
        const t = argBig(n, i, env, digits, budget);
        budget.tick(plain);
        acc = n.op === 'Add' ? acc.add(t) : acc.sub(t);
      }
      return acc;
    }
    case 'Negate':
      return argBig(n, 0, env, digits, budget).neg();
    case 'Multiply': {
      let acc = argBig(n, 0, env, digits, budget);
      for (let i = 1; i < n.a.length; i++) {
        const t = argBig(n, i, env, digits, budget);
        budget.tick(plain);
        // Products are exact in BigDecimal: round them, or a long product grows without bound.
        acc = acc.mul(t).toPrecision(digits + 10);
      }
      return acc;
    }
    case 'Divide':
    case 'Rational': {
      const x = argBig(n, 0, env, digits, budget);
      const y = argBig(n, 1, env, digits, budget);
      if (y.isZero()) throw new NotExpressible('division by zero');
      budget.tick(plain);
      return x.div(y);
    }
    case 'Power':
      return power(
        argBig(n, 0, env, digits, budget),
        exactArg(n, 1, env, budget),
        () => argBig(n, 1, env, digits, budget),
        digits,
        budget,
      );
    case 'Sqrt':
      return power(
        argBig(n, 0, env, digits, budget),
        Rational.of(1n, 2n),
        () => argBig(n, 1, env, digits, budget),
        digits,
        budget,
      );
    case 'Root': {
      const k = exactArg(n, 1, env, budget);
      if (!k || !k.isInteger() || k.n < 2n || k.n > 64n) throw new NotExpressible('root index');
      return power(
        argBig(n, 0, env, digits, budget),
        Rational.of(1n, k.n),
        () => argBig(n, 1, env, digits, budget),
        digits,
        budget,
      );
    }
    case 'Exp':
      budget.tick(series);
      return argBig(n, 0, env, digits, budget).exp();
    case 'Ln':
      budget.tick(series);
      return positive(argBig(n, 0, env, digits, budget)).ln();
    case 'Log': {
      const x = positive(argBig(n, 0, env, digits, budget));
      const base = n.a.length > 1 ? positive(argBig(n, 1, env, digits, budget)) : new B(10);
      budget.tick(series);
      budget.tick(series);
      const lb = base.ln();
      if (lb.isZero()) throw new NotExpressible('logarithm base 1');
      return x.ln().div(lb);
    }
    case 'Lb':
    case 'Lg': {
      const x = positive(argBig(n, 0, env, digits, budget));
      budget.tick(series);
      budget.tick(series);
      return x.ln().div(new B(n.op === 'Lb' ? 2 : 10).ln());
    }
    case 'Sin':
    case 'Cos':
    case 'Tan':
    case 'Sinh':
    case 'Cosh':
    case 'Tanh':
    case 'Arcsin':
    case 'Arccos':
    case 'Arctan': {
      const x = argBig(n, 0, env, digits, budget);
      budget.tick(series);
      const f = {
        Sin: 'sin',
        Cos: 'cos',
        Tan: 'tan',
        Sinh: 'sinh',
        Cosh: 'cosh',
        Tanh: 'tanh',
        Arcsin: 'asin',
        Arccos: 'acos',
        Arctan: 'atan',
      } as const;
      return x[f[n.op]]();
    }
    case 'Cot':
    case 'Sec':
    case 'Csc': {
      const x = argBig(n, 0, env, digits, budget);
      budget.tick(series);
      const d = n.op === 'Sec' ? x.cos() : n.op === 'Csc' ? x.sin() : x.tan();
      if (d.isZero()) throw new NotExpressible('pole');
      return B.ONE.div(d);
    }
    case 'Floor':
      budget.tick(plain);
      return argBig(n, 0, env, digits, budget).floor();
    case 'Ceil':
      budget.tick(plain);
      return argBig(n, 0, env, digits, budget).ceil();
    case 'Round':
      // As in `evaluate`: floor(x + 1/2).
      budget.tick(plain);
      return argBig(n, 0, env, digits, budget).add(B.HALF).floor();
    case 'Abs':
      return argBig(n, 0, env, digits, budget).abs();
    case 'Max':
    case 'Min': {
      if (n.a.length === 0) throw new NotExpressible('empty max');
      let best = argBig(n, 0, env, digits, budget);
      for (let i = 1; i < n.a.length; i++) {
        const t = argBig(n, i, env, digits, budget);
        budget.tick(plain);
        if (n.op === 'Max' ? t.gt(best) : t.lt(best)) best = t;
      }
      return best;
    }
    default:
      throw new NotExpressible(n.op);
  }
}

/**
 * `b` to the power `e` (`e` exact when known, else `inexact()` evaluates it): integer powers by
 * squaring, roots of small index (of a negative base too when the index is odd, as in
 * `evaluate`), any other power of a positive base through exp and ln.
 */
function power(b: Big, e: Rational | undefined, inexact: () => Big, digits: number, budget: Budget): Big {
  const B = Big();
  if (e?.isInteger()) {
    const k = e.n;
    if (k === 0n) return B.ONE;
    if (b.isZero()) {
      if (k < 0n) throw new NotExpressible('zero to a negative power');
      return B.ZERO;
    }
    const kAbs = k < 0n ? -k : k;
    if (kAbs > 1_000_000n) throw new NotExpressible('power too large');
    budget.tick(opSteps('plain', digits, Math.ceil(Math.log2(Number(kAbs) + 1))));
    const p = b.pow(Number(kAbs)).toPrecision(digits + 10);
    return k < 0n ? B.ONE.div(p) : p;
  }
  if (e && e.d <= 64n) {
    const q = Number(e.d);
    if (b.isNegative() && q % 2 === 0) throw new NotExpressible('even root of a negative number');
    if (b.isZero()) {
      if (e.sign() <= 0) throw new NotExpressible('zero to a non-positive power');
      return B.ZERO;
    }
    budget.tick(opSteps(q === 2 ? 'sqrt' : 'root', digits));
    const mag = q === 2 ? b.abs().sqrt() : b.abs().nthRoot(q);
    const r = power(mag, Rational.of(e.n), inexact, digits, budget);
    // An odd root of a negative number, raised to an odd power, stays negative.
    return b.isNegative() && e.n % 2n !== 0n ? r.neg() : r;
  }
  if (!b.isPositive()) throw new NotExpressible('power of a non-positive number');
  const x = e ? new B(e.n).div(new B(e.d)) : inexact();
  budget.tick(2 * opSteps('series', digits));
  return x.mul(b.ln()).exp();
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

/** log10 |x| of a BigDecimal (−Infinity for zero), or undefined when it is not a finite number. */
function log10Big(x: Big): number | undefined {
  if (x.isNaN() || !x.isFinite()) return undefined;
  if (x.isZero()) return -Infinity;
  const s = (x.significand < 0n ? -x.significand : x.significand).toString();
  const head = Math.min(17, s.length);
  return Math.log10(Number(s.slice(0, head))) + (s.length - head) + x.exponent;
}

/**
 * Decides whether two values that double precision found equal are equal. Exact values need no
 * check; an inexact one without its source cannot be checked ('unknown').
 */
export function confirmEqual(a: Val, b: Val): Cmp {
  if (isExact(a) && isExact(b)) return a.exact.equals(b.exact) ? 'eq' : 'ne';
  const budget = (isExact(a) ? undefined : a.src?.budget) ?? (isExact(b) ? undefined : b.src?.budget);
  if (!budget) return 'unknown';
  const spreadOf = (v: Val): number | undefined => {
    if (isExact(v)) return Math.abs(log10Abs(v));
    return v.src ? spread(v.src.node, v.src.env, budget) : undefined;
  };
  const sa = spreadOf(a);
  const sb = spreadOf(b);
  if (sa === undefined || sb === undefined) return 'unknown';
  const d = Math.max(sa, sb);
  const digits = Math.ceil(BASE_DIGITS + 2 * d);
  if (digits > MAX_DIGITS) return 'unknown';
  const B = Big();
  const saved = B.precision;
  let diff: number | undefined;
  try {
    B.precision = digits;
    const side = (v: Val): Big => {
      if (isExact(v)) return v.exact.d === 1n ? new B(v.exact.n) : new B(v.exact.n).div(new B(v.exact.d));
      return bigEval(v.src!.node, v.src!.env, digits, budget);
    };
    const x = side(a);
    const y = side(b);
    budget.tick(opSteps('plain', digits));
    diff = log10Big(x.sub(y));
  } catch (e) {
    if (e instanceof OverBudget || e instanceof TooSlow) throw e;
    // An operation not evaluated here, or a value that is not real.
    return 'unknown';
  } finally {
    B.precision = saved;
  }
  if (diff === undefined) return 'unknown';
  // Rounding noise sits about `digits` digits below the largest part (10^d): allow 20 digits of
  // it to accumulate; call the values different only well above that.
  if (diff <= d - digits + 20) return 'eq';
  if (diff > d - digits + 40) return 'ne';
  return 'unknown';
}
