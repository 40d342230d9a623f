import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { QedError } from '../errors';
import { writeAll, writeFileAtomic } from './atomic';

/** Reading a dataset from the Hugging Face Hub (over its plain HTTP API) into a local cache. */

export const DEFAULT_HF_ENDPOINT = 'https://huggingface.co';

export interface HubOptions {
  /** Split to read (default 'train'). */
  split?: string;
  /** Cache folder (default: $QED_CACHE_DIR, else $XDG_CACHE_HOME/qed-workbench/hf, else ~/.cache/qed-workbench/hf). */
  cacheDir?: string;
  /** Hub base URL (default: $HF_ENDPOINT, else https://huggingface.co). */
  hfEndpoint?: string;
  /** Access token (default: $HF_TOKEN, else $HUGGING_FACE_HUB_TOKEN). Sent as a Bearer token, never printed. */
  token?: string;
  signal?: AbortSignal;
  /** fetch implementation (default: the global one). */
  fetch?: typeof fetch;
  /** Ask the hub for the latest revision even when the split is cached (falls back to the cache when unreachable). */
  refresh?: boolean;
  /** Never use the network (default: true when $HF_HUB_OFFLINE is 1/true/yes/on). */
  offline?: boolean;
}

export interface HubDownload {
  id: string;
  split: string;
  /** Commit sha of the dataset repository (or 'main' if the hub did not say). */
  revision: string;
  endpoint: string;
  /** Absolute paths of the split's files in the cache, in reading order. */
  files: string[];
  /** The same files as paths inside the dataset repository. */
  repoFiles: string[];
  /** True when no request was made (or the hub was unreachable and the cache answered). */
  fromCache: boolean;
  warnings: string[];
}

// ---------------------------------------------------------------------------------------------
// Dataset ids

const ID_RE = /^([A-Za-z0-9][A-Za-z0-9._-]*)\/([A-Za-z0-9][A-Za-z0-9._-]*)$/;
/** Names ending like a data file are taken as (missing) file paths, not hub ids. */
const FILE_LIKE_RE = /\.(jsonl|ndjson|json|csv|tsv|parquet|txt|gz|zip|yaml|yml|arrow|xlsx)$/i;

function stripHubPrefix(s: string): { rest: string; explicit: boolean } {
  const t = s.trim();
  for (const prefix of ['hf://datasets/', 'hf:']) {
    if (t.startsWith(prefix)) return { rest: t.slice(prefix.length).replace(/\/+$/, ''), explicit: true };
  }
  return { rest: t, explicit: false };
}

/** 'owner/name' when `s` names a hub dataset ('owner/name', 'hf:owner/name' or 'hf://datasets/owner/name'). */
export function parseHubId(s: string): string | undefined {
  const { rest } = stripHubPrefix(s);
  const m = ID_RE.exec(rest);
  if (!m || m[1].includes('..') || m[2].includes('..')) return undefined;
  return rest;
}

/**
 * Whether a string that is not an existing path should be read as a hub dataset id: an explicit
 * `hf:` prefix, or exactly `owner/name` not ending in a data-file extension.
 */
export function looksLikeHubId(s: string): boolean {
  const { rest, explicit } = stripHubPrefix(s);
  if (parseHubId(s) === undefined) return false;
  return explicit || !FILE_LIKE_RE.test(rest);
}

// ---------------------------------------------------------------------------------------------
// Choosing a split's files from the repository's file list

/** Data file extensions in order of preference when a split is stored in several formats. */
const DATA_EXTS = ['parquet', 'jsonl', 'ndjson', 'json', 'csv', 'tsv'] as const;
const WELL_KNOWN_SPLITS = new Set(['train', 'test', 'validation', 'valid', 'val', 'dev', 'eval', 'evaluation']);

function dataExt(path: string): string | undefined {
  const lower = path.toLowerCase();
  return DATA_EXTS.find((e) => lower.endsWith(`.${e}`));
}

