import assert from 'node:assert/strict';
import { test } from 'node:test';
import { charWidth } from '../../src/terminal/width.js';

test('widths follow glibc: newer emoji are wide, CJK wide, combining marks zero, ambiguous narrow', () => {
  for (const emoji of ['🥲', '🧋', '🫠', '🛝', '😀']) assert.equal(charWidth(emoji.codePointAt(0)!), 2, emoji);
  assert.equal(charWidth('中'.codePointAt(0)!), 2);
  assert.equal(charWidth(0x301), 0); // combining acute
  assert.equal(charWidth(0x200b), 0); // zero width space
  assert.equal(charWidth('é'.codePointAt(0)!), 1);
  assert.equal(charWidth(0xb7), 1); // ambiguous: narrow in a UTF-8 locale
  assert.equal(charWidth(0x1b), 0);
});
