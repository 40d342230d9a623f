// The viewer's host side (no vscode): line-offset index, row summaries, queries, edits, protocol host.
export { ResultsIndex, acquireIndex, lineRev, type IndexChange } from './resultsIndex';
export { RowQueries } from './query';
export { summarizeRow } from './summary';
export { replaceRow, rowForEdit, buildHumanGrade, EditRefused } from './edit';
export { gradingModeOf } from '../grade/regrade';
export { ViewerHost, defaultReviewer, type ViewerHostOptions, type GraderRequest } from './host';
export { viewerHtml, makeNonce, webviewCsp, PRELOAD_FONTS, type ViewerHtmlOptions } from './html';
