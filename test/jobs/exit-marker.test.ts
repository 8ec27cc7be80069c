import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExitMarkerScanner } from '../../src/jobs/exit-marker.js';

const marker = (code: number, signal: number) => `\x1b]6973;abc123;${code};${signal}\x07`;

test('the marker is removed and its status returned', () => {
  const scanner = new ExitMarkerScanner('abc123');
  const { data, exit } = scanner.feed(Buffer.from(`last line\n${marker(3, 0)}`));
  assert.equal(data.toString(), 'last line\n');
  assert.deepEqual(exit, { code: 3, signal: 0 });
});

test('a signal death reports a null code', () => {
  const scanner = new ExitMarkerScanner('abc123');
  assert.deepEqual(scanner.feed(Buffer.from(marker(-1, 9))).exit, { code: null, signal: 9 });
});

test('a marker split across chunks at every position is found, and no byte is lost', () => {
  const stream = Buffer.from(`output \x1b[1m bold\n${marker(0, 0)}`);
  for (let cut = 1; cut < stream.length; cut++) {
    const scanner = new ExitMarkerScanner('abc123');
    const first = scanner.feed(stream.subarray(0, cut));
    const second = scanner.feed(stream.subarray(cut));
    assert.equal(Buffer.concat([first.data, second.data]).toString(), 'output \x1b[1m bold\n', `cut at ${cut}`);
    assert.deepEqual(first.exit ?? second.exit, { code: 0, signal: 0 }, `cut at ${cut}`);
  }
});

test('look-alikes with another nonce, and lone escapes, pass through', () => {
  const scanner = new ExitMarkerScanner('abc123');
  const other = `\x1b]6973;zzz;0;0\x07`;
  assert.deepEqual(scanner.feed(Buffer.from(other)), { data: Buffer.from(other), exit: null });
  const held = scanner.feed(Buffer.from('text\x1b'));
  assert.equal(held.data.toString(), 'text');
  assert.equal(scanner.feed(Buffer.from('[0m')).data.toString(), '\x1b[0m');
  assert.equal(scanner.feed(Buffer.from('\x1b]69')).data.toString(), '');
  assert.equal(scanner.flush().toString(), '\x1b]69');
});
