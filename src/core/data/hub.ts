import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, stat, symlink, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { datasetInfo, downloadFile, listFiles } from '@huggingface/hub';
import { QedError } from '../errors';
import { writeAll, writeFileAtomic } from './atomic';

/**
 * Reading a dataset from the Hugging Face Hub into the cache the Python tools share
 * (huggingface_hub, datasets): requests through `@huggingface/hub`, files laid out as
 * `<HF_HUB_CACHE>/datasets--<owner>--<name>/{refs/main, blobs/<etag>, snapshots/<sha>/<path>}`,
 * so a dataset the Python stack downloaded is read without any request, and ours is found by it.
 */

export const DEFAULT_HF_ENDPOINT = 'https://huggingface.co';

export interface HubOptions {
  /** Split to read (default 'train'). */
  split?: string;
  /** The hub cache folder (default: hubCacheDir(), i.e. $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub). */
  cacheDir?: string;
  /** Hub base URL (default: $HF_ENDPOINT, else https://huggingface.co). */
  hfEndpoint?: string;
  /** Access token (default: hubToken(), as huggingface_hub finds it). Sent as a Bearer token, never printed. */
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
  /** Commit sha of the dataset repository. */
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
  return {
    files: chosen
      .filter((d) => d.ext === best)
      .map((d) => d.path)
      .sort(),
  };
}

// ---------------------------------------------------------------------------------------------
// Cache layout (the Python tools' one):
//   <hub cache>/datasets--<owner>--<name>/refs/main               the commit sha of 'main'
//   <hub cache>/datasets--<owner>--<name>/blobs/<etag>             file contents (etag: LFS sha256, else git oid)
//   <hub cache>/datasets--<owner>--<name>/snapshots/<sha>/<path>   relative symlinks to the blobs (copies where
//                                                                  symlinks are not allowed)

const REVISION_RE = /^[A-Za-z0-9._-]{1,128}$/;
const ETAG_RE = /^[A-Za-z0-9]{16,128}$/;

/**
 * The Hugging Face hub cache folder, as huggingface_hub resolves it: $HF_HUB_CACHE, else
 * $HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else
 * ~/.cache/huggingface/hub.
 */
export function hubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const set = (v: string | undefined) => (v && v.trim() !== '' ? v : undefined);
  const explicit = set(env.HF_HUB_CACHE) ?? set(env.HUGGINGFACE_HUB_CACHE);
  if (explicit) return explicit;
  const home = set(env.HF_HOME) ?? join(set(env.XDG_CACHE_HOME) ?? join(homedir(), '.cache'), 'huggingface');
  return join(home, 'hub');
}

/** @deprecated the name before the Python cache layout; same as hubCacheDir(). */
export const defaultHubCacheDir = (): string => hubCacheDir();

