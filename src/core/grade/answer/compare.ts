/**
 * Compares two parsed answers. Every rule here answers 'eq' or 'ne' only when that is certain
 * (exact arithmetic, floating point far outside its error bound, or an equality confirmed by
 * the computer algebra system in high precision) and 'unk' otherwise.
 */
import {
  Budget,
  type Cmp,
  compareValues,
  decimalPlaces,
  evaluate,
  fixLogBase,
  freeSymbols,
  hasOp,
  hasSymbol,
  Invalid,
  isExact,
  isPiecewise,
  needsIntegers,
  Node,
  OverBudget,
  sameTree,
  Unsupported,
  Val,
} from './expr';
import type { Ans, Bound, ExprAns, Label } from './parse';
import { confirmEqual } from './precise';
import { Rational } from './rational';

export type V = 'eq' | 'ne' | 'unk';
export interface R {
  v: V;
  why: string;
}

const eq = (why: string): R => ({ v: 'eq', why });
const ne = (why: string): R => ({ v: 'ne', why });
const unk = (why: string): R => ({ v: 'unk', why });

// ---------------------------------------------------------------------------------------------
// Expressions

/** A small deterministic generator (mulberry32) so that every run samples the same points. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Point = { env: Map<string, Rational>; cls: 'posint' | 'posfrac' | 'other' };

function samplePoints(vars: string[], dense: boolean): Point[] {
  const pts: Point[] = [];
  const rand = rng(0x5eed + vars.length * 7919);
  const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
  const add = (vals: Rational[]): void => {
    const env = new Map<string, Rational>();
    vars.forEach((v, i) => env.set(v, vals[i]));
    const cls = vals.every((r) => r.isInteger() && r.sign() > 0)
      ? 'posint'
      : vals.every((r) => r.sign() > 0)
        ? 'posfrac'
        : 'other';
    pts.push({ env, cls });
  };
  if (vars.length === 1) {
    const top = dense ? 150 : 30;
    for (let i = 1; i <= top; i++) add([Rational.int(i)]);
    for (let i = 0; i < 8; i++) add([Rational.int(int(top + 1, 600))]);
    for (const [p, q] of [
      [1, 2],
      [3, 2],
      [5, 3],
      [7, 4],
      [9, 5],
      [13, 7],
      [17, 3],
      [23, 6],
      [31, 10],
      [2, 7],
    ])
      add([Rational.of(BigInt(p), BigInt(q))]);
    for (const [p, q] of [
      [0, 1],
      [-1, 1],
      [-2, 1],
      [-3, 1],
      [-7, 2],
    ])
      add([Rational.of(BigInt(p), BigInt(q))]);
    // Small fractions, for expressions defined only on a short interval such as 4/(x√(4-x²)).
    for (let k = 1; k <= 20; k++) if (k % 7 !== 0) add([Rational.of(BigInt(k), 7n)]);
    for (let k = 1; k <= 6; k++) add([Rational.of(BigInt(-k), 5n)]);
  } else {
    const nInt = dense ? 120 : 30;
    for (let i = 0; i < nInt; i++) add(vars.map(() => Rational.int(int(1, 40))));
    for (let i = 0; i < 12; i++) add(vars.map(() => Rational.of(BigInt(int(1, 60)), BigInt(int(2, 9)))));
    for (let i = 0; i < 6; i++) add(vars.map(() => Rational.int(int(-9, 9))));
  }
  return pts;
}

function safeEval(n: Node, env: Map<string, Rational>, budget: Budget): Val | 'invalid' {
  try {
    const v = evaluate(n, env, budget);
    // An inexact value keeps its source, so that an equality can be confirmed in high precision.
    return isExact(v) ? v : { ...v, src: { node: n, env, budget } };
  } catch (e) {
    if (e instanceof Invalid) return 'invalid';
    if (e instanceof RangeError && !(e instanceof OverBudget)) return 'invalid';
    throw e;
  }
}

/**
 * compareValues, with every equality of inexact values confirmed by the computer algebra system
 * (agreeing to 12 digits is not being equal).
 */
