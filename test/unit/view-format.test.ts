// The viewer's number formats (src/webview/app/dom.ts): whole numbers grouped as en-US writes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fmtInt } from '../../src/webview/app/dom';

test('fmtInt groups thousands as en-US does, rounds, and shows a dash for no number', () => {
  for (const x of [0, 7, 999, 1000, 1234.4, 1234.5, -1234567, 12_345_678_901, 1e20, 1e22])
    assert.equal(fmtInt(x), Math.round(x).toLocaleString('en-US'), String(x));
  for (const x of [null, undefined, NaN, Infinity]) assert.equal(fmtInt(x), '–');
});