/** Repository paths we are willing to turn into cache paths. */
function isSafeRepoPath(path: string): boolean {
  if (path.startsWith('/') || path.includes('\\') || path.includes('\0')) return false;
  return path.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

interface Labelled {
  path: string;
  ext: string;
  dirs: string[];
  label?: string;
  /** The label comes from a naming convention that clearly marks a split. */
  strong: boolean;
}

function labelOf(path: string, ext: string): Labelled {
  const segs = path.split('/');
  const base = segs[segs.length - 1];
  const dirs = segs.slice(0, -1);
  const stem = base.slice(0, base.length - ext.length - 1);
  // push_to_hub layout: data/<split>-00000-of-00003.parquet
  const shard = /^(.+?)-\d{5}-of-\d{5}$/.exec(stem);
  if (shard) return { path, ext, dirs, label: shard[1], strong: true };
  // A folder per split holding anonymous shards: <split>/0000.parquet, data/<split>/part-0.jsonl
  if (/^(\d+|(part|shard)[-_]?\d+.*)$/i.test(stem)) {
    const named = dirs.filter((d) => d !== 'data');
    const label = named[named.length - 1];
    return { path, ext, dirs, label, strong: label !== undefined };
  }
  // <split>.jsonl, data/<split>.csv, or any other file name
  return { path, ext, dirs, label: stem, strong: WELL_KNOWN_SPLITS.has(stem.toLowerCase()) };
}

export type SplitSelection = { files: string[] } | { files?: undefined; available: string[] };

/**
 * Picks the files of `split` from a dataset repository's file list, following the usual layouts:
 * `data/<split>-00000-of-0000N.parquet`, `<split>-*.parquet`, `<split>.jsonl|json|csv`,
 * `data/<split>.*`, a folder named after the split. A repository whose files follow no split
 * naming at all is one 'train' split. When a split exists in several formats, one format is used
 * (parquet first). Returns the available splits when `split` is not found.
 */
export function selectSplitFiles(repoFiles: readonly string[], split: string): SplitSelection {
  const data: Labelled[] = [];
  for (const path of repoFiles) {
    const ext = dataExt(path);
    if (!ext || !isSafeRepoPath(path)) continue;
    if (path.split('/').some((seg) => seg.startsWith('.'))) continue;
    data.push(labelOf(path, ext));
  }
  let chosen = data.filter((d) => d.label === split);
  if (chosen.length === 0) chosen = data.filter((d) => d.dirs.includes(split));
  const anyStrong = data.some((d) => d.strong || d.dirs.some((x) => WELL_KNOWN_SPLITS.has(x.toLowerCase())));
  if (chosen.length === 0 && split === 'train' && !anyStrong) chosen = data;
  if (chosen.length === 0) {
    const available = new Set<string>();
    for (const d of data) if (d.label !== undefined) available.add(d.label);
    if (!anyStrong && data.length > 0) available.add('train');
    return { available: [...available].sort() };
  }
  const best = DATA_EXTS.find((e) => chosen.some((d) => d.ext === e));
  return { files: chosen.filter((d) => d.ext === best).map((d) => d.path).sort() };
}

// ---------------------------------------------------------------------------------------------
// Cache layout:  <cacheDir>/datasets/<owner>/<name>/refs/main              the sha last fetched
//                <cacheDir>/datasets/<owner>/<name>/snapshots/<sha>/<path>  downloaded files
//                <cacheDir>/datasets/<owner>/<name>/snapshots/<sha>/.qed-listing.json  repo file list

const LISTING_FILE = '.qed-listing.json';
const REVISION_RE = /^[A-Za-z0-9._-]{1,128}$/;

export function defaultHubCacheDir(): string {
  if (process.env.QED_CACHE_DIR) return process.env.QED_CACHE_DIR;
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg && xdg.trim() !== '' ? xdg : join(homedir(), '.cache'), 'qed-workbench', 'hf');
}

