// Public API of the rubric tools: scheme generation, AoPS filtering, grader experiments.
export { annotateRows, type AnnotateOptions, type AnnotationColumns } from './job';
export { rowKeys, previousRows, carriedCost, requireText, ID_COLUMNS, type RowKeys } from './keys';
export {
  parseScheme,
  loadSchemePrompt,
  schemePrompt,
  SCHEME_COLUMNS,
  SCHEME_PROMPT,
  SCHEME_TOTAL,
  type ParsedScheme,
  type Checkpoint,
} from './scheme';
export {
  parseFilterVerdict,
  parseFilterObject,
  verdictColumns,
  loadFilterPrompt,
  filterPrompt,
  formatCandidates,
  bareObjects,
  filterColumn,
  FILTER_COLUMNS,
  FILTER_PROMPT,
  VERDICT_FIELDS,
  type FilterVerdict,
  type FilterInputColumns,
  type VerdictField,
} from './filter';
export {
  prepareHumanGraded,
  loadBenchPrompt,
  benchPrompt,
  benchColumns,
  formatGuidelines,
  schemeMaxPoints,
  loadSchemeItemPrompt,
  GRADINGBENCH_COLUMN_MAP,
  BENCH_PROMPTS,
  BENCH_DATASETS,
  SCHEME_ITEM_PROMPT,
  type BenchJobOptions,
} from './bench';
