import { NO_DELIMITER, missingDelimiterSummary, type RunProgress, type RunSummary } from '../core/run/engine';
import { formatDuration, formatTokens, formatUsd, jobState, reusedPart } from '../core/format';

export { formatDuration, formatTokens, formatUsd, jobState, reusedPart };

/** One line describing where a run stands; shared by the bar and the plain log. */
export function progressLine(p: RunProgress): string {
  const pct = p.total ? Math.floor(((p.done + p.failed) / p.total) * 100) : 100;
  const parts = [
    `${p.done}/${p.total} rows (${pct}%)`,
    p.failed ? `${p.failed} failed` : '',
    `${formatTokens(p.cost.input_tokens)} in / ${formatTokens(p.cost.output_tokens)} out`,
    formatUsd(p.cost.cost),
    `elapsed ${formatDuration(p.elapsedSec)}`,
    `ETA ${formatDuration(p.etaSec)}`,
  ];
  return parts.filter(Boolean).join(' · ');
}

/**
 * Progress on stderr: a redrawn bar on a terminal; on a pipe or a log file (SLURM), a plain line
 * at most every `intervalMs`.
 */
export class ProgressReporter {
  private last = 0;
  private drawn = false;
  /** The figures of the last plain line written (without the clock): not repeated. */
  private lastLine = '';

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly intervalMs = stream.isTTY ? 100 : 10_000,
  ) {}

  update(p: RunProgress, force = false): void {
    const now = Date.now();
    if (!force && now - this.last < this.intervalMs) return;
    this.last = now;
    if (this.stream.isTTY) {
      const width = Math.max(10, Math.min(30, (this.stream.columns ?? 80) - 90));
      const frac = p.total ? (p.done + p.failed) / p.total : 1;
      const filled = Math.round(frac * width);
      const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
      this.stream.write(`\r\x1b[2K${bar} ${progressLine(p)}`);
      this.drawn = true;
    } else {
      // The closing update repeats nothing new (only the clock may have moved): skip it.
      const figures = progressLine({ ...p, elapsedSec: 0, etaSec: undefined });
      if (figures === this.lastLine) return;
      this.lastLine = figures;
      this.stream.write(`progress: ${progressLine(p)}\n`);
    }
  }

  /** A log line that does not tear the bar. */
  log(line: string): void {
    if (this.drawn && this.stream.isTTY) this.stream.write('\r\x1b[2K');
    this.stream.write(line + '\n');
    this.drawn = false;
    this.last = 0;
  }

  done(): void {
    if (this.drawn && this.stream.isTTY) this.stream.write('\n');
    this.drawn = false;
  }
}

export function summaryLine(s: RunSummary, delimiters?: string[]): string {
  const state = jobState(s, s.failed > 0, 'finished with failures');
  const parts = [
    `${state}: ${s.done}/${s.total} rows done`,
    reusedPart(s),
    `${s.failed} failed`,
    missingDelimiterSummary(s.flags[NO_DELIMITER] ?? 0, delimiters),
    `${formatTokens(s.cost.input_tokens)} input + ${formatTokens(s.cost.output_tokens)} output tokens`,
    `cost ${formatUsd(s.cost.cost)}`,
    `in ${formatDuration(s.elapsedSec)}`,
    `→ ${s.outputPath}`,
  ];
  return parts.filter(Boolean).join(', ');
}
