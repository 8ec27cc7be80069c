import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alignUtf8Start, completeUtf8Length, renderText, textLines, Utf8Sanitizer } from '../../src/terminal/text.js';
import { random } from '../helpers/random.js';

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

test('the sanitizer gives what TextDecoder gives, however the bytes are cut into chunks', () => {
  const rand = random(7);
  const pieces = [[0xff], [0xfe], [0x80], [0xc2], [0xc2, 0xa9], [0xe6, 0x97], [0xe6, 0x97, 0xa5], [0xe0, 0x80], [0xed, 0xa0, 0x80], [0xf0, 0x9f, 0x98, 0x80], [0xf0, 0x9f], [0xf4, 0x90], [0x41], [0x0a]];
  for (let round = 0; round < 200; round++) {
    const bytes = Buffer.from(Array.from({ length: 40 }, () => pieces[Math.floor(rand() * pieces.length)]).flat().concat([0x0a]));
    const sanitizer = new Utf8Sanitizer();
    const out: Uint8Array[] = [];
    for (let at = 0; at < bytes.length; ) {
      const size = 1 + Math.floor(rand() * 6);
      out.push(sanitizer.clean(bytes.subarray(at, at + size)));
      at += size;
    }
    const cleaned = Buffer.concat(out);
    assert.ok(Buffer.from(cleaned.toString('utf8')).equals(cleaned), 'valid UTF-8');
    assert.equal(cleaned.toString('utf8'), new TextDecoder().decode(bytes), bytes.toString('hex'));
  }
});

test('valid output passes the sanitizer untouched, a cut character is held for the next chunk', () => {
  const sanitizer = new Utf8Sanitizer();
  const chunk = Buffer.from('plain ✓ text');
  assert.equal(sanitizer.clean(chunk), chunk);
  const word = Buffer.from('日本');
  assert.deepEqual([...sanitizer.clean(word.subarray(0, 4))], [...Buffer.from('日')]);
  assert.equal(sanitizer.heldBytes, 1);
  assert.equal(Buffer.from(sanitizer.clean(word.subarray(4))).toString(), '本');
  assert.equal(sanitizer.heldBytes, 0);
});
