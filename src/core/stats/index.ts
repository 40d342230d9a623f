// Public API of `qed stats`: result rows → summary objects → text / markdown / JSON.
export type {
  StatsInput,
  SplitKind,
  SplitGroup,
  Splits,
  TokenFigure,
  EstimatedTokenFigure,
  TokenSummary,
  CostSummary,
  HumanSummary,
  Summary,
  Aggregate,
  MergedSummary,
  ResultsReport,
  ScoreBucket,
  GraderSummary,
  GraderReport,
  StatsReport,
} from './types';
export { SCORE_BUCKETS } from './types';
export { rowFacts, estimateTokens, rowId, maxPoints, type RowFacts, type RowStatus, type RowPlace } from './rows';
export {
  summarizeResults,
  summarizeRows,
  summarizeFacts,
  mergeRuns,
  aggregate,
  sampleStd,
  detectSplit,
  splitNames,
  checkInputs,
} from './summary';
export {
  originalResults,
  originalGrader,
  MERGE_METHODS,
  type MergeMethod,
  type OriginalFigure,
  type OriginalResults,
  type OriginalGrader,
} from './original';
export { pyFixed, pyRepr, pyInt, npSum } from './pyformat';
export { summarizeGrader, graderFacts, pairwiseAgreement, bucketOf, wholePoints, type GraderFacts } from './grader';
export { expandStatsPaths, loadStatsFiles } from './load';
export { quickSummary, type QuickSummary } from './quick';
export {
  renderText,
  renderMarkdown,
  renderJson,
  reportTables,
  resultsTables,
  graderTables,
  tableText,
  tableMarkdown,
  type RenderOptions,
  type Table,
} from './render';