/** A repository's folder in the hub cache: `datasets--owner--name` (`models--…` for models). */
export function hubRepoFolder(cacheDir: string, type: 'dataset' | 'model', id: string): string {
  return join(cacheDir, `${type}s--${id.split('/').join('--')}`);
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

/** Every file of a snapshot (symlinks followed; dangling ones left out), as repository paths. */
async function snapshotFiles(snapshot: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(snapshot, { recursive: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const name of names) if (await isFile(join(snapshot, name))) out.push(name.split(sep).join('/'));
  return out;
}

/** False when a sharded split (`…-00001-of-00003.…`) misses a shard: a partial download is not the split. */
function shardsComplete(files: string[]): boolean {
  const groups = new Map<string, Set<number>>();
  for (const f of files) {
    const m = /^(.*)-(\d{5})-of-(\d{5})(\.[^/]*)$/.exec(f);
    if (!m) continue;
    const key = `${m[1]}\u0000${m[3]}\u0000${m[4]}`;
    if (!groups.has(key)) groups.set(key, new Set());
    groups.get(key)!.add(Number(m[2]));
  }
  for (const [key, got] of groups) if (got.size !== Number(key.split('\u0000')[1])) return false;
  return true;
}

type CacheLookup =
  | { kind: 'hit'; revision: string; repoFiles: string[]; files: string[] }
  | { kind: 'miss'; revision?: string; cachedSplits: string[] };

/**
 * The split's files in the cached snapshot of 'main' (refs/main), as the Python tools or an
 * earlier run left them. Only what was downloaded is there, so a split missing from the cache is a
 * miss, not proof that the dataset has no such split.
 */
async function lookInCache(root: string, split: string): Promise<CacheLookup> {
  let revision: string;
  try {
    revision = (await readFile(join(root, 'refs', 'main'), 'utf8')).trim();
  } catch {
    return { kind: 'miss', cachedSplits: [] };
  }
  if (!REVISION_RE.test(revision)) return { kind: 'miss', cachedSplits: [] };
  const snapshot = join(root, 'snapshots', revision);
  const all = await snapshotFiles(snapshot);
  const pick = selectSplitFiles(all, split);
  if (pick.files === undefined) return { kind: 'miss', revision, cachedSplits: pick.available };
  if (!shardsComplete(pick.files)) return { kind: 'miss', revision, cachedSplits: [] };
  return { kind: 'hit', revision, repoFiles: pick.files, files: pick.files.map((p) => cachePath(snapshot, p)) };
}

/** Puts a downloaded blob at its snapshot path: a relative symlink as huggingface_hub makes, else a copy. */
async function linkIntoSnapshot(blob: string, dest: string): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  await unlink(dest).catch(() => undefined);
  try {
    await symlink(relative(dirname(dest), blob), dest);
  } catch {
    const tmp = `${dest}.${process.pid}.incomplete`;
    await copyFile(blob, tmp);
    await rename(tmp, dest);
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP (through @huggingface/hub, with our fetch: token, cancel, timeouts and clear errors)

/** The hub could not be reached or answered with a server-side failure: the cache may still help. */
class HubUnreachable extends Error {}

interface Ctx {
  id: string;
  endpoint: string;
  token?: string;
  /** Where the token came from, for messages ("HF_TOKEN", the token file's path). */
  tokenFrom?: string;
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
    if (Array.isArray(o.errors))
      for (const inner of o.errors) {
        const r = pick(inner);
        if (r) return r;
      }
    return typeof o.message === 'string' && o.message ? o.message : undefined;
  };
  return pick(cause) ?? (e instanceof Error ? e.message : String(e));
}

/** What a hub URL asks for, for messages: a file's path in the repository, or 'dataset'. */
function subjectOf(url: string): string {
  const m = /\/resolve\/[^/]+\/(.+?)(?:\?.*)?$/.exec(url);
  return m ? m[1].split('/').map(decodeURIComponent).join('/') : 'dataset';
}

/**
 * The fetch given to @huggingface/hub: sends the token only to the hub itself (not to the storage
 * servers it redirects to), follows the caller's cancel, gives up on a silent server, and turns a
 * refusal by the hub into a QedError naming the dataset (or file) and the way out.
 */
function hubFetch(ctx: Ctx): typeof fetch {
  const origin = new URL(ctx.endpoint).origin;
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const own = new URL(url, ctx.endpoint).origin === origin;
    const headers = new Headers(init?.headers);
    headers.set('user-agent', 'qed-workbench');
    if (own && ctx.token) headers.set('authorization', `Bearer ${ctx.token}`);
    else if (!own) headers.delete('authorization');
    const isDownload = /\/resolve\//.test(url) && !headers.has('range');
    const signals = [AbortSignal.timeout(isDownload ? 30 * 60_000 : 60_000)];
    if (ctx.signal) signals.push(ctx.signal);
    let res: Response;
    try {
      res = await ctx.fetch(url, { ...init, headers, signal: AbortSignal.any(signals), redirect: 'follow' });
    } catch (e) {
      if (ctx.signal?.aborted) throw ctx.signal.reason ?? e;
      throw new HubUnreachable(networkReason(e));
    }
    if (!res.ok && own) await failStatus(ctx, res, subjectOf(url));
    return res;
  };
}

/** Turns a non-2xx reply into the right error; `what` is 'dataset' or a file's path in the repository. Never returns. */
async function failStatus(ctx: Ctx, res: Response, what: string): Promise<never> {
  await res.body?.cancel().catch(() => undefined);
  const code = res.headers.get('x-error-code') ?? '';
  const page = `${ctx.endpoint}/datasets/${ctx.id}`;
  const tokenHint = ctx.token
    ? `the token in ${ctx.tokenFrom ?? 'HF_TOKEN'} was sent; check that it is valid and that its account has access`
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
      ctx.token
        ? `accept the conditions with the account whose token is in ${ctx.tokenFrom ?? 'HF_TOKEN'}`
        : 'accept its conditions, then set HF_TOKEN to a token of that account',
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

/** The parts of @huggingface/hub used here (imported by name, so the bundle keeps only these). */
const lib = { datasetInfo, downloadFile, listFiles };
type HubLib = typeof lib;

/** An error of @huggingface/hub itself (a reply it could not read) as a QedError. */
function libraryError(ctx: Ctx, e: unknown): unknown {
  if (e instanceof QedError || e instanceof HubUnreachable || ctx.signal?.aborted)
    return ctx.signal?.aborted ? (ctx.signal.reason ?? e) : e;
  const message = e instanceof Error ? e.message : String(e);
  return new QedError(
    `unexpected reply from the Hugging Face Hub at ${ctx.endpoint} for dataset '${ctx.id}': ${message}`,
    {},
    'check HF_ENDPOINT: it must point at a Hugging Face Hub (or a mirror of its API)',
  );
}

interface RepoFile {
  path: string;
  /** The blob name huggingface_hub uses: the LFS sha256, else the git object id. */
  etag?: string;
}

/** The commit 'main' points at and the repository's files at that commit. */
async function fetchListing(lib: HubLib, ctx: Ctx): Promise<{ revision: string; files: RepoFile[] }> {
  const f = hubFetch(ctx);
  const info = await lib.datasetInfo({ name: ctx.id, hubUrl: ctx.endpoint, fetch: f, additionalFields: ['sha'] });
  const sha = (info as { sha?: unknown }).sha;
  if (typeof sha !== 'string' || !REVISION_RE.test(sha)) {
    throw new QedError(
      `unexpected reply from the Hugging Face Hub at ${ctx.endpoint}: dataset '${ctx.id}' has no commit sha`,
      {},
      'check HF_ENDPOINT: it must point at a Hugging Face Hub (or a mirror of its API)',
    );
  }
  const files: RepoFile[] = [];
  for await (const e of lib.listFiles({
    repo: { type: 'dataset', name: ctx.id },
    recursive: true,
    revision: sha,
    hubUrl: ctx.endpoint,
    fetch: f,
  })) {
    if (e.type !== 'file') continue;
    const etag = e.lfs?.oid ?? e.oid;
    files.push({ path: e.path, etag: etag && ETAG_RE.test(etag) ? etag : undefined });
  }
  return { revision: sha, files };
}

/**
 * Downloads one file into blobs/ (written under a temporary name, renamed when complete, its size
 * checked) and links it into the snapshot. A blob already there (another revision, or the Python
 * tools) is linked without downloading it again.
 */
async function downloadInto(
  lib: HubLib,
  ctx: Ctx,
  root: string,
  revision: string,
  file: RepoFile,
  dest: string,
): Promise<void> {
  const blobs = join(root, 'blobs');
  if (file.etag && (await isFile(join(blobs, file.etag)))) return linkIntoSnapshot(join(blobs, file.etag), dest);
  const blob = await lib.downloadFile({
    repo: { type: 'dataset', name: ctx.id },
    path: file.path,
    revision,
    hubUrl: ctx.endpoint,
    fetch: hubFetch(ctx),
  });
  if (!blob)
    throw new QedError(`the Hugging Face Hub at ${ctx.endpoint} has no file ${file.path} in dataset '${ctx.id}'`);
  // Without an etag from the listing, name the blob by its git object id, as git (and the hub) would.
  const gitOid = createHash('sha1').update(`blob ${blob.size}\0`);
  const pending = join(
    blobs,
    `qed-${process.pid}-${createHash('sha1').update(file.path).digest('hex').slice(0, 12)}.incomplete`,
  );
  try {
    await writeFileAtomic(pending, async (fh) => {
      const reader = blob.stream().getReader();
      let received = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        received += value.byteLength;
        gitOid.update(value);
        await writeAll(fh, value);
      }
      if (received !== blob.size)
        throw new HubUnreachable(`the download of ${file.path} ended early (${received} of ${blob.size} bytes)`);
    });
  } catch (e) {
    await unlink(pending).catch(() => undefined);
    if (ctx.signal?.aborted) throw ctx.signal.reason ?? e;
    if (e instanceof HubUnreachable || e instanceof QedError) throw e;
    throw new HubUnreachable(`the download of ${file.path} failed: ${networkReason(e)}`);
  }
  const target = join(blobs, file.etag ?? gitOid.digest('hex'));
  await rename(pending, target);
  await linkIntoSnapshot(target, dest);
}

// ---------------------------------------------------------------------------------------------

function envFlag(v: string | undefined): boolean {
  return v !== undefined && /^(1|true|yes|on)$/i.test(v.trim());
}

function unknownSplit(id: string, split: string, available: string[]): QedError {
  if (available.length === 0) {
    return new QedError(
      `dataset '${id}' has no data files this workbench can read (parquet, jsonl, json, csv, tsv)`,
      {},
      'download the data yourself and pass it with --data-path',
    );
  }
  return new QedError(
    `dataset '${id}' has no split '${split}'; available splits: ${available.join(', ')}`,
    { field: 'split' },
    'choose one of them with --split',
  );
}

/**
 * The access token as huggingface_hub finds it: $HF_TOKEN, else $HUGGING_FACE_HUB_TOKEN, else the
 * file `huggingface-cli login` writes ($HF_TOKEN_PATH, else $HF_HOME/token, else
 * $XDG_CACHE_HOME/huggingface/token, else ~/.cache/huggingface/token). `from` names where it was
 * found (the variable or the file), never the token itself.
 */
export function hubToken(env: NodeJS.ProcessEnv = process.env): { token: string; from: string } | undefined {
  const set = (v: string | undefined) => (v && v.trim() !== '' ? v.trim() : undefined);
  for (const name of ['HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN']) {
    const v = set(env[name]);
    if (v) return { token: v, from: name };
  }
  const home = set(env.HF_HOME) ?? join(set(env.XDG_CACHE_HOME) ?? join(homedir(), '.cache'), 'huggingface');
  const file = set(env.HF_TOKEN_PATH) ?? join(home, 'token');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined; // no login on this machine: public datasets need none
  }
  const v = set(text.split(/\r?\n/)[0]);
  return v ? { token: v, from: file } : undefined;
}

