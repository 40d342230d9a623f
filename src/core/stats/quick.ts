import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';

/** A results file at a glance, for lists (the editor's QED view). */
export interface QuickSummary {
  rows: number;
  graded: number;
  /** Mean score of graded rows, or undefined when none is graded (or the file is too large to read here). */
  meanScore?: number;
  /** Mean of the graded rows' maximum points, when known (7 for proofs, 1 for answers). */
  meanMax?: number;
  bytes: number;
  /** True when only the lines were counted (the file is larger than `parseLimitBytes`). */
  countedOnly: boolean;
}

/**
 * Counts rows and the mean score by streaming the file. Files above `parseLimitBytes` only have
 * their lines counted, so a list of many large files stays quick.
 */
export async function quickSummary(file: string, parseLimitBytes = 64 * 1024 * 1024): Promise<QuickSummary> {
  const { size } = await stat(file);
  const parse = size <= parseLimitBytes;
  let rows = 0;
  let graded = 0;
  let sum = 0;
  let maxSum = 0;
  let maxCount = 0;
  // A grader's output has graded_score and no score column: its mean is read from graded_score.
  let sawScore = false;
  const alt = { graded: 0, sum: 0, maxSum: 0, maxCount: 0 };
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    rows++;
    if (!parse) continue;
    try {
      const row = JSON.parse(line) as {
        score?: unknown;
        graded_score?: unknown;
        schema_0?: Array<{ points?: unknown }>;
      };
      if (row !== null && typeof row === 'object' && 'score' in row) sawScore = true;
      const max = Array.isArray(row.schema_0)
        ? row.schema_0.reduce((s, i) => s + (typeof i?.points === 'number' ? i.points : 0), 0)
        : 0;
      if (typeof row.score === 'number') {
        graded++;
        sum += row.score;
        if (max > 0) {
          maxSum += max;
          maxCount++;
        }
      }
      if (typeof row.graded_score === 'number') {
        alt.graded++;
        alt.sum += row.graded_score;
        if (max > 0) {
          alt.maxSum += max;
          alt.maxCount++;
        }
      }
    } catch {
      /* a malformed line still counts as a row here; the viewer and stats report it */
    }
  }
  if (!sawScore && alt.graded) ({ graded, sum, maxSum, maxCount } = alt);
  return {
    rows,
    graded,
    meanScore: graded ? sum / graded : undefined,
    meanMax: maxCount ? maxSum / maxCount : undefined,
    bytes: size,
    countedOnly: !parse,
  };
}
