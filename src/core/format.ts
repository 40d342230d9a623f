/** Number formatting shared by the CLI, the summary tables and the editor. */

export function formatDuration(sec: number | undefined): string {
  if (sec === undefined || !Number.isFinite(sec)) return '--:--';
  const s = Math.max(0, Math.round(sec));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(r).padStart(2, '0');
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export function formatTokens(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

export function formatUsd(x: number): string {
  return x >= 1 ? `$${x.toFixed(2)}` : `$${x.toFixed(4)}`;
}

/** `28 reused` and, when they cost something, what they cost in the sessions that made them. */
export function reusedPart(s: { reused: number; reusedCost?: { cost: number } }): string {
  return s.reused && s.reusedCost?.cost
    ? `${s.reused} reused (${formatUsd(s.reusedCost.cost)} spent on them earlier)`
    : `${s.reused} reused`;
}

/** How a job ended, the first words of its summary line. */
export function jobState(
  s: { cancelled: boolean; stopped?: string },
  problems: boolean,
  problemsWord = 'finished with problems',
): string {
  if (s.cancelled) return 'cancelled';
  if (s.stopped) return 'stopped after a failure (throw_error_on_failure)';
  return problems ? problemsWord : 'finished';
}