/** The endpoint, token and offline switch from the options, else the environment (as huggingface_hub reads them). */
export function hubSettings(opts: Pick<HubOptions, 'hfEndpoint' | 'token' | 'offline'> = {}): {
  endpoint: string;
  token?: string;
  tokenFrom?: string;
  offline: boolean;
} {
  const endpointRaw = (opts.hfEndpoint ?? process.env.HF_ENDPOINT ?? DEFAULT_HF_ENDPOINT).trim();
  const endpoint = endpointRaw.replace(/\/+$/, '');
  let protocol: string;
  try {
    protocol = new URL(endpoint).protocol;
  } catch {
    protocol = '';
  }
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new QedError(
      `'${endpointRaw}' is not an http(s) URL`,
      { field: 'HF_ENDPOINT' },
      'set HF_ENDPOINT to e.g. https://huggingface.co',
    );
  }
  const given = opts.token?.trim() ? { token: opts.token.trim(), from: 'the token given' } : undefined;
  const found = given ?? hubToken();
  return {
    endpoint,
    token: found?.token,
    tokenFrom: found?.from,
    offline: opts.offline ?? envFlag(process.env.HF_HUB_OFFLINE),
  };
}

/**
 * Makes sure the files of a hub dataset's split are in the hub cache and returns their paths.
 * A split already in the cached snapshot of 'main' (downloaded by us or by the Python tools) is
 * used without any request (unless `refresh`). Otherwise the commit of 'main' and the repository's
 * file list are fetched, the split's files picked, the missing ones downloaded, and refs/main
 * updated. An unreachable hub falls back to the cache with a warning.
 */
