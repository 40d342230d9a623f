// Arithmetic and number formatting the way the original's statistics script (Python, numpy,
// pandas) does it, so that the figures printed under its column names are the same strings.
// NaN stands for pandas' missing value throughout.

/**
 * numpy's pairwise summation of a float64 array (what `np.sum`, `np.mean` and pandas' `mean` use):
 * plain left-to-right under 8 values, eight interleaved accumulators up to 128, halves above.
 * The last bit of a sum can differ from a plain loop, and some figures are printed to 17 digits.
 */
export function npSum(a: readonly number[], lo = 0, n = a.length - lo): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[lo + i];
    return res;
  }
  if (n <= 128) {
    const r = a.slice(lo, lo + 8);
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += a[lo + i + j];
    // prettier-ignore
    let res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++) res += a[lo + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return npSum(a, lo, n2) + npSum(a, lo + n2, n - n2);
}

/** `np.mean` of values without NaN (NaN when empty). */
export function npMean(a: readonly number[]): number {
  return a.length ? npSum(a) / a.length : NaN;
}

/** pandas' `Series.mean()` / `np.nanmean`: NaN values are left out; NaN when none is left. */
export function nanMean(a: readonly number[]): number {
  const count = a.filter((x) => !Number.isNaN(x)).length;
  return count ? npSum(a.map((x) => (Number.isNaN(x) ? 0 : x))) / count : NaN;
}

/** pandas' `Series.min()` / `max()`: NaN values left out; NaN when none is left. */
export function nanMin(a: readonly number[]): number {
  const xs = a.filter((x) => !Number.isNaN(x));
  return xs.length ? Math.min(...xs) : NaN;
}
export function nanMax(a: readonly number[]): number {
  const xs = a.filter((x) => !Number.isNaN(x));
  return xs.length ? Math.max(...xs) : NaN;
}

/** `np.std(a, ddof=1)`. */
export function npStdSample(a: readonly number[]): number {
  if (a.length < 2) return NaN;
  const m = npMean(a);
  return Math.sqrt(npSum(a.map((x) => (x - m) * (x - m))) / (a.length - 1));
}

/** pandas' `Series.quantile(q)`: numpy's 'linear' method over the values that are not NaN. */
export function nanQuantile(a: readonly number[], q: number): number {
  const xs = a.filter((x) => !Number.isNaN(x)).sort((x, y) => x - y);
  if (!xs.length) return NaN;
  const pos = q * (xs.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, xs.length - 1);
  const t = pos - lo;
  const diff = xs[hi] - xs[lo];
  // numpy's _lerp: from the nearer end, so that t = 1 gives b exactly.
  return t >= 0.5 ? xs[hi] - diff * (1 - t) : xs[lo] + diff * t;
}

/** Python's `f"{x:.{digits}f}"`: rounds the exact binary value, ties to even ('nan', 'inf' as Python). */
export function pyFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  const ax = Math.abs(x);
  let out = ax.toFixed(digits);
  // toFixed breaks an exact tie away from zero; Python to the even digit. A tie shows as the
  // digit 5 right after the kept digits and nothing but zeros behind it.
  const long = ax.toFixed(Math.min(100, digits + 30));
  const dot = long.indexOf('.');
  const tail = long.slice(dot + 1 + digits);
  if (/^50*$/.test(tail)) {
    const kept = digits ? long.slice(0, dot + 1 + digits) : long.slice(0, dot);
    if (Number(kept[kept.length - 1]) % 2 === 0) out = kept;
  }
  return sign + out;
}

/** Python's `f"{int(x)}"`: truncates toward zero. */
export function pyInt(x: number): string {
  return String(Math.trunc(x)).replace(/^-0$/, '0');
}

/** Python's `repr(float)` (also `f"{x:<20}"`): shortest round-trip digits, exponent outside 1e-4..1e16. */
export function pyRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mant, expText] = Math.abs(x).toExponential().split('e');
  const exp = Number(expText);
  const digits = mant.replace('.', '');
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const int = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const frac = digits.slice(exp + 1);
  return `${sign}${int}.${frac || '0'}`;
}