function cachePath(snapshot: string, repoPath: string): string {
  return join(snapshot, ...repoPath.split('/'));
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

type CacheLookup =
  | { kind: 'hit'; revision: string; repoFiles: string[]; files: string[] }
  | { kind: 'no-split'; revision: string; available: string[] }
  | { kind: 'miss' };

async function lookInCache(root: string, split: string): Promise<CacheLookup> {
  let revision: string;
  let listed: unknown;
  try {
    revision = (await readFile(join(root, 'refs', 'main'), 'utf8')).trim();
    if (!REVISION_RE.test(revision)) return { kind: 'miss' };
    listed = JSON.parse(await readFile(join(root, 'snapshots', revision, LISTING_FILE), 'utf8'));
  } catch {
    return { kind: 'miss' };
  }
  const all = (listed as { files?: unknown }).files;
  if (!Array.isArray(all) || !all.every((f) => typeof f === 'string')) return { kind: 'miss' };
  const pick = selectSplitFiles(all as string[], split);
  if (pick.files === undefined) return { kind: 'no-split', revision, available: pick.available };
  const snapshot = join(root, 'snapshots', revision);
  const files = pick.files.map((p) => cachePath(snapshot, p));
  for (const f of files) if (!(await isFile(f))) return { kind: 'miss' };
  return { kind: 'hit', revision, repoFiles: pick.files, files };
}

// ---------------------------------------------------------------------------------------------
// HTTP

/** The hub could not be reached or answered with a server-side failure: the cache may still help. */
class HubUnreachable extends Error {}

interface Ctx {
  id: string;
  owner: string;
  name: string;
  endpoint: string;
  token?: string;
  signal?: AbortSignal;
  fetch: typeof fetch;
}

function networkReason(e: unknown): string {
  if (e instanceof Error && e.name === 'TimeoutError') return 'the request timed out';
  const cause = e instanceof Error ? (e as Error & { cause?: unknown }).cause : undefined;
  const pick = (x: unknown): string | undefined => {
    if (typeof x !== 'object' || x === null) return undefined;
    const o = x as { code?: unknown; message?: unknown; errors?: unknown[] };
    if (typeof o.code === 'string') return o.code;
    if (Array.isArray(o.errors)) for (const inner of o.errors) { const r = pick(inner); if (r) return r; }
    return typeof o.message === 'string' && o.message ? o.message : undefined;
  };
  return pick(cause) ?? (e instanceof Error ? e.message : String(e));
}

async function hubRequest(ctx: Ctx, url: string, timeoutMs: number): Promise<Response> {
  const headers: Record<string, string> = { 'user-agent': 'qed-workbench' };
  if (ctx.token) headers.authorization = `Bearer ${ctx.token}`;
  const signals = [AbortSignal.timeout(timeoutMs)];
  if (ctx.signal) signals.push(ctx.signal);
  try {
    return await ctx.fetch(url, { headers, signal: AbortSignal.any(signals), redirect: 'follow' });
  } catch (e) {
    if (ctx.signal?.aborted) throw ctx.signal.reason ?? e;
    throw new HubUnreachable(networkReason(e));
  }
}

/** Turns a non-2xx reply into the right error; `what` is 'dataset' or a file's path in the repository. Never returns. */
async function failStatus(ctx: Ctx, res: Response, what: string): Promise<never> {
  await res.body?.cancel().catch(() => undefined);
  const code = res.headers.get('x-error-code') ?? '';
  const page = `${ctx.endpoint}/datasets/${ctx.id}`;
  const tokenHint = ctx.token
    ? 'the token in HF_TOKEN was sent; check that it is valid and that its account has access'
    : 'if the dataset is private or gated, set HF_TOKEN to a token of an account that has access';
  if (res.status === 404 || code === 'RepoNotFound' || code === 'EntryNotFound' || code === 'RevisionNotFound') {
    const missingFile = code === 'EntryNotFound' || (res.status === 404 && what !== 'dataset');
    throw new QedError(
      missingFile
        ? `the Hugging Face Hub at ${ctx.endpoint} has no file ${what} in dataset '${ctx.id}' (HTTP ${res.status})`
        : `no dataset '${ctx.id}' on the Hugging Face Hub at ${ctx.endpoint} (HTTP ${res.status})`,
      {},
      `check the dataset id's spelling (if '${ctx.id}' was meant as a local file: no such file exists); ${tokenHint}; or pass a local file with --data-path`,
    );
  }
  if (code === 'GatedRepo') {
    throw new QedError(
      `dataset '${ctx.id}' is gated (HTTP ${res.status}): its conditions must be accepted on ${page}`,
      {},
      ctx.token ? 'accept the conditions with the account whose token is in HF_TOKEN' : 'accept its conditions, then set HF_TOKEN to a token of that account',
    );
  }
  if (res.status === 401 || res.status === 403) {
    throw new QedError(
      ctx.token
        ? `the Hugging Face Hub refused access to dataset '${ctx.id}' (HTTP ${res.status})`
        : `dataset '${ctx.id}' needs authentication (HTTP ${res.status}): it is private or gated, or does not exist`,
      {},
      tokenHint,
    );
  }
  if (res.status === 429 || res.status >= 500) throw new HubUnreachable(`HTTP ${res.status} ${res.statusText}`.trim());
  const subject = what === 'dataset' ? `dataset '${ctx.id}'` : `file ${what} of dataset '${ctx.id}'`;
  throw new QedError(`the Hugging Face Hub at ${ctx.endpoint} answered HTTP ${res.status} for ${subject}`);
}

async function readJson(res: Response, url: string): Promise<unknown> {
  try {
    return await res.json();
  } catch {
    throw new QedError(`unexpected reply from ${url}: not JSON`, {}, 'check HF_ENDPOINT: it must point at a Hugging Face Hub (or a mirror of its API)');
  }
}

function repoUrl(ctx: Ctx): string {
  return `${ctx.endpoint}/api/datasets/${encodeURIComponent(ctx.owner)}/${encodeURIComponent(ctx.name)}`;
}

/** Next page of a paginated listing, from a `Link: <url>; rel="next"` header. */
function nextLink(res: Response, base: string): string | undefined {
  const link = res.headers.get('link');
  const m = link ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(link) : null;
  return m ? new URL(m[1], base).toString() : undefined;
}

async function fetchTree(ctx: Ctx, revision: string): Promise<string[]> {
  const files: string[] = [];
  let url: string | undefined = `${repoUrl(ctx)}/tree/${encodeURIComponent(revision)}?recursive=true`;
  for (let page = 0; url && page < 1000; page++) {
    const res = await hubRequest(ctx, url, 60_000);
    if (!res.ok) await failStatus(ctx, res, 'dataset');
    const entries = await readJson(res, url);
    if (!Array.isArray(entries)) throw new QedError(`unexpected reply from ${url}: expected a list of files`);
    for (const e of entries) {
      const o = e as { type?: unknown; path?: unknown };
      if (o && o.type === 'file' && typeof o.path === 'string') files.push(o.path);
    }
    url = nextLink(res, url);
  }
  return files;
}

async function fetchListing(ctx: Ctx): Promise<{ revision: string; files: string[] }> {
  const url = repoUrl(ctx);
  const res = await hubRequest(ctx, url, 60_000);
  if (!res.ok) await failStatus(ctx, res, 'dataset');
  const info = (await readJson(res, url)) as { sha?: unknown; siblings?: unknown };
  if (typeof info !== 'object' || info === null) throw new QedError(`unexpected reply from ${url}: expected an object`);
  const revision = typeof info.sha === 'string' && REVISION_RE.test(info.sha) ? info.sha : 'main';
  let files: string[] | undefined;
  if (Array.isArray(info.siblings)) {
    files = info.siblings
      .map((s) => (s as { rfilename?: unknown } | null)?.rfilename)
      .filter((f): f is string => typeof f === 'string');
  }
  if (!files || files.length === 0) files = await fetchTree(ctx, revision);
  return { revision, files };
}

async function downloadFile(ctx: Ctx, revision: string, repoPath: string, dest: string): Promise<void> {
  const encoded = repoPath.split('/').map(encodeURIComponent).join('/');
  const url = `${ctx.endpoint}/datasets/${encodeURIComponent(ctx.owner)}/${encodeURIComponent(ctx.name)}/resolve/${encodeURIComponent(revision)}/${encoded}`;
  const res = await hubRequest(ctx, url, 30 * 60_000);
  if (!res.ok) await failStatus(ctx, res, repoPath);
  const body = res.body;
  if (!body) throw new HubUnreachable(`empty reply for ${repoPath}`);
  const declared = res.headers.get('content-encoding') ? NaN : Number(res.headers.get('content-length') ?? NaN);
  try {
    await writeFileAtomic(dest, async (fh) => {
      const reader = body.getReader();
      let received = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        received += value.byteLength;
        await writeAll(fh, value);
      }
      if (Number.isFinite(declared) && received !== declared) {
        throw new HubUnreachable(`the download of ${repoPath} ended early (${received} of ${declared} bytes)`);
      }
    });
  } catch (e) {
    if (ctx.signal?.aborted) throw ctx.signal.reason ?? e;
    if (e instanceof HubUnreachable || e instanceof QedError) throw e;
    throw new HubUnreachable(`the download of ${repoPath} failed: ${networkReason(e)}`);
  }
}