export async function downloadHubDataset(idOrRef: string, opts: HubOptions = {}): Promise<HubDownload> {
  const id = parseHubId(idOrRef);
  if (id === undefined) {
    throw new QedError(
      `'${idOrRef}' is not a Hugging Face dataset id`,
      {},
      "a dataset id looks like 'owner/name', e.g. lm-provers/IMOProofBench",
    );
  }
  const split = opts.split ?? 'train';
  const { endpoint, token, tokenFrom, offline } = hubSettings(opts);
  const cacheDir = resolve(opts.cacheDir ?? hubCacheDir());
  const root = hubRepoFolder(cacheDir, 'dataset', id);

  const done = (
    revision: string,
    repoFiles: string[],
    files: string[],
    fromCache: boolean,
    warnings: string[] = [],
  ): HubDownload => ({
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
    const have = cached.cachedSplits.length ? ` (cached splits: ${cached.cachedSplits.join(', ')})` : '';
    throw new QedError(
      `dataset '${id}' (split '${split}') is not in the local cache (${cacheDir})${have} and offline mode is on (HF_HUB_OFFLINE)`,
      {},
      'unset HF_HUB_OFFLINE to download it, or pass a local file: --data-path FILE (.jsonl, .json, .csv or .parquet)',
    );
  }

  const ctx: Ctx = { id, endpoint, token, tokenFrom, signal: opts.signal, fetch: opts.fetch ?? globalThis.fetch };
  try {
    try {
      const listing = await fetchListing(lib, ctx);
      const pick = selectSplitFiles(
        listing.files.map((f) => f.path),
        split,
      );
      if (pick.files === undefined) throw unknownSplit(id, split, pick.available);
      const byPath = new Map(listing.files.map((f) => [f.path, f]));
      const snapshot = join(root, 'snapshots', listing.revision);
      const files = pick.files.map((p) => cachePath(snapshot, p));
      for (let i = 0; i < files.length; i++) {
        if (!(await isFile(files[i])))
          await downloadInto(lib, ctx, root, listing.revision, byPath.get(pick.files[i])!, files[i]);
      }
      // huggingface_hub writes the sha without a newline.
      await writeFileAtomic(join(root, 'refs', 'main'), listing.revision);
      return done(listing.revision, pick.files, files, false);
    } catch (e) {
      throw libraryError(ctx, e);
    }
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
