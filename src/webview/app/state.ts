// The view state the viewer saves (the host keeps it across reloads) and restores at start: which
// file, the query, the open and selected rows, the scroll position, the text size and the host's
// banner. Also the deep link (`?row=N&file=K`) a `qed view` address may carry.

import type { FileInfo, RowQuery, ViewerState } from '../../protocol';

const MIN_FONT = 10;
const MAX_FONT = 28;

/** What the state is taken from (the app's current view). */
export interface StateSource {
  files: FileInfo[];
  file: number;
  comparing: boolean;
  query: RowQuery;
  open: number | null;
  selected: number;
  fontSize: number;
  scrollTop: number;
  notice?: string;
}

export function viewerState(s: StateSource): ViewerState {
  return {
    path: s.files[s.file]?.path,
    paths: s.files.map((f) => f.path),
    compare: s.comparing ? true : undefined,
    file: s.file,
    query: s.query,
    open: s.open,
    selected: s.selected,
    fontSize: s.fontSize,
    scrollTop: s.scrollTop,
    ...(s.notice ? { notice: s.notice } : {}),
  };
}

export function clampFont(n: number): number {
  return Math.max(MIN_FONT, Math.min(MAX_FONT, Math.round(Number.isFinite(n) ? n : 14)));
}

/** The last segment of a page's address (`qed view`'s page, api and events sit beside it). */
const LAST_SEGMENT = /[^/]*$/;
const STATE_PREFIX = 'qed-view:';

/** The folder of a page's address: `qed view`'s token path, under which its files are served. */
export function pageFolder(pathname: string): string {
  return pathname.replace(LAST_SEGMENT, '');
}

/** Where `qed view` keeps a tab's view state (sessionStorage), by the page's folder. */
export function sessionStateKey(folder: string): string {
  return STATE_PREFIX + folder;
}

/**
 * A script for the head of `qed view`'s page: applies the text size saved in this tab (a reload
 * after the reader changed it) before the first screen is drawn, as the viewer applies it when it
 * starts. Self-contained: it runs before the viewer's script exists (browser test in
 * first-screen.test.ts, which also checks that its key is the transport's).
 */
export function savedFontScript(): string {
  return `try { var s = JSON.parse(sessionStorage.getItem(${JSON.stringify(STATE_PREFIX)} + location.pathname.replace(${LAST_SEGMENT.toString()}, '')) || 'null'); var n = s && Math.round(Number(s.fontSize)); if (n >= ${MIN_FONT} && n <= ${MAX_FONT}) document.documentElement.style.setProperty('--qed-font-size', n + 'px'); } catch (e) {}`;
}

/** Sets the page's text size (every size in the stylesheet follows --qed-font-size). */
export function applyFont(size: number): void {
  document.documentElement.style.setProperty('--qed-font-size', `${size}px`);
}

/** `?row=N` or `#row=N` (1-based), and `file=K` (1-based) when several files are served. */
export function deepLink(): { row?: number; file?: number } {
  return readLink(location.search, location.hash);
}

/** The row and file (0-based) a page address asks for; also read by `qed view`'s server (no DOM). */
export function readLink(search: string, hash = ''): { row?: number; file?: number } {
  const out: { row?: number; file?: number } = {};
  const params = new URLSearchParams(search);
  const hashed = new URLSearchParams(hash.replace(/^#/, ''));
  const row = Number(hashed.get('row') ?? params.get('row') ?? NaN);
  const file = Number(hashed.get('file') ?? params.get('file') ?? NaN);
  if (Number.isInteger(row) && row >= 1) out.row = row - 1;
  if (Number.isInteger(file) && file >= 1) out.file = file - 1;
  return out;
}

/** Keeps the address bar of `qed view` on the open row (`?row=N&file=K`), so it can be shared. */
export function updateLink(open: number | null, file: number): void {
  const url = new URL(location.href);
  url.hash = '';
  if (open === null) url.searchParams.delete('row');
  else url.searchParams.set('row', String(open + 1));
  if (file) url.searchParams.set('file', String(file + 1));
  else url.searchParams.delete('file');
  history.replaceState(null, '', url);
}
