// Public API of the data layer: reading datasets (local files and Hugging Face Hub) and
// reading/writing JSONL result files.
export type { Dataset, Row } from './types';
export { readDataset, readTableFile, DATASET_EXTENSIONS, type ReadDatasetOptions } from './read';
export { IMOBENCH_COLUMN_MAP, applyColumnMapping, type MappedColumns } from './columns';
export {
  serializeRow,
  JournalLine,
  writeJsonlAtomic,
  readJsonlRows,
  parseJsonlText,
  type NumberedRow,
  type JsonlLineError,
  type JsonlParseResult,
  type ReadJsonlOptions,
} from './jsonl';
export {
  writeFileAtomic,
  rewriteFileAtomic,
  readForRewrite,
  removeStaleTemps,
  snapshotOf,
  FileChangedError,
  type FileSnapshot,
  type RewriteResult,
} from './atomic';
export { parseCsvText } from './csv';
export { parseJsonText } from './json';
export type { Table } from './table';
export {
  downloadHubDataset,
  selectSplitFiles,
  parseHubId,
  looksLikeHubId,
  defaultHubCacheDir,
  hubCacheDir,
  hubRepoFolder,
  hubSettings,
  DEFAULT_HF_ENDPOINT,
  type HubOptions,
  type HubDownload,
  type SplitSelection,
} from './hub';
export { hubResultsCopy, hubCopyPath, type HubCopy } from './hubCopy';
