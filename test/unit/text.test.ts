import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alignUtf8Start, completeUtf8Length, renderText, textLines } from '../../src/terminal/text.js';

test('escape sequences are removed and CRLF becomes LF', () => {
  assert.equal(renderText(Buffer.from('\x1b[1;31mred\x1b[0m text\r\nnext\r\n')), 'red text\nnext\n');
  assert.equal(renderText(Buffer.from('\x1b]0;title\x07after')), 'after');
});

test('a carriage-return overwrite shows only what a terminal would', () => {
  assert.equal(renderText(Buffer.from('progress 10%\rprogress 55%\rprogress 100%\ndone\n')), 'progress 100%\ndone\n');
  assert.equal(renderText(Buffer.from('abcdef\rXY\n')), 'XYcdef\n');
});

test('wide characters rewritten after a CR: only a half left outside the new cells is blanked', () => {
  assert.equal(renderText(Buffer.from('0% 日本語\r10% 日本語\n')), '10% 日本語\n');
  assert.equal(renderText(Buffer.from('a日本語\r日本語\n')), '日本語\n');
  // Shifted by one cell: each old character loses a half, and both halves go blank.
  assert.equal(renderText(Buffer.from('日本語\rx\n')), 'x 本語\n');
  assert.equal(renderText(Buffer.from('日本語\r\x1b[2Cx\n')), '日x 語\n');
});

test('invalid UTF-8 becomes U+FFFD and control bytes are dropped', () => {
  assert.equal(renderText(Buffer.from([0x61, 0xff, 0xfe, 0x62, 0x0a])), 'a\ufffd\ufffdb\n');
  assert.equal(renderText(Buffer.from('a\x00\x07b\tc')), 'ab      c'); // a tab moves to the next stop of 8
});

test('UTF-8 boundaries: a cut character at either end is handled', () => {
  const euro = Buffer.from('€'); // e2 82 ac
  assert.equal(completeUtf8Length(Buffer.concat([Buffer.from('ab'), euro.subarray(0, 2)])), 2);
  assert.equal(completeUtf8Length(Buffer.concat([Buffer.from('ab'), euro])), 5);
  assert.equal(alignUtf8Start(Buffer.concat([euro.subarray(1), Buffer.from('ok')])).toString(), 'ok');
});

test('textLines drops the empty line after a final newline', () => {
  assert.deepEqual(textLines('a\nb\n'), ['a', 'b']);
  assert.deepEqual(textLines('a\nb'), ['a', 'b']);
  assert.deepEqual(textLines(''), []);
});
