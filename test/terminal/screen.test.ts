import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HeadlessScreen, LINE_START_LOST_PATTERN, lineStartLostMarker } from '../../src/terminal/screen.js';

function screen(cols = 40, rows = 6, onReply: (data: string) => void = () => {}) {
  return new HeadlessScreen({ cols, rows, scrollback: 100, onReply });
}

test('rows are trimmed, trailing empty rows dropped, cursor reported', async () => {
  const s = screen();
  s.write(Buffer.from('hello   \r\nworld\r\n'));
  await s.settled();
  const snap = s.snapshot();
  assert.deepEqual(snap.lines, ['hello', 'world']);
  assert.deepEqual(snap.cursor, { row: 2, col: 0 });
  assert.equal(snap.cols, 40);
  assert.equal(snap.alternate_screen, false);
  s.dispose();
});

test('output after a quiet spell is on the screen as soon as it is written', () => {
  const s = screen();
  assert.ok(s.xtermInternalsFound);
  s.write(Buffer.from('echo'));
  assert.deepEqual(s.snapshot().lines, ['echo']);
  s.write(Buffer.from('ed'));
  assert.deepEqual(s.snapshot().lines, ['echoed']);
  s.dispose();
});

test('wide characters take two cells (unicode 11)', async () => {
  const s = screen();
  s.write(Buffer.from('😀x'));
  await s.settled();
  assert.equal(s.snapshot().cursor.col, 3);
  s.dispose();
});

test('the alternate screen and terminal modes are seen', async () => {
  const s = screen();
  s.write(Buffer.from('\x1b[?1049h\x1b[?1h\x1b[?2004hfull screen'));
  await s.settled();
  assert.equal(s.snapshot().alternate_screen, true);
  assert.deepEqual(s.modes, { applicationCursor: true, bracketedPaste: true });
  s.write(Buffer.from('\x1b[?1049l\x1b[?1l\x1b[?2004l'));
  await s.settled();
  assert.equal(s.snapshot().alternate_screen, false);
  assert.deepEqual(s.modes, { applicationCursor: false, bracketedPaste: false });
  s.dispose();
});

test('a cursor position query is answered', async () => {
  const replies: string[] = [];
  const s = screen(40, 6, (data) => replies.push(data));
  s.write(Buffer.from('abc\x1b[6n'));
  await s.settled();
  assert.deepEqual(replies, ['\x1b[1;4R']);
  s.dispose();
});

test('a progress bar redrawn with CR shows its final state only', async () => {
  const s = screen();
  for (let i = 0; i <= 100; i += 10) s.write(Buffer.from(`\rprogress ${i}%`));
  await s.settled();
  assert.deepEqual(s.snapshot().lines, ['progress 100%']);
  s.dispose();
});

test('a wide character that did not fit in the last column joins its line without a space', async () => {
  const s = screen(10, 4);
  s.write(Buffer.from(`${'x'.repeat(9)}漢字\r\n`));
  await s.settled();
  assert.deepEqual(s.snapshot().lines, ['x'.repeat(9), '漢字']);
  assert.deepEqual(s.lastLines(1), [`${'x'.repeat(9)}漢字`]);
  // A space the program wrote there stays.
  s.write(Buffer.from(`${'y'.repeat(9)} 漢\r\n`));
  await s.settled();
  assert.deepEqual(s.lastLines(1), [`${'y'.repeat(9)} 漢`]);
  s.dispose();
});

test('a line longer than the scrollback says the terminal kept only its end', async () => {
  const s = new HeadlessScreen({ cols: 10, rows: 4, scrollback: 5, onReply: () => {} });
  s.write(Buffer.from(`${'x'.repeat(995)}tail!\r\nnext\r\n`));
  await s.settled();
  // 9 rows (scrollback and screen) kept: 7 of the line's 100, 'next', the cursor's row.
  const kept = `${'x'.repeat(65)}tail!`;
  assert.deepEqual(s.lastLines(2), [lineStartLostMarker(kept.length) + kept, 'next']);
  assert.equal(LINE_START_LOST_PATTERN.exec(s.lastLines(2)[0])?.[1], '70');
  s.dispose();
});

test('invalid UTF-8 shows as U+FFFD, as many as TextDecoder gives, also split across writes', async () => {
  const s = screen();
  const bytes = Buffer.from([...Buffer.from('ok1\r\n'), 0xff, 0xfe, ...Buffer.from('bad\r\n'), 0xe6, 0x97, 0x41, 0xf0, 0x9f, 0x98, 0xe0, 0x80, ...Buffer.from('\r\nok2\r\n')]);
  const expected = new TextDecoder().decode(bytes).split('\r\n').slice(0, -1);
  assert.deepEqual(expected, ['ok1', '\ufffd\ufffdbad', '\ufffdA\ufffd\ufffd\ufffd', 'ok2']);
  for (let at = 0; at < bytes.length; at++) s.write(bytes.subarray(at, at + 1)); // byte by byte
  await s.settled();
  assert.deepEqual(s.lastLines(4), expected);
  assert.deepEqual(s.snapshot().lines, expected);
  s.dispose();
});

test('a character cut at the end of one write is completed by the next, on the screen and in the byte count', async () => {
  const s = screen();
  const text = Buffer.from('日本語\r\n');
  s.write(text.subarray(0, 4));
  await s.settled();
  assert.equal(s.parsedOffset, 4);
  assert.deepEqual(s.snapshot().lines, ['日']);
  s.write(text.subarray(4));
  await s.settled();
  assert.equal(s.parsedOffset, text.length);
  assert.deepEqual(s.snapshot().lines, ['日本語']);
  s.dispose();
});

test('a flood skipped after a cut character starts where its U+FFFD left the cursor', async () => {
  const s = new HeadlessScreen({ cols: 10, rows: 4, scrollback: 5, onReply: () => {} });
  s.write(Buffer.from([0x61, 0x62, 0xe6])); // "ab" and the first byte of a three-byte character
  await s.settled();
  s.write(Buffer.alloc(1000, 'x'));
  await s.settled();
  assert.ok(s.skippedBytes > 0);
  // "ab", U+FFFD and 1000 x: 1003 cells, the last row holds 3 of them.
  assert.deepEqual(s.snapshot().cursor, { row: 3, col: 3 });
  assert.equal(s.snapshot().lines.at(-1), 'xxx');
  s.dispose();
});
