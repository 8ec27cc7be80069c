import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cutMiddle, fitLines, fitResult } from '../../src/host/budget.js';

test('a long line is cut in the middle to the length asked, saying exactly how much was removed', () => {
  for (const length of [1002, 2000, 10_098, 123_456]) {
    const text = 'a'.repeat(length / 2) + 'b'.repeat(length - length / 2);
    const cut = cutMiddle(text, 1000);
    assert.ok(cut.length <= 1000 && cut.length >= 990, `${cut.length}`);
    const [, removed] = /\[… (\d+) characters cut …\]/.exec(cut)!;
    const kept = cut.replace(/\[… \d+ characters cut …\]/, '');
    assert.equal(Number(removed), length - kept.length, `${length}`);
  }
  assert.equal(cutMiddle('short', 100), 'short');
  // A surrogate pair is never split.
  assert.doesNotMatch(cutMiddle('😀'.repeat(600), 100), /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
});

test('lines keep the newest that fit and count the rest', () => {
  const lines = Array.from({ length: 100 }, (_, i) => `line ${i}`);
  const fitted = fitLines(lines, 120);
  assert.equal(fitted.lines.at(-1), 'line 99');
  assert.equal(fitted.lines.length + fitted.omitted, 100);
  assert.ok(fitted.omitted > 80);
});

test('a result is rebuilt with less text until its structured content fits the budget', () => {
  const result = fitResult(8192, (allowance) => ({ text: 'x'.repeat(allowance * 3) }));
  assert.ok(JSON.stringify(result).length <= 8192);
  assert.ok(JSON.stringify(result).length > 4096, 'no more was cut than needed');
});
