/**
 * Shared by the viewer's browser tests: results rows (from the IMO-Bench CSVs or synthetic),
 * one headless Chromium per test file, the page error trap, and screenshots.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const ROOT = resolve(__dirname, '..', '..');
export const DIST = join(ROOT, 'dist');
export const RESULTS = join(ROOT, 'test-results');
export const CHROMIUM = process.env.QED_CHROMIUM || '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
export const NO_CHROMIUM = `${CHROMIUM} not found: install it (apt-get install chromium) to run the viewer's browser tests`;
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Builds dist/ (viewer bundle + CLI) once when a test file runs on its own. */
export function ensureBuilt(): void {
  if (existsSync(join(DIST, 'webview.js')) && existsSync(join(DIST, 'webview.css')) && existsSync(join(DIST, 'cli.js')))
    return;
  const r = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('build failed');
}

export function tempDir(prefix = 'qed-view-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * One browser per test file: a persistent context on a fresh profile folder (Chromium's
 * --user-data-dir, which playwright sets from it), removed by close(). HOME and the XDG folders
 * point inside it so Chromium writes nothing into the real home.
 */
export async function launch(): Promise<{
  context: BrowserContext;
  newPage: (opts?: { width?: number; height?: number; colorScheme?: 'light' | 'dark' }) => Promise<Page>;
  close: () => Promise<void>;
}> {
  const profile = tempDir('qed-chromium-');
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    HOME: profile,
    XDG_CONFIG_HOME: join(profile, 'config'),
    XDG_CACHE_HOME: join(profile, 'cache'),
  };
  const context = await chromium.launchPersistentContext(join(profile, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    env,
    viewport: { width: 1280, height: 800 },
  });
  const first = context.pages()[0];
  let firstUsed = false;
  return {
    context,
    newPage: async (opts = {}) => {
      const page = !firstUsed && first ? first : await context.newPage();
      firstUsed = true;
      await page.setViewportSize({ width: opts.width ?? 1280, height: opts.height ?? 800 });
      await page.emulateMedia({ colorScheme: opts.colorScheme ?? 'light' });
      page.setDefaultTimeout(8000);
      return page;
    },
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

type Browser = Awaited<ReturnType<typeof launch>>;

/**
 * Registers the test file's before/after hooks: builds dist/ if needed, starts one browser and a
 * scratch folder (when Chromium is installed), and removes both afterwards.
 */
export function browserAndScratch(): { browser: () => Browser; dir: () => string } {
  let browser: Browser | undefined;
  let dir: string | undefined;
  before(async () => {
    if (!HAVE_CHROMIUM) return;
    ensureBuilt();
    dir = tempDir();
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const started = () => {
    if (!browser || !dir) throw new Error('no browser: the tests of this file need Chromium');
    return { browser, dir };
  };
  return { browser: () => started().browser, dir: () => started().dir };
}

/** Collects uncaught page errors and console errors; installs the `window.__pwned` trap. */
export async function watchPage(page: Page): Promise<{ errors: string[]; consoleErrors: string[] }> {
  const errors: string[] = [];
  const consoleErrors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  // tsx compiles the functions tests pass to page.evaluate with calls to esbuild's __name helper.
  await page.addInitScript('window.__pwned = 0; window.__name = (f) => f;');
  return { errors, consoleErrors };
}

/**
 * Opens `qed view`'s deep link to row `n` (1-based) and waits for the viewer's own row page: the
 * page first shows the first screen the server sent (the same classes, inert), which the viewer
 * replaces once its script has run and its row page is painted.
 */
export async function openRow(page: Page, url: string, n: number): Promise<void> {
  await page.goto(`${url}?row=${n}`);
  await page.waitForSelector(`.row-page[data-row-index="${n - 1}"][data-painted-at]`);
  await page.waitForFunction(() => !document.querySelector('.first-screen'));
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(RESULTS, { recursive: true });
  const file = join(RESULTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

// ---------------------------------------------------------------------------------------------
// Result rows
// ---------------------------------------------------------------------------------------------

export const IMOBENCH = resolve(ROOT, '..', 'shared', 'data', 'imobench');
export const HAVE_IMOBENCH = existsSync(join(IMOBENCH, 'proofbench_v2.csv'));
export const NO_IMOBENCH = `${IMOBENCH} not found (it sits beside the repository as ../shared): the IMO-Bench rendering tests are skipped`;

export type Row = Record<string, unknown>;

export function writeJsonl(path: string, rows: Row[]): string {
  writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return path;
}

export function readLines(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n');
}

/** A graded proof row in the shape `qed run` + `qed eval` write. */
export function proofRow(i: number, over: Row = {}): Row {
  const score = [7, 6, 1, 0, 7, 0, 1][i % 7];
  const solution = `We prove the claim by induction on $n$.\n\n**Base case.** For $n = 1$ we have $a_1 = 1 \\le 2^1$.\n\n**Step.** Assume $a_k \\le 2^k$ for all $k < n$. Then\n$$a_n = a_{n-1} + a_{n-2} \\le 2^{n-1} + 2^{n-2} < 2^n.$$\nHence the bound holds for every $n \\ge 1$, and $\\sum_{k=1}^{n} a_k < 2^{n+1}$. $\\blacksquare$`;
  return {
    problem_id: `PB-${i % 2 ? 'Basic' : 'Advanced'}-${String(i + 1).padStart(3, '0')}`,
    problem: `Let $(a_n)$ be defined by $a_1 = a_2 = 1$ and $a_{n} = a_{n-1} + a_{n-2}$. Prove that $a_n \\le 2^n$ for every positive integer $n$ (case ${i + 1}).`,
    solution: `Induction: the two previous terms are at most $2^{n-1}$ and $2^{n-2}$, whose sum is below $2^n$.`,
    grading_guidelines: `(Partial) 1 point for the base case.\n(Full) A complete induction.`,
    Category: ['Algebra', 'Combinatorics', 'Geometry', 'Number theory'][i % 4],
    Level: i % 2 ? 'Basic' : 'Advanced',
    Source: `Olympiad ${2000 + (i % 25)}`,
    model_solution: solution,
    cost_run: { cost: 0.01 * (i + 1), input_tokens: 400, output_tokens: 1000 + 37 * i, time: 12.5 },
    history: [
      { role: 'user', content: 'Prove the statement rigorously.' },
      { role: 'assistant', type: 'cot', content: `Let me think about $a_n$ first… try $n=3$: $a_3 = 2 \\le 8$.` },
      { role: 'assistant', content: solution },
    ],
    schema_0: [
      { title: 'Proof Grade', desc: '(Partial) 1 point for the base case.\n(Full) A complete induction.', points: 7 },
    ],
    run_index: 0,
    finish_reason: 'stop',
    qed_run: {
      config: i % 3 ? 'openai/gpt-5-mini' : 'google/gemini-2.5-pro',
      model: 'm',
      api: 'openai',
      mode: 'proof',
    },
    grade: [
      {
        points: score,
        desc: `The induction is ${score >= 6 ? 'complete' : 'incomplete'}; the step uses $2^{n-1} + 2^{n-2} = \\tfrac34 \\cdot 2^n$. <points>${score} out of 7</points>`,
      },
    ],
    score,
    grade_cost: { cost: 0.002, input_tokens: 1500, output_tokens: 200, time: 3.1 },
    ...over,
  };
}

/**
 * Each IMO-Bench CSV as a results file: its rows with their problem, reference solution, grading
 * guidelines and golden answer (column names mapped as `qed run` does), plus the columns a run and
 * a grading add. The model's solution is the reference solution (proof files) or a sentence with
 * the boxed golden answer (answer files), so every text of the CSV is on a row page.
 */
export async function imobenchResults(dir: string): Promise<Array<{ name: string; file: string; rows: number }>> {
  const { readDataset } = await import('../../src/core/data');
  const out: Array<{ name: string; file: string; rows: number }> = [];
  for (const name of readdirSync(IMOBENCH)
    .filter((f) => f.endsWith('.csv'))
    .sort()) {
    const ds = await readDataset(join(IMOBENCH, name));
    const rows = ds.rows.map((r, i) => {
      const proof = typeof r.solution === 'string' && r.solution.trim() !== '';
      const answer = String(r.answer ?? '');
      const row: Row = {
        ...r,
        model_solution: proof
          ? r.solution
          : `Working through the cases, the answer is $\\boxed{${answer.replace(/\$/g, '')}}$.`,
        cost_run: { cost: 0.01, input_tokens: 300, output_tokens: 900 + i, time: 10 },
        history: [{ role: 'user', content: String(r.problem ?? '') }],
        run_index: 0,
        schema_0: proof
          ? [{ title: 'Proof Grade', desc: String(r.grading_guidelines ?? ''), points: 7 }]
          : [{ title: 'Answer Correctness', desc: answer, points: 1 }],
        grade: [{ points: proof ? [7, 6, 1, 0][i % 4] : i % 2, desc: 'Checked against the reference.' }],
        score: proof ? [7, 6, 1, 0][i % 4] : i % 2,
      };
      if (!proof) Object.assign(row, { extracted_answer: answer, judge_method: i % 3 ? 'deterministic' : 'llm' });
      return row;
    });
    const file = writeJsonl(join(dir, name.replace(/\.csv$/, '.jsonl')), rows);
    out.push({ name, file, rows: rows.length });
  }
  return out;
}

/** Starts the built `qed view` in `cwd` with `args`; resolves with the process and the address it prints. */
export async function startQedView(cwd: string, args: string[]): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, [join(DIST, 'cli.js'), 'view', ...args], {
    cwd,
    env: { PATH: process.env.PATH, HOME: cwd },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`qed view printed no address: ${out}`)), 15_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /open (http:\/\/127\.0\.0\.1:\d+\/[\w-]+\/)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    proc.on('exit', (code) => reject(new Error(`qed view exited (${code}): ${out}`)));
  });
  return { proc, url };
}

// The viewer's controls are vscode-elements web components (src/webview/app/controls.ts); these
// drive them as a person does: open the drop-down and click the option, type into the field.

/** Chooses the option of drop-down `selector` (a vscode-single-select) whose value, or label, is given. */
export async function choose(page: Page, selector: string, want: string | { label: string }): Promise<void> {
  const index = await page.$eval(
    selector,
    (el, w) =>
      Array.from(el.querySelectorAll('vscode-option')).findIndex((o) =>
        typeof w === 'string' ? (o.getAttribute('value') ?? '') === w : (o.textContent ?? '').trim() === w.label,
      ),
    want,
  );
  if (index < 0) throw new Error(`${selector} has no option ${JSON.stringify(want)}`);
  await page.click(selector);
  await page.click(`${selector} li.option[data-index="${index}"]`);
  await page.waitForFunction(
    ([s, i]) =>
      (document.querySelector(s as string) as unknown as { selectedIndex: number; open: boolean } | null)
        ?.selectedIndex === i,
    [selector, index] as const,
  );
}

/** The value of a drop-down, text field or text area (vscode-elements). */
export function valueOf(page: Page, selector: string): Promise<string> {
  return page.$eval(selector, (el) => (el as unknown as { value: string }).value);
}

/** Types `text` into the text field or text area `selector` (replacing what is there). */
export async function fillField(page: Page, selector: string, text: string): Promise<void> {
  await page.fill(`${selector} :is(input, textarea)`, text);
}