function cmpVals(x: Val, y: Val): Cmp {
  const c = compareValues(x, y);
  return c === 'eq' && !(isExact(x) && isExact(y)) ? confirmEqual(x, y) : c;
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

/** Compares two expressions, by exact evaluation for constants and by sampling for variables. */
export function compareExpr(a0: Node, b0: Node, budget: Budget): R {
  if (sameTree(a0, b0)) return eq('the same expression');
  // `R(R+r)`: a letter that is also used as a variable is multiplied, not applied.
  const plain = new Set([...plainSymbols(a0), ...plainSymbols(b0)]);
  const a1 = resolveApplications(a0, plain);
  const b1 = resolveApplications(b0, plain);
  if (sameTree(a1, b1)) return eq('the same expression');
  if (hasOp(a1, (op) => op === 'LogNoBase') || hasOp(b1, (op) => op === 'LogNoBase')) {
    // Decide only what holds whether \log means log base 10 or the natural logarithm.
    const ten = compareExprResolved(fixLogBase(a1, 'ten'), fixLogBase(b1, 'ten'), budget);
    const nat = compareExprResolved(fixLogBase(a1, 'e'), fixLogBase(b1, 'e'), budget);
    if (ten.v === nat.v) return ten;
    return unk('the answer depends on the base of \\log');
  }
  return compareExprResolved(a1, b1, budget);
}

function compareExprResolved(a: Node, b: Node, budget: Budget): R {
  const va = freeSymbols(a);
  const vb = freeSymbols(b);
  if (!sameSet(va, vb))
    return unk(`the expressions use different variables ({${[...va].join(',')}} vs {${[...vb].join(',')}})`);
  try {
    if (va.size === 0) return compareConstants(a, b, budget);
    return compareBySampling(a, b, [...va].sort(), budget);
  } catch (e) {
    if (e instanceof Unsupported) return unk(`cannot evaluate: ${e.message}`);
    throw e;
  }
}

function plainSymbols(n: Node, out = new Set<string>()): Set<string> {
  if (n.k === 'sym') out.add(n.s);
  else if (n.k === 'op') n.a.forEach((c) => plainSymbols(c, out));
  return out;
}

function resolveApplications(n: Node, plain: Set<string>): Node {
  if (n.k !== 'op') return n;
  const args = n.a.map((c) => resolveApplications(c, plain));
  if (n.op.startsWith('Apply:') && args.length === 1) {
    const name = n.op.slice('Apply:'.length);
    if (plain.has(name)) return { k: 'op', op: 'Multiply', a: [{ k: 'sym', s: name }, args[0]] };
  }
  return { ...n, a: args };
}

function compareConstants(a: Node, b: Node, budget: Budget): R {
  const x = safeEval(a, new Map(), budget);
  const y = safeEval(b, new Map(), budget);
  if (x === 'invalid' || y === 'invalid') return unk('an expression has no real value');
  const c = cmpVals(x, y);
  // A decimal next to a fraction or radical may be a rounded value: equal-looking or near is not decisive.
  const da = decimalPlaces(a);
  const db = decimalPlaces(b);
  if (da !== db && (da > 0 || db > 0)) {
    const places = Math.max(da, db);
    const xv = isExact(x) ? x.exact.toNumber() : x.x;
    const yv = isExact(y) ? y.exact.toNumber() : y.x;
    const close = Math.abs(xv - yv) <= 0.5 * 10 ** -places * 1.0001 + 1e-12 * Math.max(1, Math.abs(xv));
    if (c === 'ne' && close) return unk('a decimal that may be a rounded value');
    if (c === 'eq' && !(isExact(x) && isExact(y))) return unk('a decimal approximation of an irrational value');
  }
  if (c === 'eq') return eq(isExact(x) && isExact(y) ? 'equal values (exact)' : 'equal values (in high precision)');
  if (c === 'ne') return ne(isExact(x) && isExact(y) ? 'different values (exact)' : 'different values');
  return unk('values too close to tell apart');
}

function num(v: Val): { x: number; err: number } {
  return isExact(v) ? { x: v.exact.toNumber(), err: 0 } : v;
}

/** True when all values are equal: exactly, or within their error bounds and to 1e-9 relative. */
function allSame(vals: Val[]): boolean {
  if (vals.every(isExact))
    return vals.every((v) => (v as { exact: Rational }).exact.equals((vals[0] as { exact: Rational }).exact));
  const first = num(vals[0]);
  return vals.every((v) => {
    const a = num(v);
    return (
      Math.abs(a.x - first.x) <= 4 * (a.err + first.err) + 1e-9 * Math.max(1, Math.abs(first.x)) &&
      a.err <= 1e-9 * Math.max(1, Math.abs(a.x))
    );
  });
}

function sub(x: Val, y: Val): Val {
  if (isExact(x) && isExact(y)) return { exact: x.exact.sub(y.exact) };
  const a = num(x);
  const b = num(y);
  return { x: a.x - b.x, err: a.err + b.err + Math.abs(a.x - b.x) * 2 ** -52 };
}

function div(x: Val, y: Val): Val | undefined {
  if (isExact(x) && isExact(y)) return y.exact.isZero() ? undefined : { exact: x.exact.div(y.exact) };
  const a = num(x);
  const b = num(y);
  if (Math.abs(b.x) <= 4 * b.err || b.x === 0) return undefined;
  const q = a.x / b.x;
  return { x: q, err: (a.err + Math.abs(q) * b.err) / (Math.abs(b.x) - b.err) + Math.abs(q) * 2 ** -52 };
}

function isZero(v: Val): boolean {
  return isExact(v) ? v.exact.isZero() : false;
}

function compareBySampling(a: Node, b: Node, vars: string[], budget: Budget): R {
  const piecewise = isPiecewise(a) || isPiecewise(b);
  const dense = piecewise || needsIntegers(a) || needsIntegers(b);
  const pts = samplePoints(vars, dense);
  let eqN = 0;
  let unkN = 0;
  const neBy = { posint: 0, posfrac: 0, other: 0 };
  const eqBy = { posint: 0, posfrac: 0, other: 0 };
  const diffs: Val[] = [];
  const ratios: Val[] = [];
  let ratioBroken = false;
  for (const p of pts) {
    // A sample point is a step of its own, besides the evaluation of both sides.
    budget.tick();
    const x = safeEval(a, p.env, budget);
    const y = safeEval(b, p.env, budget);
    if (x === 'invalid' || y === 'invalid') continue;
    const c = cmpVals(x, y);
    if (c === 'eq') {
      eqN++;
      eqBy[p.cls]++;
      // x = r·y still holds where both vanish.
      if (!(isZero(x) && isZero(y))) ratioBroken = true;
    } else if (c === 'ne') {
      neBy[p.cls]++;
      diffs.push(sub(x, y));
      const r = div(x, y);
      if (r) ratios.push(r);
      else ratioBroken = true;
    } else unkN++;
  }
  const neN = neBy.posint + neBy.posfrac + neBy.other;
  const minEq = vars.length === 1 ? 12 : 16;
  if (neN === 0) {
    // Piecewise and integer-only expressions must also agree on enough positive integers.
    if (eqN >= minEq && (eqBy.posint >= 5 || !dense) && unkN * 4 <= eqN) return eq(`equal at ${eqN} sample points`);
    return unk(`too few comparable sample points (${eqN} equal, ${unkN} unclear)`);
  }
  if (neBy.posint === 0) return unk('equal at every positive integer sampled, different elsewhere (domain?)');
  // A constant non-zero difference, or a constant ratio other than 1, holds on any domain.
  if (neN >= 6 && unkN === 0) {
    if (eqN === 0 && allSame(diffs)) return ne('the expressions differ by a constant');
    if (!ratioBroken && ratios.length === neN && allSame(ratios))
      return ne('the expressions differ by a constant factor');
  }
  const validPosint = neBy.posint + eqBy.posint;
  const share = piecewise ? 0.95 : 0.8;
  // (Not for i and e, which may be the imaginary unit or Euler's number in disguise.)
  if (vars.length === 1 && !['i', 'e'].includes(vars[0]) && validPosint >= 5 && neBy.posint >= share * validPosint) {
    return ne(`different at ${neBy.posint} of ${validPosint} positive integers`);
  }
  return unk(`equal at ${eqN} sample points and different at ${neN}`);
}

function containsPi(n: Node): boolean {
  return hasSymbol(n, 'Pi');
}

function compareExprAns(c: ExprAns, g: ExprAns, budget: Budget): R {
  const r = compareExpr(c.node, g.node, budget);
  if (r.v !== 'ne') return r;
  const degrees = (a: ExprAns): boolean => !!a.degrees || hasOp(a.node, (op) => op === 'Degrees');
  if ((degrees(c) || degrees(g)) && (containsPi(c.node) || containsPi(g.node)))
    return unk(`${r.why}; degrees against radians`);
  if ((c.unit || g.unit) && c.unit !== g.unit) return unk(`${r.why}; units differ or are missing`);
  if (!!c.percent !== !!g.percent) return unk(`${r.why}; one side is a percentage`);
  if (c.ambiguousComma || g.ambiguousComma) return unk(`${r.why}; a comma may be a thousands separator`);
  if (containsPi(c.node) !== containsPi(g.node))
    return unk(`${r.why}; one side may be in radians, the other in degrees`);
  return r;
}

// ---------------------------------------------------------------------------------------------
// Regions of the real line: intervals, unions, inequalities, finite sets of values

type End = { v: Val } | { inf: -1 | 1 };
interface Piece {
  lo: End;
  hi: End;
  loC: boolean;
  hiC: boolean;
}

class Unclear extends Error {}

function constVal(n: Node, budget: Budget): Val {
  if (freeSymbols(n).size > 0) throw new Unclear('a bound depends on a variable');
  const v = safeEval(n, new Map(), budget);
  if (v === 'invalid') throw new Unclear('a bound has no value');
  return v;
}

function cmpEnd(a: End, b: End): number {
  if ('inf' in a || 'inf' in b) {
    const x = 'inf' in a ? a.inf : 0;
    const y = 'inf' in b ? b.inf : 0;
    if (x !== y) return x < y ? -1 : 1;
    if (x !== 0) return 0;
  }
  const va = (a as { v: Val }).v;
  const vb = (b as { v: Val }).v;
  const c = cmpVals(va, vb);
  if (c === 'eq') return 0;
  if (c === 'unknown') throw new Unclear('bounds too close to compare');
  if (isExact(va) && isExact(vb)) return va.exact.cmp(vb.exact);
  const x = isExact(va) ? va.exact.toNumber() : va.x;
  const y = isExact(vb) ? vb.exact.toNumber() : vb.x;
  return x < y ? -1 : 1;
}

function endOf(b: Bound, budget: Budget): End {
  return 'inf' in b ? { inf: b.inf } : { v: constVal(b.node, budget) };
}

const REGIONISH = new Set(['interval', 'union', 'rel']);

function isRegionish(a: Ans): boolean {
  if (REGIONISH.has(a.t)) return a.t !== 'rel' || !a.ops.includes('=');
  if (a.t === 'labeled') return isRegionish(a.value);
  if (a.t === 'list' && (a.kind === 'bare' || a.kind === 'set')) return a.items.some(isRegionish);
  return false;
}

function relRegion(terms: Node[], ops: string[], budget: Budget): Piece[] {
  const isVar = terms.map((t) => t.k === 'sym' && freeSymbols(t).size === 1);
  const varIdx = isVar.map((v, i) => (v ? i : -1)).filter((i) => i >= 0);
  if (varIdx.length !== 1) throw new Unclear('not a condition on one variable');
  const vi = varIdx[0];
  let piece: Piece = { lo: { inf: -1 }, hi: { inf: 1 }, loC: false, hiC: false };
  const out: Piece[] = [];
  let notEqual: End | undefined;
  for (let i = 0; i < ops.length; i++) {
    if (i !== vi && i + 1 !== vi) throw new Unclear('a chain that does not involve the variable');
    const otherIdx = i === vi ? i + 1 : i;
    const bound: End = { v: constVal(terms[otherIdx], budget) };
    // Orient as "var OP bound".
    let op = ops[i];
    if (i + 1 === vi) op = op === '<' ? '>' : op === '>' ? '<' : op === '\\le' ? '\\ge' : op === '\\ge' ? '\\le' : op;
    const tighten = (side: 'lo' | 'hi', e: End, closed: boolean): void => {
      if (side === 'lo') {
        const c = cmpEnd(e, piece.lo);
        if (c > 0 || (c === 0 && !closed)) piece = { ...piece, lo: e, loC: closed };
      } else {
        const c = cmpEnd(e, piece.hi);
        if (c < 0 || (c === 0 && !closed)) piece = { ...piece, hi: e, hiC: closed };
      }
    };
    if (op === '<') tighten('hi', bound, false);
    else if (op === '\\le') tighten('hi', bound, true);
    else if (op === '>') tighten('lo', bound, false);
    else if (op === '\\ge') tighten('lo', bound, true);
    else if (op === '=') {
      tighten('lo', bound, true);
      tighten('hi', bound, true);
    } else if (op === '\\ne') notEqual = bound;
    else throw new Unclear(`relation ${op}`);
  }
  if (notEqual) {
    if (ops.length !== 1) throw new Unclear('≠ inside a chain');
    out.push(
      { lo: { inf: -1 }, hi: notEqual, loC: false, hiC: false },
      { lo: notEqual, hi: { inf: 1 }, loC: false, hiC: false },
    );
    return out;
  }
  return [piece];
}

function toRegion(a: Ans, budget: Budget): Piece[] {
  switch (a.t) {
    case 'empty':
      return [];
    case 'interval':
      return [{ lo: endOf(a.lo, budget), hi: endOf(a.hi, budget), loC: a.lo.closed, hiC: a.hi.closed }];
    case 'union':
      return a.parts.flatMap((p) => toRegion(p, budget));
    case 'rel':
      return relRegion(a.terms, a.ops, budget);
    case 'labeled':
      if (a.label.kind !== 'symbol') throw new Unclear('labelled by a function or tuple');
      return toRegion(a.value, budget);
    case 'expr': {
      if (a.unit || a.degrees || a.percent) throw new Unclear('a value with a unit');
      const v: End = { v: constVal(a.node, budget) };
      return [{ lo: v, hi: v, loC: true, hiC: true }];
    }
    case 'list':
      if (a.ellipsis) throw new Unclear('a list with an ellipsis');
      if (a.kind === 'tuple') {
        if (a.items.length !== 2) throw new Unclear('a tuple');
        const [x, y] = a.items;
        if (x.t !== 'expr' || y.t !== 'expr') throw new Unclear('a tuple');
        return [
          {
            lo: { v: constVal(x.node, budget) },
            hi: { v: constVal(y.node, budget) },
            loC: a.open === '[',
            hiC: a.close === ']',
          },
        ];
      }
      return listRegion(a, budget);
    default:
      throw new Unclear(`not a set of numbers (${a.t})`);
  }
}

/**
 * A list of conditions or values is read as their union ("n = 1, n ≥ 3") when joined by "or" or
 * when the pieces are disjoint; overlapping pieces joined by commas or "and" ("x > 1, x < 2") may
 * mean all conditions at once, so they are not read at all.
 */
function listRegion(a: Ans & { t: 'list' }, budget: Budget): Piece[] {
  const parts = a.items.map((i) => canonical(toRegion(i, budget)));
  if (a.seps.length > 0 && a.seps.every((s) => s === 'or')) return parts.flat();
  for (let i = 0; i < parts.length; i++) {
    for (let j = i + 1; j < parts.length; j++) {
      if (overlaps(parts[i], parts[j])) throw new Unclear('overlapping conditions: union or intersection?');
    }
  }
  return parts.flat();
}

function overlaps(a: Piece[], b: Piece[]): boolean {
  const merged = canonical([...a, ...b]);
  const count = (ps: Piece[]): number => ps.length;
  // Disjoint pieces that do not touch stay separate after merging.
  return (
    count(merged) < count(a) + count(b) ||
    a.some((p) => b.some((q) => cmpEnd(p.lo, q.hi) === 0 || cmpEnd(q.lo, p.hi) === 0))
  );
}

/** Sorted, disjoint, non-empty pieces. */
function canonical(pieces: Piece[]): Piece[] {
  const nonEmpty = pieces.filter((p) => {
    const c = cmpEnd(p.lo, p.hi);
    return c < 0 || (c === 0 && p.loC && p.hiC && !('inf' in p.lo));
  });
  nonEmpty.sort((p, q) => cmpEnd(p.lo, q.lo) || (p.loC === q.loC ? 0 : p.loC ? -1 : 1));
  const out: Piece[] = [];
  for (const p of nonEmpty) {
    const last = out[out.length - 1];
    if (last) {
      const c = cmpEnd(p.lo, last.hi);
      if (c < 0 || (c === 0 && (p.loC || last.hiC))) {
        const h = cmpEnd(p.hi, last.hi);
        if (h > 0) out[out.length - 1] = { ...last, hi: p.hi, hiC: p.hiC };
        else if (h === 0 && p.hiC) out[out.length - 1] = { ...last, hiC: true };
        continue;
      }
    }
    out.push({ ...p });
  }
  return out;
}

function samePieces(a: Piece[], b: Piece[]): boolean {
  return (
    a.length === b.length &&
    a.every((p, i) => {
      const q = b[i];
      return (
        cmpEnd(p.lo, q.lo) === 0 &&
        cmpEnd(p.hi, q.hi) === 0 &&
        ('inf' in p.lo || p.loC === q.loC) &&
        ('inf' in p.hi || p.hiC === q.hiC)
      );
    })
  );
}

type IntEnd = bigint | -1 | 1;
/** The integers in each piece, as [first, last] with ±1 standing for ∓∞/±∞ when unbounded. */
function integerRanges(pieces: Piece[]): Array<[bigint | null, bigint | null]> {
  const firstInt = (e: End, closed: boolean, side: 'lo' | 'hi'): IntEnd => {
    if ('inf' in e) return e.inf;
    const v = e.v;
    let r: Rational;
    if (isExact(v)) r = v.exact;
    else {
      const near = Math.round(v.x);
      if (Math.abs(v.x - near) <= v.err * 8 + 1e-9) throw new Unclear('a bound too close to an integer');
      r = Rational.int(side === 'lo' ? Math.ceil(v.x) : Math.floor(v.x));
      return r.n;
    }
    if (side === 'lo') return r.isInteger() ? (closed ? r.n : r.n + 1n) : r.ceil();
    return r.isInteger() ? (closed ? r.n : r.n - 1n) : r.floor();
  };
  const out: Array<[bigint | null, bigint | null]> = [];
  for (const p of pieces) {
    const lo = firstInt(p.lo, p.loC, 'lo');
    const hi = firstInt(p.hi, p.hiC, 'hi');
    const loB = typeof lo === 'bigint' ? lo : null;
    const hiB = typeof hi === 'bigint' ? hi : null;
    if (loB !== null && hiB !== null && loB > hiB) continue;
    const last = out[out.length - 1];
    if (last && last[1] !== null && loB !== null && loB <= last[1] + 1n) {
      if (hiB === null || hiB > last[1]) last[1] = hiB;
      continue;
    }
    if (last && last[1] === null) continue;
    out.push([loB, hiB]);
  }
  return out;
}

function hasFractionalBound(pieces: Piece[]): boolean {
  return pieces.some((p) =>
    [p.lo, p.hi].some((e) => {
      if ('inf' in e) return false;
      return isExact(e.v) ? !e.v.exact.isInteger() : true;
    }),
  );
}

/** The part of each piece inside `p` (pieces are canonical and p is a single interval). */
function intersect(pieces: Piece[], p: Piece): Piece[] {
  const out: Piece[] = [];
  for (const q of pieces) {
    const lc = cmpEnd(q.lo, p.lo);
    const lo = lc > 0 || (lc === 0 && !q.loC) ? { e: q.lo, c: q.loC } : { e: p.lo, c: p.loC };
    const hc = cmpEnd(q.hi, p.hi);
    const hi = hc < 0 || (hc === 0 && !q.hiC) ? { e: q.hi, c: q.hiC } : { e: p.hi, c: p.hiC };
    out.push({ lo: lo.e, hi: hi.e, loC: lo.c, hiC: hi.c });
  }
  return canonical(out);
}

/** Names of the variables that conditions speak of (`n` in `n = 1, n ≥ 3`). */
function regionVars(a: Ans, out = new Set<string>()): Set<string> {
  if (a.t === 'rel') a.terms.forEach((t) => t.k === 'sym' && out.add(t.s));
  else if (a.t === 'labeled' && a.label.kind === 'symbol') out.add(a.label.name);
  else if (a.t === 'list') a.items.forEach((i) => regionVars(i, out));
  else if (a.t === 'union') a.parts.forEach((i) => regionVars(i, out));
  return out;
}

function compareRegions(c: Ans, g: Ans, budget: Budget): R {
  const vc = regionVars(c);
  const vg = regionVars(g);
  if (vc.size > 0 && vg.size > 0 && !sameSet(vc, vg))
    return unk(`conditions on different variables ({${[...vc].join(',')}} vs {${[...vg].join(',')}})`);
  try {
    const rc = canonical(toRegion(c, budget));
    const rg = canonical(toRegion(g, budget));
    if (samePieces(rc, rg)) return eq('the same set of real numbers');
    const ic = integerRanges(rc);
    const ig = integerRanges(rg);
    const sameRanges = (x: Array<[bigint | null, bigint | null]>, y: Array<[bigint | null, bigint | null]>): boolean =>
      x.length === y.length && x.every((r, i) => r[0] === y[i][0] && r[1] === y[i][1]);
    const positive: Piece = { lo: { v: { exact: Rational.int(1) } }, hi: { inf: 1 }, loC: true, hiC: false };
    // Over the positive integers too, when the expected answer has any (n = 1, n ≥ 3 against n ≠ 2).
    const pg = integerRanges(intersect(rg, positive));
    const sameInts = sameRanges(ic, ig) || (pg.length > 0 && sameRanges(integerRanges(intersect(rc, positive)), pg));
    if (sameInts) {
      // A non-integer bound in the expected answer shows that it speaks of real numbers.
      if (hasFractionalBound(rg)) return ne('different sets of real numbers');
      return unk('different sets of reals but the same integers (or positive integers)');
    }
    return ne('different sets, both over the reals and over the integers');
  } catch (e) {
    if (e instanceof Unclear) return unk(e.message);
    if (e instanceof Unsupported) return unk(`cannot evaluate: ${e.message}`);
    throw e;
  }
}

/** `3a^2 - b^2 = 3` against `b^2 = 3a^2 - 3`: the differences of the sides are proportional. */
function compareEquations(c: Ans & { t: 'rel' }, g: Ans & { t: 'rel' }, budget: Budget): R {
  if (c.ops.length !== 1 || g.ops.length !== 1 || c.ops[0] !== '=' || g.ops[0] !== '=')
    return unk('relations of different shapes');
  const fc: Node = { k: 'op', op: 'Subtract', a: [c.terms[0], c.terms[1]] };
  const fg: Node = { k: 'op', op: 'Subtract', a: [g.terms[0], g.terms[1]] };
  const vars = freeSymbols(fc);
  if (!sameSet(vars, freeSymbols(fg)) || vars.size === 0) return unk('equations in different variables');
  let ratio: Rational | undefined;
  let n = 0;
  try {
    for (const p of samplePoints([...vars].sort(), false)) {
      const x = safeEval(fc, p.env, budget);
      const y = safeEval(fg, p.env, budget);
      if (x === 'invalid' || y === 'invalid') continue;
      if (!isExact(x) || !isExact(y)) return unk('equations with inexact values');
      if (y.exact.isZero() || x.exact.isZero()) {
        if (y.exact.isZero() !== x.exact.isZero()) return unk('equations not proportional');
        continue;
      }
      const r = x.exact.div(y.exact);
      if (ratio && !ratio.equals(r)) return unk('equations not proportional');
      ratio = r;
      n++;
    }
  } catch (e) {
    if (e instanceof Unsupported) return unk(`cannot evaluate: ${e.message}`);
    throw e;
  }
  return ratio && n >= 12 ? eq('equivalent equations (proportional)') : unk('too few sample points');
}

// ---------------------------------------------------------------------------------------------
// Lists

type ListAns = Ans & { t: 'list' };

function asList(a: Ans): ListAns {
  return a.t === 'list' ? a : { t: 'list', kind: 'bare', items: [a], ellipsis: false, seps: [] };
}

/** Items that stand for one value each (so that a missing one proves two collections differ). */
function isAtomic(a: Ans): boolean {
  if (a.t === 'expr') return true;
  if (a.t === 'list' && a.kind === 'tuple') return a.items.every(isAtomic);
  return false;
}

function isConstant(a: Ans): boolean {
  if (a.t === 'expr') return freeSymbols(a.node).size === 0;
  if (a.t === 'list') return a.items.every(isConstant);
  return false;
}

function compareOrdered(c: Ans[], g: Ans[], budget: Budget): R {
  if (c.length !== g.length) return ne(`${c.length} entries instead of ${g.length}`);
  let allEq = true;
  for (let i = 0; i < c.length; i++) {
    const r = compareAns(c[i], g[i], budget);
    if (r.v === 'ne') return ne(`entry ${i + 1} differs: ${r.why}`);
    if (r.v !== 'eq') allEq = false;
  }
  return allEq ? eq('the same entries in the same order') : unk('some entries could not be compared');
}

/** Collections longer than this are not compared element by element. */
const MAX_ITEMS = 200;

function nodeKey(n: Node): string {
  if (n.k === 'num') return n.v.toString();
  if (n.k === 'sym') return `$${n.s}`;
  return `${n.op}(${n.a.map(nodeKey).join(',')})`;
}

/** A structural key for cheap matching of identical items (undefined when not worth it). */
function ansKey(a: Ans): string | undefined {
  if (a.t === 'expr') return a.unit || a.degrees || a.percent || a.ambiguousComma ? undefined : nodeKey(a.node);
  if (a.t === 'labeled') {
    const v = ansKey(a.value);
    return v === undefined ? undefined : `${a.label.src}=${v}`;
  }
  if (a.t === 'list' && a.kind === 'tuple') {
    const ks = a.items.map(ansKey);
    return ks.every((k) => k !== undefined) ? `(${ks.join(',')})` : undefined;
  }
  return undefined;
}

function compareUnordered(c: Ans[], g: Ans[], budget: Budget): R {
  if (c.length > MAX_ITEMS || g.length > MAX_ITEMS) return unk('collections too long to compare');
  // Quick path: the same items, written identically, in another order.
  const kc = c.map(ansKey);
  const kg = g.map(ansKey);
  if (kc.every((k) => k !== undefined) && kg.every((k) => k !== undefined)) {
    const sc = new Set(kc);
    const sg = new Set(kg);
    if (sc.size === sg.size && [...sc].every((k) => sg.has(k))) return eq('the same collection of values');
  }
  const m = c.map((x) => g.map((y) => compareAns(x, y, budget).v));
  const everyC = m.every((row) => row.includes('eq'));
  const everyG = g.every((_, j) => m.some((row) => row[j] === 'eq'));
  if (everyC && everyG) return eq('the same collection of values');
  const atomic = c.every(isAtomic) && g.every(isAtomic);
  if (atomic) {
    const lonelyC = m.findIndex((row) => row.every((v) => v === 'ne'));
    if (lonelyC >= 0) return ne(`value ${lonelyC + 1} of the candidate is not among the expected values`);
    const lonelyG = g.findIndex((_, j) => m.every((row) => row[j] === 'ne'));
    if (lonelyG >= 0) return ne(`expected value ${lonelyG + 1} is missing`);
  }
  return unk('collections not decidably equal');
}

function compareLists(c: ListAns, g: ListAns, budget: Budget): R {
  if (c.ellipsis || g.ellipsis) {
    if (c.ellipsis !== g.ellipsis) return unk('a list with an ellipsis');
    const r = compareOrdered(c.items, g.items, budget);
    return r.v === 'eq' ? r : unk('lists with an ellipsis');
  }
  const ct = c.kind === 'tuple';
  const gt = g.kind === 'tuple';
  if (ct && gt) {
    const r = compareOrdered(c.items, g.items, budget);
    const bracketsDiffer = c.open !== g.open || c.close !== g.close;
    if (bracketsDiffer && c.items.length === 2 && g.items.length === 2 && r.v === 'eq')
      return unk('(a,b) and [a,b] may be intervals');
    return r;
  }
  if (!ct && !gt) return compareUnordered(c.items, g.items, budget);
  // One ordered tuple, one collection.
  const tuple = ct ? c : g;
  const coll = ct ? g : c;
  if (coll.items.length > 0 && coll.items.every((i) => i.t === 'list' && i.kind === 'tuple')) {
    // A collection of tuples against one tuple: the tuple is the only solution.
    return ct ? compareUnordered([c], g.items, budget) : compareUnordered(c.items, [g], budget);
  }
  if (coll.items.length === 1 && tuple.items.length >= 2) {
    const only = coll.items[0];
    if (isConstant(only) && only.t === 'expr') return ne('a single value where several are expected (or the reverse)');
    return unk('a single value against a tuple');
  }
  const ordered = compareOrdered(c.items, g.items, budget);
  if (ordered.v === 'eq' && tuple.items.length >= 3) return eq('the same values in the same order');
  if (ordered.v === 'eq') return unk('a pair in parentheses may be an interval');
  const unordered = compareUnordered(c.items, g.items, budget);
  if (unordered.v === 'ne' && c.items.every(isConstant) && g.items.every(isConstant)) return unordered;
  return unk('a tuple against a collection');
}

// ---------------------------------------------------------------------------------------------
// Labels

function renameSymbols(n: Node, map: Map<string, string>): Node {
  if (n.k === 'sym') return map.has(n.s) ? { k: 'sym', s: map.get(n.s)! } : n;
  if (n.k === 'op') return { ...n, a: n.a.map((c) => renameSymbols(c, map)) };
  return n;
}

function renameAns(a: Ans, map: Map<string, string>): Ans {
  switch (a.t) {
    case 'expr':
      return { ...a, node: renameSymbols(a.node, map) };
    case 'list':
      return { ...a, items: a.items.map((i) => renameAns(i, map)) };
    case 'union':
      return { ...a, parts: a.parts.map((i) => renameAns(i, map)) };
    case 'rel':
      return { ...a, terms: a.terms.map((t) => renameSymbols(t, map)) };
    case 'labeled':
      return { ...a, value: renameAns(a.value, map) };
    default:
      return a;
  }
}

function compareLabeled(c: Ans & { t: 'labeled' }, g: Ans & { t: 'labeled' }, budget: Budget): R {
  const lc: Label = c.label;
  const lg: Label = g.label;
  let cv = c.value;
  if (budget.strictLabels && lc.src !== lg.src) return unk('different labels inside a sentence');
  // The name matters (P and Q may be two different functions of one answer); argument names do not.
  if (lc.kind !== lg.kind || lc.name !== lg.name || lc.params.length !== lg.params.length) {
    const r = compareAns(cv, g.value, budget);
    return r.v === 'eq'
      ? unk(`equal values under different labels (${lc.src}, ${lg.src})`)
      : r.v === 'ne' && lc.kind === lg.kind
        ? r
        : unk(`different labels; ${r.why}`);
  }
  if (lc.kind === 'function' && lg.kind === 'function') {
    if (lc.params.length !== lg.params.length) return unk('functions of different arities');
    // The argument names of a function are placeholders: rename the candidate's to the expected ones.
    const map = new Map<string, string>();
    lc.params.forEach((p, i) => {
      if (p !== lg.params[i]) map.set(p, lg.params[i]);
    });
    if (map.size) {
      const clash = [...map.values()].some((to) => !lc.params.includes(to) && hasFree(cv, to));
      if (clash) return unk('renaming the function argument would capture a variable');
      cv = renameAns(cv, map);
    }
  } else if (lc.kind === 'tuple' && lc.src !== lg.src) return unk('different tuple labels');
  return compareAns(cv, g.value, budget);
}

function hasFree(a: Ans, s: string): boolean {
  switch (a.t) {
    case 'expr':
      return freeSymbols(a.node).has(s);
    case 'list':
      return a.items.some((i) => hasFree(i, s));
    case 'union':
      return a.parts.some((i) => hasFree(i, s));
    case 'rel':
      return a.terms.some((t) => freeSymbols(t).has(s));
    case 'labeled':
      return hasFree(a.value, s);
    default:
      return false;
  }
}

/** Several labelled values with different labels, such as `a = 1, b = 2`. */
function asRecord(a: Ans): Map<string, Ans> | undefined {
  if (a.t !== 'list' || a.kind === 'tuple') return undefined;
  if (!a.items.every((i) => i.t === 'labeled' && i.label.kind === 'symbol')) return undefined;
  const m = new Map<string, Ans>();
  for (const i of a.items as Array<Ans & { t: 'labeled' }>) {
    if (m.has(i.label.src)) return undefined;
    m.set(i.label.src, i.value);
  }
  return m.size >= 2 ? m : undefined;
}

// ---------------------------------------------------------------------------------------------
// Entry

function hasValues(a: Ans): boolean {
  if (a.t === 'expr' || a.t === 'interval') return true;
  if (a.t === 'labeled') return hasValues(a.value);
  if (a.t === 'list')
    return a.items.length > 0 && a.items.every((i) => i.t === 'expr' || i.t === 'list' || i.t === 'labeled');
  return false;
}

function hasAmbiguousComma(a: Ans): boolean {
  if (a.t === 'expr') return !!a.ambiguousComma;
  if (a.t === 'labeled') return hasAmbiguousComma(a.value);
  return false;
}

export function compareAns(c: Ans, g: Ans, budget: Budget): R {
  const r = compareAnsInner(c, g, budget);
  if (r.v === 'ne' && (hasAmbiguousComma(c) || hasAmbiguousComma(g)))
    return unk(`${r.why}; a comma may be a thousands separator`);
  return r;
}

function compareAnsInner(c: Ans, g: Ans, budget: Budget): R {
  budget.tick();
  if (c.t === 'opaque') return unk(`cannot read the candidate (${c.why})`);
  if (g.t === 'opaque') return unk(`cannot read the expected answer (${g.why})`);
  if (c.t === 'empty' || g.t === 'empty') {
    if (c.t === g.t) return eq('both say there is no solution');
    const other = c.t === 'empty' ? g : c;
    if (hasValues(other)) return ne('one side says there is no solution, the other gives values');
    return unk('"no solution" against an answer that is not a plain value');
  }
  if (c.t === 'mixed' || g.t === 'mixed' || c.t === 'text' || g.t === 'text') return compareText(c, g, budget);

  const rc = asRecord(c);
  const rg = asRecord(g);
  if (rc && rg) {
    if (rc.size !== rg.size || ![...rc.keys()].every((k) => rg.has(k))) return unk('different named values');
    let all = true;
    for (const [k, v] of rg) {
      const r = compareAns(rc.get(k)!, v, budget);
      if (r.v === 'ne') return ne(`${k} differs: ${r.why}`);
      if (r.v !== 'eq') all = false;
    }
    return all ? eq('the same named values') : unk('some named values could not be compared');
  }
  if (rc || rg) return unk('named values against unnamed ones');

  if (c.t === 'labeled' && g.t === 'labeled') return compareLabeled(c, g, budget);
  if (isRegionish(c) || isRegionish(g)) return compareRegions(c, g, budget);
  if (c.t === 'labeled') return compareAns(c.value, g, budget);
  if (g.t === 'labeled') return compareAns(c, g.value, budget);

  if (c.t === 'rel' && g.t === 'rel') return compareEquations(c, g, budget);
  if (c.t === 'expr' && g.t === 'expr') return compareExprAns(c, g, budget);
  if (c.t === 'list' || g.t === 'list') {
    if ((c.t !== 'list' && c.t !== 'expr') || (g.t !== 'list' && g.t !== 'expr'))
      return unk(`a ${c.t} against a ${g.t}`);
    return compareLists(asList(c), asList(g), budget);
  }
  return unk(`a ${c.t} against a ${g.t}`);
}

function compareText(c: Ans, g: Ans, budget: Budget): R {
  if (c.t === 'mixed' && g.t === 'mixed') {
    if (c.text === g.text) return eq('the same text');
    if (c.parts.length !== g.parts.length) return unk('text answers that differ');
    let all = true;
    for (let i = 0; i < c.parts.length; i++) {
      const p = c.parts[i];
      const q = g.parts[i];
      if ('text' in p && 'text' in q) {
        if (p.text.toLowerCase() !== q.text.toLowerCase()) return unk('text answers that differ');
      } else if ('math' in p && 'math' in q) {
        budget.strictLabels = true;
        let r: R;
        try {
          r = compareAns(p.math, q.math, budget);
        } finally {
          budget.strictLabels = false;
        }
        if (r.v !== 'eq' && p.src !== q.src) all = false;
      } else return unk('text answers that differ');
    }
    return all ? eq('the same words and equivalent math') : unk('text answers whose math could not be matched');
  }
  return unk('text against math');
}
