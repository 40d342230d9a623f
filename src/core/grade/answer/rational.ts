/**
 * Exact rational numbers on BigInt, always kept in lowest terms with a positive denominator.
 * Used by the answer checker so that `2^{2024}+1` and `2^{2024}+2` never look alike.
 */

export class Rational {
  readonly n: bigint;
  readonly d: bigint;

  private constructor(n: bigint, d: bigint) {
    this.n = n;
    this.d = d;
  }

  static of(n: bigint, d: bigint = 1n): Rational {
    if (d === 0n) throw new RangeError('zero denominator');
    if (d < 0n) {
      n = -n;
      d = -d;
    }
    const g = gcd(n < 0n ? -n : n, d);
    return g > 1n ? new Rational(n / g, d / g) : new Rational(n, d);
  }

  static int(n: number | bigint): Rational {
    return new Rational(BigInt(n), 1n);
  }

  /**
   * Reads a plain decimal literal: optional sign, digits, optional fraction, optional exponent
   * (`-12.50`, `.5`, `1.5e3`, `50e-2`). Returns undefined for anything else.
   */
  static parseDecimal(text: string): Rational | undefined {
    const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
    if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
    const digits = (m[2] || '0') + (m[3] ?? '');
    let exp = -(m[3] ?? '').length;
    if (m[4] !== undefined) {
      const e = Number(m[4]);
      if (!Number.isSafeInteger(e) || Math.abs(e) > 4000) return undefined;
      exp += e;
    }
    let n = BigInt(digits);
    let d = 1n;
    if (exp >= 0) n *= 10n ** BigInt(exp);
    else d = 10n ** BigInt(-exp);
    return Rational.of(m[1] === '-' ? -n : n, d);
  }

  isZero(): boolean {
    return this.n === 0n;
  }
  isInteger(): boolean {
    return this.d === 1n;
  }
  sign(): number {
    return this.n > 0n ? 1 : this.n < 0n ? -1 : 0;
  }
  /** Bits of numerator plus denominator: a measure of how costly further work will be. */
  bits(): number {
    return bitLength(this.n < 0n ? -this.n : this.n) + bitLength(this.d);
  }

  add(o: Rational): Rational {
    return Rational.of(this.n * o.d + o.n * this.d, this.d * o.d);
  }
  sub(o: Rational): Rational {
    return Rational.of(this.n * o.d - o.n * this.d, this.d * o.d);
  }
  mul(o: Rational): Rational {
    return Rational.of(this.n * o.n, this.d * o.d);
  }
  div(o: Rational): Rational {
    if (o.n === 0n) throw new RangeError('division by zero');
    return Rational.of(this.n * o.d, this.d * o.n);
  }
  neg(): Rational {
    return new Rational(-this.n, this.d);
  }
  abs(): Rational {
    return this.n < 0n ? new Rational(-this.n, this.d) : this;
  }
  cmp(o: Rational): number {
    const l = this.n * o.d;
    const r = o.n * this.d;
    return l < r ? -1 : l > r ? 1 : 0;
  }
  equals(o: Rational): boolean {
    return this.n === o.n && this.d === o.d;
  }
  /** Integer power; the caller bounds the size of the result. */
  pow(e: bigint): Rational {
    if (e === 0n) return Rational.int(1);
    if (e < 0n) {
      if (this.n === 0n) throw new RangeError('zero to a negative power');
      return Rational.of(this.d ** -e, this.n ** -e);
    }
    return new Rational(this.n ** e, this.d ** e);
  }
  floor(): bigint {
    const q = this.n / this.d;
    return this.n < 0n && q * this.d !== this.n ? q - 1n : q;
  }
  ceil(): bigint {
    const q = this.n / this.d;
    return this.n > 0n && q * this.d !== this.n ? q + 1n : q;
  }

  /** The nearest double, also for numerators and denominators far beyond 2^53. */
  toNumber(): number {
    const an = this.n < 0n ? -this.n : this.n;
    const bn = bitLength(an);
    const bd = bitLength(this.d);
    const shiftN = Math.max(0, bn - 64);
    const shiftD = Math.max(0, bd - 64);
    const mant = Number(an >> BigInt(shiftN)) / Number(this.d >> BigInt(shiftD));
    const v = mant * Math.pow(2, shiftN - shiftD);
    return this.n < 0n ? -v : v;
  }

  toString(): string {
    return this.d === 1n ? this.n.toString() : `${this.n}/${this.d}`;
  }
}

/**
 * Work done by `gcd` in this process so far, in 64-bit word operations (an estimate that depends
 * only on the numbers). Euclid's algorithm costs about the square of the size of the numbers, far
 * more than the arithmetic that produced them, so the answer checker's step budget reads this
 * counter (see `Budget` in expr.ts) instead of guessing the cost of every fraction it reduces.
 */
let gcdWork = 0;

export function arithmeticWork(): number {
  return gcdWork;
}

const WORD = 1n << 64n;

export function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  // Each step works on numbers no larger than the smaller one.
  const small = a < b ? a : b;
  const words = small < WORD ? 1 : Math.ceil(bitLength(small) / 64);
  let steps = 0;
  while (b !== 0n) {
    [a, b] = [b, a % b];
    steps++;
  }
  gcdWork += steps * words;
  return a;
}

const U32 = 1n << 32n;

export function bitLength(a: bigint): number {
  if (a < 0n) a = -a;
  if (a === 0n) return 0;
  if (a < U32) return 32 - Math.clz32(Number(a));
  // Hexadecimal is much cheaper to produce than binary for large numbers.
  const hex = a.toString(16);
  return (hex.length - 1) * 4 + Math.floor(Math.log2(parseInt(hex[0], 16))) + 1;
}

/** The exact integer k-th root of a non-negative integer, or undefined when it is not a perfect power. */
export function exactIntRoot(a: bigint, k: number): bigint | undefined {
  if (a < 0n) return undefined;
  if (a < 2n) return a;
  const kb = BigInt(k);
  // Newton iteration from an over-estimate.
  let x = 1n << BigInt(Math.ceil(bitLength(a) / k) + 1);
  for (;;) {
    const y = ((kb - 1n) * x + a / x ** (kb - 1n)) / kb;
    if (y >= x) break;
    x = y;
  }
  return x ** kb === a ? x : undefined;
}
