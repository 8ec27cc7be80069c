import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cutMiddle, fitLines, fitResult } from '../../src/host/budget.js';

test('a long line is cut in the middle to the length asked, saying how much was cut', () => {
  const cut = cutMiddle('a'.repeat(500) + 'b'.repeat(500), 100);
  assert.equal(cut.length, 100);
  assert.match(cut, /^a+\[… 900 characters cut …\]b+$/);
  assert.equal(cutMiddle('short', 100), 'short');
});

test('lines keep the newest that fit and count the rest', () => {
  const lines = Array.from({ length: 100 }, (_, i) => `line ${i}`);
  const fitted = fitLines(lines, 120);
  assert.equal(fitted.lines.at(-1), 'line 99');
  assert.equal(fitted.lines.length + fitted.omitted, 100);
  assert.ok(fitted.omitted > 80);
});

test('a result is rebuilt with less text until both copies fit the budget', () => {
  const result = fitResult(8192, (allowance) => ({ text: 'x'.repeat(allowance * 3) }));
  assert.ok(2 * JSON.stringify(result).length + 600 <= 8192);
});
