/**
 * `qed view`'s first screen of a deep-linked row (src/webview/firstScreen.ts): the HTML its server
 * sends with the page. What a reader sees before the script runs, checked on the markup here (the
 * browser test, test/webview/first-screen.test.ts, checks it painted and taken over).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FullRow } from '../../src/protocol';
import { firstScreenHtml } from '../../src/webview/firstScreen';
import { firstScreenBlocks } from '../../src/webview/app/lazyRich';
import { viewerHtml } from '../../src/core/view/html';

function full(row: Record<string, unknown>, over: Partial<FullRow['summary']> = {}): FullRow {
  return {
    file: 0,
    index: 4,
    line: 5,
    row,
    rev: 'r',
    bytes: 100,
    summary: {
      index: 4,
      id: String(row.problem_id),
      score: 6,
      max: 7,
      status: 'partial',
      model: 'openai/gpt-5',
      source: 'IMO 2025',
      ...over,
    } as FullRow['summary'],
  };
}

const opts = {
  fileName: 'run.jsonl',
  filePath: '/w/run.jsonl',
  caps: { regrade: true, override: true, saveExport: false },
};

test('the header says what the row page says: id, grades, where the row is, the actions', () => {
  const html = firstScreenHtml(
    full({ problem_id: 'PB-7', problem: 'Show $x$.', model_solution: 'Done.', human_grade: { total: 7 } }),
    opts,
  );
  assert.match(html, /<h2[^>]*>PB-7<\/h2>/);
  assert.match(html, /class="badge big st-partial"[^>]*>model 6\/7</);
  assert.match(html, /class="badge big human"[^>]*>human 7\/7</);
  assert.match(html, /row 5 · line 5 · openai\/gpt-5 · IMO 2025/);
  assert.match(html, />Edit human grade…</);
  assert.match(html, /title="\/w\/run\.jsonl">run\.jsonl</);
  // Nothing on it can be used before the viewer takes over.
  assert.match(html, /^<div class="qed-app row-open first-screen" inert aria-busy="true">/);
});

test('Regrade is drawn disabled where the viewer would disable it (no grader, a failed generation)', () => {
  const row = full({ problem_id: 'P', problem: 'p', model_solution: 's' });
  assert.match(firstScreenHtml(row, opts), /class="button-stand-in primary">Regrade…/);
  const noGrader = { ...opts, caps: { regrade: false, override: true, saveExport: false } };
  assert.match(firstScreenHtml(row, noGrader), /class="button-stand-in primary disabled">Regrade…/);
  const failed = full({ problem_id: 'P', problem: 'p', error: 'HTTP 500' });
  assert.match(firstScreenHtml(failed, opts), /class="button-stand-in primary disabled">Regrade…/);
  assert.match(firstScreenHtml(failed, opts), /class="button-stand-in primary">Override grade…/);
});

test('texts are rendered with their formulas, without the MathML copies; a long proof only its first block', () => {
  const para = (k: number) => `Paragraph ${k} with $a_${k}^2 + b_${k}^2 = c_${k}^2$ and some words to fill the line.`;
  const proof = Array.from({ length: 120 }, (_, k) => para(k)).join('\n\n');
  const html = firstScreenHtml(
    full({ problem_id: 'P', problem: 'Prove $\\sqrt{2} \\notin \\mathbb{Q}$.', model_solution: proof }),
    opts,
  );
  assert.match(html, /class="katex"/);
  assert.doesNotMatch(html, /katex-mathml|<math/);
  const first = firstScreenBlocks(proof).blocks[0];
  const lastShown = /Paragraph (\d+) with/g;
  const shown = [...html.matchAll(lastShown)].map((m) => Number(m[1]));
  assert.equal(shown.length, first.split('\n\n').filter((p) => p.trim()).length);
  assert.ok(!html.includes('Paragraph 119 '), 'the end of the proof is left to the viewer');
});

test("the row's texts are untrusted: markup in them is shown as text", () => {
  const html = firstScreenHtml(
    full(
      {
        problem_id: '<img src=x onerror=alert(1)>',
        problem: '<script>alert(1)</script> $x$',
        model_solution: '"><b>hi</b>',
        error: '<i>boom</i>',
      },
      { model: '"><svg onload=alert(1)>' },
    ),
    { ...opts, fileName: '<f>.jsonl', filePath: '"/x' },
  );
  assert.doesNotMatch(html, /<img|<script|<svg|<b>|<i>/);
  assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;/);
  assert.match(html, /Generation failed: <\/strong>&lt;i&gt;boom&lt;\/i&gt;/);
});

test('a file still being read shows the banner the viewer shows meanwhile; a read file none', () => {
  const row = full({ problem_id: 'P', problem: 'p', model_solution: 's' });
  assert.match(
    firstScreenHtml(row, { ...opts, reading: { message: 'reading run.jsonl: 4000 rows', fraction: 0.42 } }),
    /<div class="banner progress">reading run\.jsonl: 4000 rows \(42%\)<\/div>/,
  );
  assert.doesNotMatch(firstScreenHtml(row, { ...opts, reading: { message: '4000 rows', fraction: 1 } }), /banner/);
});

test("a page sent with a first screen starts the viewer's script after that screen is painted", () => {
  const base = {
    scriptUri: 'webview.js',
    styleUri: 'webview.css',
    nonce: 'N0nce',
    csp: 'x',
    title: 't',
    host: 'http' as const,
  };
  const plain = viewerHtml(base);
  assert.match(plain, /<script nonce="N0nce" src="webview.js"><\/script>/, 'without one: the script tag as usual');
  const page = viewerHtml({ ...base, firstScreen: '<div class="first-screen">row</div>' });
  // No script tag the parser would stop at and run before the first frame; nothing fetched early.
  assert.doesNotMatch(page, /<script[^>]*\ssrc=/);
  assert.doesNotMatch(page, /rel="preload" href="webview.js"/);
  const loader = /<script nonce="N0nce">([^<]*)<\/script>/.exec(page);
  assert.ok(loader, 'one inline script, with the page nonce (the CSP allows nothing else)');
  assert.match(loader[1], /^requestAnimationFrame\(function \(\) \{ setTimeout\(/);
  assert.match(loader[1], /s\.nonce = "N0nce"; s\.src = "webview.js"/);
});
