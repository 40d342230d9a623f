/** "Did you mean …?" helpers for config keys and values. */

/**
 * Edit distance where inserting, deleting or replacing a character, or swapping two neighbours,
 * each cost 1 (optimal string alignment). Small inputs only: O(|a|·|b|).
 */
export function editDistance(a: string, b: string): number {
  const n = a.length;
  const m = b.length;
  if (n === 0) return m;
  if (m === 0) return n;
  // Three rolling rows: two back (for swaps), previous and current.
  let back2 = new Array<number>(m + 1).fill(0);
  let prev = Array.from({ length: m + 1 }, (_, j) => j);
  let cur = new Array<number>(m + 1).fill(0);
  for (let i = 1; i <= n; i++) {
    cur[0] = i;
    for (let j = 1; j <= m; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, back2[j - 2] + 1);
      cur[j] = d;
    }
    [back2, prev, cur] = [prev, cur, back2];
  }
  return prev[m];
}

/** Lower-case, camelCase → snake_case, '-' / ' ' → '_'; so 'maxTokens' and 'max-tokens' compare equal to 'max_tokens'. */
export function canonicalKey(s: string): string {
  return s
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[-\s]+/g, '_');
}

/**
 * The candidate closest to `word`, if it is close enough to be a likely typo: after
 * canonicalisation, at most 1 edit for words of up to 4 characters, at most 2 otherwise.
 * An exact match returns undefined (nothing to suggest).
 */
export function closestMatch(word: string, candidates: Iterable<string>): string | undefined {
  const w = canonicalKey(word);
  const limit = w.length <= 4 ? 1 : 2;
  let best: string | undefined;
  let bestDist = Infinity;
  for (const c of candidates) {
    if (c === word) return undefined;
    const d = editDistance(w, canonicalKey(c));
    if (d < bestDist) {
      best = c;
      bestDist = d;
    }
  }
  return bestDist <= limit ? best : undefined;
}
