// Hugging Face Hub download tests against a fake hub on 127.0.0.1 (never the internet).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isQedError, type QedError } from '../../src/core/errors';
import { hubToken } from '../../src/core/data/hub';
import { hubCacheDir, looksLikeHubId, parseHubId, readDataset, selectSplitFiles, type Row } from '../../src/core/data';

interface FakeRepo {
  sha: string;
  files: Record<string, string | Uint8Array>;
  /** Answer every request for this repo with this status (and optional x-error-code). */
  status?: number;
  errorCode?: string;
  /** Require this bearer token. */
  token?: string;
  /** Wait this long before answering (to test cancellation). */
  delayMs?: number;
}

interface FakeHub {
  url: string;
  requests: { path: string; auth?: string; range?: string }[];
  close(): Promise<void>;
}

function send(
  res: ServerResponse,
  status: number,
  body: string | Uint8Array,
  headers: Record<string, string> = {},
): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body);
  res.writeHead(status, { 'content-length': String(bytes.length), ...headers });
  res.end(bytes);
}

/** The git object id of a file's content: the etag the hub lists for files not in LFS. */
function gitOid(content: string | Uint8Array): string {
  const bytes = Buffer.from(content);
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

/**
 * The parts of the Hub API @huggingface/hub uses here: repository info at HEAD, the recursive tree
 * (two entries per page, with an absolute Link header to the next), and resolve (a Range 0-0 probe
 * for size and etag, then the whole file).
 */
async function startHub(repos: Record<string, FakeRepo>): Promise<FakeHub> {
  const requests: FakeHub['requests'] = [];
  let base = '';
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push({ path: url.pathname + url.search, auth: req.headers.authorization, range: req.headers.range });
    const api = /^\/api\/datasets\/([^/]+)\/([^/]+)(?:\/(revision|tree)\/([^/]+))?$/.exec(url.pathname);
    const resolveMatch = /^\/datasets\/([^/]+)\/([^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    const m = api ?? resolveMatch;
    const repo = m ? repos[`${decodeURIComponent(m[1])}/${decodeURIComponent(m[2])}`] : undefined;
    if (!m || !repo) return send(res, 404, '{"error":"Repository not found"}', { 'x-error-code': 'RepoNotFound' });
    if (repo.token && req.headers.authorization !== `Bearer ${repo.token}`) {
      return send(res, 401, '{"error":"Invalid credentials"}');
    }
    if (repo.delayMs) {
      const timer = setTimeout(() => send(res, 200, '{}'), repo.delayMs);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    if (repo.status)
      return send(res, repo.status, '{"error":"nope"}', repo.errorCode ? { 'x-error-code': repo.errorCode } : {});
    const names = Object.keys(repo.files);
    if (api && api[3] !== 'tree') {
      const info: Record<string, unknown> = { _id: 'x', id: `${m[1]}/${m[2]}`, sha: repo.sha };
      return send(res, 200, JSON.stringify(info), { 'content-type': 'application/json' });
    }
    if (api) {
      const page = Number(url.searchParams.get('cursor') ?? '0');
      const entries = [
        { type: 'directory', path: 'data' },
        ...names.map((p) => ({ type: 'file', path: p, size: 1, oid: gitOid(repo.files[p]) })),
      ];
      const slice = entries.slice(page * 2, page * 2 + 2);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (page * 2 + 2 < entries.length)
        headers.link = `<${base}${url.pathname}?recursive=true&cursor=${page + 1}>; rel="next"`;
      return send(res, 200, JSON.stringify(slice), headers);
    }
    const [, , , rev, filePath] = resolveMatch!;
    const content = repo.files[decodeURIComponent(filePath)];
    if (rev !== repo.sha || content === undefined)
      return send(res, 404, 'Entry not found', { 'x-error-code': 'EntryNotFound' });
    const bytes = Buffer.from(content);
    const etag = `"${gitOid(content)}"`;
    if (req.headers.range === 'bytes=0-0') {
      return send(res, 206, bytes.subarray(0, 1), {
        'content-range': `bytes 0-0/${bytes.length}`,
        etag,
        'content-type': 'application/octet-stream',
      });
    }
    return send(res, 200, bytes, { etag, 'content-type': 'application/octet-stream' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  return {
    url: base,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/** A loopback port with nothing listening on it. */
async function deadEndpoint(): Promise<string> {
  const hub = await startHub({});
  await hub.close();
  return hub.url;
}

async function parquet(columns: Record<string, string[]>): Promise<Uint8Array> {
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const columnData = Object.entries(columns).map(([name, data]) => ({ name, data, type: 'STRING' as const }));
  return new Uint8Array(parquetWriteBuffer({ columnData }));
}

async function rejectsQed(p: Promise<unknown>): Promise<QedError> {
  try {
    await p;
  } catch (e) {
    assert.ok(isQedError(e), `expected a QedError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the promise to reject');
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(path.relative(dir, path.join(entry.parentPath ?? entry.path, entry.name)));
  }
  return out.sort();
}

const SHA = '0123456789abcdef0123456789abcdef01234567';
const ID = 'lm-provers/IMOProofBench';

let tmp: string;
let cacheN = 0;
const freshCache = () => path.join(tmp, `cache-${++cacheN}`);
const savedEnv: Record<string, string | undefined> = {};
const ENV_KEYS = [
  'HF_TOKEN',
  'HUGGING_FACE_HUB_TOKEN',
  'HF_HUB_OFFLINE',
  'HF_ENDPOINT',
  'HF_HOME',
  'HF_HUB_CACHE',
  'HUGGINGFACE_HUB_CACHE',
  'XDG_CACHE_HOME',
  'HF_TOKEN_PATH',
];

before(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'qed-hub-test-'));
  for (const k of ENV_KEYS) {
    savedEnv[k] = process.env[k];
    delete process.env[k];
  }
  // No test reads this machine's own Hugging Face login (~/.cache/huggingface/token).
  process.env.HF_TOKEN_PATH = path.join(tmp, 'no-login', 'token');
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
  for (const k of ENV_KEYS) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
});

describe('Hugging Face download', () => {
  test('downloads the train split (parquet), then reads it from the cache with the hub gone', async () => {
    const train = await parquet({
      problem_id: ['PB-Basic-001', 'PB-Advanced-001'],
      problem: ['Show $x$.', 'Prove $y$.'],
      grading_guidelines: ['(Partial) ...', '(Almost) ...'],
    });
    const hub = await startHub({
      [ID]: {
        sha: SHA,
        files: { '.gitattributes': '*', 'README.md': '# card', 'data/train-00000-of-00001.parquet': train },
      },
    });
    const cacheDir = freshCache();
    let first;
    try {
      first = await readDataset(ID, { hfEndpoint: hub.url, cacheDir });
    } finally {
      await hub.close();
    }
    assert.equal(first.source, `hf:${ID}@train`);
    assert.equal(first.revision, SHA);
    assert.deepEqual(first.columns, ['problem_id', 'problem', 'grading_guidelines']);
    assert.deepEqual(first.rows[1], {
      problem_id: 'PB-Advanced-001',
      problem: 'Prove $y$.',
      grading_guidelines: '(Almost) ...',
    });
    assert.ok(first.file.startsWith(cacheDir));
    assert.ok(first.file.endsWith(path.join(SHA, 'data', 'train-00000-of-00001.parquet')));
    // Through @huggingface/hub: the commit of main, the file list at it, then the file (a size probe, then the bytes).
    assert.deepEqual(
      hub.requests.map((r) => `${r.path.split('?')[0]}${r.range ? ` (${r.range})` : ''}`),
      [
        `/api/datasets/${ID}/revision/HEAD`,
        `/api/datasets/${ID}/tree/${SHA}`,
        `/api/datasets/${ID}/tree/${SHA}`, // the second page, by the Link header
        `/datasets/${ID}/resolve/${SHA}/data/train-00000-of-00001.parquet (bytes=0-0)`,
        `/datasets/${ID}/resolve/${SHA}/data/train-00000-of-00001.parquet`,
      ],
    );
    assert.ok(
      hub.requests.every((r) => r.auth === undefined),
      'no token is sent when none is set',
    );
    // The Python tools' layout: refs/main, the content under blobs/<etag>, a relative symlink in the snapshot.
    const repo = path.join(cacheDir, 'datasets--lm-provers--IMOProofBench');
    assert.equal(await readFile(path.join(repo, 'refs', 'main'), 'utf8'), SHA);
    const link = path.join(repo, 'snapshots', SHA, 'data', 'train-00000-of-00001.parquet');
    assert.equal(first.file, link);
    assert.equal(await readlink(link), path.join('..', '..', '..', 'blobs', gitOid(train)));
    // Only the split's file was downloaded, and no temporary file was left behind.
    const cached = await listFiles(cacheDir);
    assert.deepEqual(cached, [
      path.join('datasets--lm-provers--IMOProofBench', 'blobs', gitOid(train)),
      path.join('datasets--lm-provers--IMOProofBench', 'refs', 'main'),
    ]);
    assert.ok((await lstat(link)).isSymbolicLink());

    // The hub is closed now: the second read must come from the cache without any request.
    const second = await readDataset(ID, { hfEndpoint: hub.url, cacheDir });
    assert.deepEqual(second.rows, first.rows);
    assert.equal(second.revision, SHA);
    assert.equal(hub.requests.length, 5);
  });

  test('jsonl files named after their split', async () => {
    const hub = await startHub({
      'someone/answers': {
        sha: 'abc123',
        files: {
          'train.jsonl': '{"Problem ID":"t1","Problem":"train q","Short Answer":"1"}\n',
          'test.jsonl':
            '{"Problem ID":"s1","Problem":"test q","Short Answer":"2"}\n{"Problem ID":"s2","Problem":"q","Short Answer":"3"}\n',
        },
      },
    });
    try {
      const d = await readDataset('someone/answers', { split: 'test', hfEndpoint: hub.url, cacheDir: freshCache() });
      assert.equal(d.source, 'hf:someone/answers@test');
      assert.deepEqual(
        d.rows.map((r: Row) => r.problem_id),
        ['s1', 's2'],
      );
      assert.deepEqual(d.renamed, { 'Problem ID': 'problem_id', Problem: 'problem', 'Short Answer': 'answer' });
      assert.ok(!hub.requests.some((r) => r.path.includes('train.jsonl')));
    } finally {
      await hub.close();
    }
  });

  test('an unknown split is an error listing the available ones', async () => {
    const hub = await startHub({
      'lm-provers/ProofBench': {
        sha: SHA,
        files: {
          'data/24_25-00000-of-00001.parquet': await parquet({ problem: ['a'] }),
          'data/other-00000-of-00001.parquet': await parquet({ problem: ['b'] }),
        },
      },
    });
    try {
      const e = await rejectsQed(readDataset('lm-provers/ProofBench', { hfEndpoint: hub.url, cacheDir: freshCache() }));
      assert.match(e.message, /dataset 'lm-provers\/ProofBench' has no split 'train'; available splits: 24_25, other/);
      assert.equal(e.location.field, 'split');
      const d = await readDataset('lm-provers/ProofBench', {
        split: '24_25',
        hfEndpoint: hub.url,
        cacheDir: freshCache(),
      });
      assert.deepEqual(d.rows, [{ problem: 'a' }]);
    } finally {
      await hub.close();
    }
  });

  test('several shards are read in order from the paginated tree listing', async () => {
    const hub = await startHub({
      'owner/sharded': {
        sha: SHA,
        files: {
          'data/train-00001-of-00002.parquet': await parquet({ problem: ['third', 'fourth'] }),
          'data/train-00000-of-00002.parquet': await parquet({ problem: ['first', 'second'] }),
          'data/test-00000-of-00001.parquet': await parquet({ problem: ['other'] }),
        },
      },
    });
    try {
      const d = await readDataset('owner/sharded', { hfEndpoint: hub.url, cacheDir: freshCache() });
      assert.deepEqual(
        d.rows.map((r: Row) => r.problem),
        ['first', 'second', 'third', 'fourth'],
      );
      assert.equal(d.files?.length, 2);
      assert.ok(hub.requests.filter((r) => r.path.includes('/tree/')).length >= 2, 'follows the Link header');
    } finally {
      await hub.close();
    }
  });

  test('hub unreachable and nothing cached: clear message naming the endpoint and the way out', async () => {
    const endpoint = await deadEndpoint();
    const cacheDir = freshCache();
    const e = await rejectsQed(readDataset(ID, { hfEndpoint: endpoint, cacheDir }));
    assert.match(
      e.message,
      new RegExp(`could not reach the Hugging Face Hub at ${endpoint.replace(/\./g, '\\.')} \\(ECONNREFUSED\\)`),
    );
    assert.match(e.message, /dataset 'lm-provers\/IMOProofBench' \(split 'train'\) is not in the local cache/);
    assert.ok(e.message.includes(cacheDir));
    assert.match(e.hint ?? '', /pass a local file instead \(--data-path FILE: \.jsonl, \.json, \.csv or \.parquet\)/);
    assert.match(e.hint ?? '', /HF_ENDPOINT/);
  });

  test('HF_ENDPOINT is used when no endpoint option is given', async () => {
    process.env.HF_ENDPOINT = await deadEndpoint();
    try {
      const e = await rejectsQed(readDataset(ID, { cacheDir: freshCache() }));
      assert.ok(e.message.includes(process.env.HF_ENDPOINT));
    } finally {
      delete process.env.HF_ENDPOINT;
    }
  });

  test('401, 404 and gated datasets get clear messages', async () => {
    const hub = await startHub({
      'org/private': { sha: SHA, files: {}, status: 401 },
      'org/gated': { sha: SHA, files: {}, status: 403, errorCode: 'GatedRepo' },
    });
    try {
      const opts = { hfEndpoint: hub.url, cacheDir: freshCache() };
      const e401 = await rejectsQed(readDataset('org/private', opts));
      assert.match(
        e401.message,
        /dataset 'org\/private' needs authentication \(HTTP 401\): it is private or gated, or does not exist/,
      );
      assert.match(e401.hint ?? '', /HF_TOKEN/);
      const e404 = await rejectsQed(readDataset('org/missing', opts));
      assert.match(
        e404.message,
        /no dataset 'org\/missing' on the Hugging Face Hub at http:\/\/127\.0\.0\.1:\d+ \(HTTP 404\)/,
      );
      const gated = await rejectsQed(readDataset('org/gated', opts));
      assert.match(gated.message, /dataset 'org\/gated' is gated \(HTTP 403\)/);
    } finally {
      await hub.close();
    }
  });

  test('HF_TOKEN is sent as a Bearer token and never appears in messages', async () => {
    const secret = 'hf_TestSecretTokenValue123';
    const hub = await startHub({
      'org/needs-token': { sha: SHA, token: secret, files: { 'train.jsonl': '{"problem":"p"}\n' } },
    });
    try {
      process.env.HF_TOKEN = secret;
      const d = await readDataset('org/needs-token', { hfEndpoint: hub.url, cacheDir: freshCache() });
      assert.deepEqual(d.rows, [{ problem: 'p' }]);
      assert.ok(hub.requests.every((r) => r.auth === `Bearer ${secret}`));

      process.env.HF_TOKEN = 'hf_WrongTokenValue456';
      const e = await rejectsQed(readDataset('org/needs-token', { hfEndpoint: hub.url, cacheDir: freshCache() }));
      assert.match(e.message, /refused access to dataset 'org\/needs-token' \(HTTP 401\)/);
      assert.ok(!e.message.includes('hf_WrongTokenValue456') && !(e.hint ?? '').includes('hf_WrongTokenValue456'));
    } finally {
      delete process.env.HF_TOKEN;
      await hub.close();
    }
  });

  test('the token `huggingface-cli login` saved ($HF_HOME/token, or $HF_TOKEN_PATH) is sent when HF_TOKEN is not set', async () => {
    const secret = 'hf_SavedByLoginToken789';
    const hub = await startHub({
      'org/needs-token': { sha: SHA, token: secret, files: { 'train.jsonl': '{"problem":"p"}\n' } },
    });
    const home = path.join(tmp, 'hf-home-login');
    await mkdir(home, { recursive: true });
    await writeFile(path.join(home, 'token'), `${secret}\n`);
    const savedPath = process.env.HF_TOKEN_PATH;
    try {
      delete process.env.HF_TOKEN_PATH;
      process.env.HF_HOME = home;
      assert.deepEqual(hubToken(), { token: secret, from: path.join(home, 'token') });
      const d = await readDataset('org/needs-token', { hfEndpoint: hub.url, cacheDir: freshCache() });
      assert.deepEqual(d.rows, [{ problem: 'p' }]);
      assert.ok(hub.requests.every((r) => r.auth === `Bearer ${secret}`));

      // HF_TOKEN_PATH names another file; HF_TOKEN still comes first.
      const other = path.join(tmp, 'elsewhere-token');
      await writeFile(other, 'hf_WrongSavedToken000\n');
      process.env.HF_TOKEN_PATH = other;
      const e = await rejectsQed(readDataset('org/needs-token', { hfEndpoint: hub.url, cacheDir: freshCache() }));
      assert.match(e.message, /refused access/);
      // The hint says which file's token was sent, never the token.
      assert.ok((e.hint ?? '').includes(other), e.hint);
      assert.ok(!`${e.message} ${e.hint}`.includes('hf_WrongSavedToken000'));
      process.env.HF_TOKEN = secret;
      assert.deepEqual(hubToken(), { token: secret, from: 'HF_TOKEN' });
      // An empty file is no token.
      await writeFile(other, '\n');
      delete process.env.HF_TOKEN;
      assert.equal(hubToken(), undefined);
    } finally {
      delete process.env.HF_TOKEN;
      delete process.env.HF_HOME;
      process.env.HF_TOKEN_PATH = savedPath;
      await hub.close();
    }
  });

  test('refresh asks the hub again, and falls back to the cache (with a warning) when it is down', async () => {
    const files = { 'data/train-00000-of-00001.parquet': await parquet({ problem: ['v1'] }) };
    const hub = await startHub({ [ID]: { sha: SHA, files } });
    const cacheDir = freshCache();
    try {
      await readDataset(ID, { hfEndpoint: hub.url, cacheDir });
      const before = hub.requests.length;
      await readDataset(ID, { hfEndpoint: hub.url, cacheDir, refresh: true });
      assert.equal(
        hub.requests.length,
        before + 2,
        'the commit and the file list, no re-download of the same revision',
      );
    } finally {
      await hub.close();
    }
    const d = await readDataset(ID, { hfEndpoint: hub.url, cacheDir, refresh: true });
    assert.deepEqual(d.rows, [{ problem: 'v1' }]);
    assert.match(d.warnings?.[0] ?? '', /could not reach the Hugging Face Hub .* using the cached copy/);
  });

  test('offline mode uses only the cache', async () => {
    const e = await rejectsQed(
      readDataset(ID, { hfEndpoint: 'http://127.0.0.1:9', cacheDir: freshCache(), offline: true }),
    );
    assert.match(e.message, /not in the local cache .* offline mode is on/);
  });

  // The slow hub never answers in time: only the cancel can end the request before the test's hang guard.
  test(
    'cancelling (before or during a request) rejects with the abort reason, not an input error',
    { timeout: 60_000 },
    async () => {
      const hub = await startHub({ 'slow/ds': { sha: SHA, delayMs: 5000, files: {} } });
      const isAbort = (e: unknown) => {
        assert.ok(!isQedError(e));
        assert.equal((e as Error).name, 'AbortError');
        return true;
      };
      try {
        const early = new AbortController();
        early.abort();
        await assert.rejects(
          readDataset('slow/ds', { hfEndpoint: hub.url, cacheDir: freshCache(), signal: early.signal }),
          isAbort,
        );
        const late = new AbortController();
        setTimeout(() => late.abort(), 50);
        await assert.rejects(
          readDataset('slow/ds', { hfEndpoint: hub.url, cacheDir: freshCache(), signal: late.signal }),
          isAbort,
        );
      } finally {
        await hub.close();
      }
    },
  );
});

describe("the Python tools' hub cache", () => {
  /** A dataset as huggingface_hub leaves it: refs/main, blobs/<sha256>, relative symlinks in the snapshot. */
  async function pythonCache(
    hubDir: string,
    id: string,
    files: Record<string, Uint8Array | string>,
    sha = SHA,
  ): Promise<void> {
    const repo = path.join(hubDir, `datasets--${id.replace('/', '--')}`);
    await mkdir(path.join(repo, 'refs'), { recursive: true });
    await writeFile(path.join(repo, 'refs', 'main'), sha);
    for (const [p, content] of Object.entries(files)) {
      const etag = createHash('sha256').update(content).digest('hex');
      await mkdir(path.join(repo, 'blobs'), { recursive: true });
      await writeFile(path.join(repo, 'blobs', etag), content);
      const dest = path.join(repo, 'snapshots', sha, ...p.split('/'));
      await mkdir(path.dirname(dest), { recursive: true });
      await symlink(path.relative(path.dirname(dest), path.join(repo, 'blobs', etag)), dest);
    }
  }

  test('a dataset the Python tools downloaded (under HF_HOME) is read with no request at all', async () => {
    const home = path.join(tmp, 'hf-home');
    await pythonCache(path.join(home, 'hub'), 'lm-provers/olympiads-proof-graderbench', {
      'README.md': '# card',
      'data/train-00000-of-00001.parquet': await parquet({ problem: ['cached $x$'] }),
    });
    const hub = await startHub({});
    process.env.HF_HOME = home;
    try {
      const d = await readDataset('lm-provers/olympiads-proof-graderbench', { hfEndpoint: hub.url });
      assert.deepEqual(d.rows, [{ problem: 'cached $x$' }]);
      assert.equal(d.revision, SHA);
      assert.ok(
        d.file.startsWith(
          path.join(home, 'hub', 'datasets--lm-provers--olympiads-proof-graderbench', 'snapshots', SHA),
        ),
      );
      assert.equal(hub.requests.length, 0);
      // HF_HUB_CACHE wins over HF_HOME, as in huggingface_hub.
      process.env.HF_HUB_CACHE = path.join(tmp, 'elsewhere');
      const e = await rejectsQed(readDataset('lm-provers/olympiads-proof-graderbench', { offline: true }));
      assert.ok(e.message.includes(path.join(tmp, 'elsewhere')), e.message);
    } finally {
      delete process.env.HF_HOME;
      delete process.env.HF_HUB_CACHE;
      await hub.close();
    }
  });

  test('where the cache is, as huggingface_hub decides it', () => {
    const home = (env: NodeJS.ProcessEnv) => hubCacheDir({ HOME: '/h', ...env });
    assert.equal(home({ HF_HUB_CACHE: '/a', HF_HOME: '/b' }), '/a');
    assert.equal(home({ HUGGINGFACE_HUB_CACHE: '/old', HF_HOME: '/b' }), '/old');
    assert.equal(home({ HF_HOME: '/b', XDG_CACHE_HOME: '/x' }), path.join('/b', 'hub'));
    assert.equal(home({ XDG_CACHE_HOME: '/x' }), path.join('/x', 'huggingface', 'hub'));
  });

  test('a split missing a shard in the cache is downloaded, not read half', async () => {
    const cacheDir = freshCache();
    const shards = {
      'data/train-00000-of-00002.parquet': await parquet({ problem: ['one'] }),
      'data/train-00001-of-00002.parquet': await parquet({ problem: ['two'] }),
    };
    await pythonCache(cacheDir, 'org/halves', {
      'data/train-00000-of-00002.parquet': shards['data/train-00000-of-00002.parquet'],
    });
    const offline = await rejectsQed(readDataset('org/halves', { cacheDir, offline: true }));
    assert.match(offline.message, /not in the local cache/);
    const hub = await startHub({ 'org/halves': { sha: SHA, files: shards } });
    try {
      const d = await readDataset('org/halves', { hfEndpoint: hub.url, cacheDir });
      assert.deepEqual(
        d.rows.map((r: Row) => r.problem),
        ['one', 'two'],
      );
      // The shard already there is not fetched again.
      assert.ok(!hub.requests.some((r) => r.path.endsWith('train-00000-of-00002.parquet')));
    } finally {
      await hub.close();
    }
  });
});

describe('hub ids and split layouts', () => {
  test('what counts as a hub id', () => {
    assert.equal(parseHubId('lm-provers/IMOProofBench'), 'lm-provers/IMOProofBench');
    assert.equal(parseHubId('hf:lm-provers/ProofBench'), 'lm-provers/ProofBench');
    assert.equal(parseHubId('hf://datasets/a/b'), 'a/b');
    assert.equal(parseHubId('a/b/c'), undefined);
    assert.equal(parseHubId('../x'), undefined);
    assert.ok(looksLikeHubId('lm-provers/IMOBench-FinalAnswer'));
    assert.ok(!looksLikeHubId('data/answers.csv'));
    assert.ok(!looksLikeHubId('./a/b'));
    assert.ok(!looksLikeHubId('/a/b'));
    assert.ok(looksLikeHubId('hf:owner/name.csv'));
  });

  test('split selection follows the usual layouts', () => {
    const pick = (files: string[], split: string) => selectSplitFiles(files, split);
    assert.deepEqual(
      pick(['README.md', 'data/train-00000-of-00001.parquet', 'data/test-00000-of-00001.parquet'], 'train').files,
      ['data/train-00000-of-00001.parquet'],
    );
    assert.deepEqual(pick(['train-00000-of-00002.parquet', 'train-00001-of-00002.parquet'], 'train').files, [
      'train-00000-of-00002.parquet',
      'train-00001-of-00002.parquet',
    ]);
    assert.deepEqual(pick(['train.jsonl', 'validation.jsonl'], 'validation').files, ['validation.jsonl']);
    assert.deepEqual(pick(['data/train.csv', 'data/test.csv'], 'test').files, ['data/test.csv']);
    assert.deepEqual(pick(['train/0000.parquet', 'test/0000.parquet'], 'train').files, ['train/0000.parquet']);
    assert.deepEqual(pick(['test/problems.jsonl', 'train/problems.jsonl'], 'test').files, ['test/problems.jsonl']);
    // Several formats of one split: parquet wins.
    assert.deepEqual(pick(['data/train.csv', 'data/train-00000-of-00001.parquet'], 'train').files, [
      'data/train-00000-of-00001.parquet',
    ]);
    // No split naming at all: everything is 'train'.
    assert.deepEqual(pick(['imoproofbench.csv', 'README.md'], 'train').files, ['imoproofbench.csv']);
    assert.deepEqual(pick(['imoproofbench.csv'], 'test'), { available: ['imoproofbench', 'train'] });
    assert.deepEqual(pick(['data/a-00000-of-00001.parquet', 'data/b-00000-of-00001.parquet'], 'c'), {
      available: ['a', 'b'],
    });
    // Nothing readable.
    assert.deepEqual(pick(['README.md', '.gitattributes'], 'train'), { available: [] });
    // Unsafe paths are never used.
    assert.deepEqual(pick(['../train.jsonl'], 'train'), { available: [] });
  });
});
