/** One dataset or result row: column name → value, exactly as in the file. */
export type Row = Record<string, unknown>;

export interface Dataset {
  /** Where the rows came from (a path, or 'hf:<id>@<split>' for a hub dataset). */
  source: string;
  /** Local file the rows were read from (for hub datasets: the cached file). */
  file: string;
  rows: Row[];
  /** Column names in first-seen order, after renaming. */
  columns: string[];
  /** Renames that were applied, e.g. { 'Problem ID': 'problem_id' }. */
  renamed: Record<string, string>;
  /**
   * Problems that did not stop the read but deserve the user's attention, each naming file and
   * line where known (e.g. a CSV row with a quoting defect that was padded). Absent when none.
   */
  warnings?: string[];
  /** For hub datasets: the commit (sha) of the dataset repository the rows come from. */
  revision?: string;
  /** For hub datasets with several shards: every cached file read, in order (`file` is the first). */
  files?: string[];
}