// ---------------------------------------------------------------------------------------------

function envFlag(v: string | undefined): boolean {
  return v !== undefined && /^(1|true|yes|on)$/i.test(v.trim());
}

function unknownSplit(id: string, split: string, available: string[]): QedError {
  if (available.length === 0) {
    return new QedError(`dataset '${id}' has no data files this workbench can read (parquet, jsonl, json, csv, tsv)`, {}, 'download the data yourself and pass it with --data-path');
  }
  return new QedError(
    `dataset '${id}' has no split '${split}'; available splits: ${available.join(', ')}`,
    { field: 'split' },
    'choose one of them with --split',
  );
}

/**
 * Makes sure the files of a hub dataset's split are in the local cache and returns their paths.
 * A split that is already cached is used without any request (unless `refresh`). Otherwise the
 * repository's file list is fetched, the split's files are picked and downloaded (each written
 * atomically), and the cache records the revision.
 */
export async function downloadHubDataset(idOrRef: string, opts: HubOptions = {}): Promise<HubDownload> {
  const id = parseHubId(idOrRef);
  if (id === undefined) {
    throw new QedError(`'${idOrRef}' is not a Hugging Face dataset id`, {}, "a dataset id looks like 'owner/name', e.g. lm-provers/IMOProofBench");
  }
  const [owner, name] = id.split('/');
  const split = opts.split ?? 'train';
  const endpointRaw = (opts.hfEndpoint ?? process.env.HF_ENDPOINT ?? DEFAULT_HF_ENDPOINT).trim();
  const endpoint = endpointRaw.replace(/\/+$/, '');
  let protocol: string;
  try {
    protocol = new URL(endpoint).protocol;
  } catch {
    protocol = '';
  }
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new QedError(`'${endpointRaw}' is not an http(s) URL`, { field: 'HF_ENDPOINT' }, 'set HF_ENDPOINT to e.g. https://huggingface.co');
  }
  const cacheDir = resolve(opts.cacheDir ?? defaultHubCacheDir());
  const root = join(cacheDir, 'datasets', owner, name);
  const tokenRaw = opts.token ?? process.env.HF_TOKEN ?? process.env.HUGGING_FACE_HUB_TOKEN;
  const token = tokenRaw && tokenRaw.trim() !== '' ? tokenRaw.trim() : undefined;
  const offline = opts.offline ?? envFlag(process.env.HF_HUB_OFFLINE);
  const fetchImpl = opts.fetch ?? globalThis.fetch;

  const done = (revision: string, repoFiles: string[], files: string[], fromCache: boolean, warnings: string[] = []): HubDownload => ({
    id,
    split,
    revision,
    endpoint,
    files,
    repoFiles,
    fromCache,
    warnings,
  });

  opts.signal?.throwIfAborted();
  const cached = await lookInCache(root, split);
  if (cached.kind === 'hit' && !opts.refresh) return done(cached.revision, cached.repoFiles, cached.files, true);
  if (offline) {
    if (cached.kind === 'hit') return done(cached.revision, cached.repoFiles, cached.files, true);
    if (cached.kind === 'no-split') throw unknownSplit(id, split, cached.available);
    throw new QedError(
      `dataset '${id}' (split '${split}') is not in the local cache (${cacheDir}) and offline mode is on (HF_HUB_OFFLINE)`,
      {},
      'unset HF_HUB_OFFLINE to download it, or pass a local file: --data-path FILE (.jsonl, .json, .csv or .parquet)',
    );
  }

  const ctx: Ctx = { id, owner, name, endpoint, token, signal: opts.signal, fetch: fetchImpl };
  try {
    const listing = await fetchListing(ctx);
    const pick = selectSplitFiles(listing.files, split);
    if (pick.files === undefined) throw unknownSplit(id, split, pick.available);
    const snapshot = join(root, 'snapshots', listing.revision);
    const files = pick.files.map((p) => cachePath(snapshot, p));
    for (let i = 0; i < files.length; i++) {
      if (!(await isFile(files[i]))) await downloadFile(ctx, listing.revision, pick.files[i], files[i]);
    }
    const record = { id, revision: listing.revision, endpoint, fetchedAt: new Date().toISOString(), files: listing.files };
    await writeFileAtomic(join(snapshot, LISTING_FILE), `${JSON.stringify(record, null, 1)}\n`);
    await writeFileAtomic(join(root, 'refs', 'main'), `${listing.revision}\n`);
    return done(listing.revision, pick.files, files, false);
  } catch (e) {
    if (!(e instanceof HubUnreachable)) throw e;
    if (cached.kind === 'hit') {
      return done(cached.revision, cached.repoFiles, cached.files, true, [
        `could not reach the Hugging Face Hub at ${endpoint} (${e.message}); using the cached copy of '${id}' (revision ${cached.revision})`,
      ]);
    }
    throw new QedError(
      `could not reach the Hugging Face Hub at ${endpoint} (${e.message}), and dataset '${id}' (split '${split}') is not in the local cache (${cacheDir})`,
      {},
      'pass a local file instead (--data-path FILE: .jsonl, .json, .csv or .parquet), or set HF_ENDPOINT to a reachable hub mirror',
    );
  }
}
