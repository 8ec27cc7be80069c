// What an output-carrying result shows of the log: everything since the cursor, the echo left
// out, the input point marked, long output cut at line boundaries with a marker naming an
// output call the server accepts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_RESULT_BYTES } from '../../src/host/budget.js';
import { INPUT_MARKER, newOutput } from '../../src/host/new-output.js';
import { OutputLog } from '../../src/jobs/output-log.js';

function logOf(text: string, capacity = 1 << 24): OutputLog {
  const log = new OutputLog(capacity);
  log.append(Buffer.from(text));
  return log;
}

test('output before an interact\'s write comes first, then a marker line, then the reaction without the echo', () => {
  const before = 'tick1\ntick2\n';
  const log = logOf(`${before}echo hi\r\nhi\n$ `);
  const at = Buffer.byteLength(before);
  const shown = newOutput(log, { from: 0, end: log.end, input: { at, echoEnd: at + 'echo hi\r\n'.length } }, 7000);
  assert.equal(shown.output, `tick1\ntick2\n${INPUT_MARKER}hi\n$ `);
  // Nothing before the write: no marker.
  const fresh = newOutput(log, { from: at, end: log.end, input: { at, echoEnd: at + 'echo hi\r\n'.length } }, 7000);
  assert.equal(fresh.output, 'hi\n$ ');
});

test('a long output is cut at line boundaries; the marker names an accepted call that returns the range in one call', () => {
  const lines = Array.from({ length: 1_000_000 }, (_, i) => `${i + 1}\n`).join('');
  const log = logOf(lines);
  const shown = newOutput(log, { from: 0, end: log.end }, 7000);
  const text = shown.output!;
  const [head, tail] = text.split(/\[… .* …\]\n/);
  assert.ok(head.endsWith('\n') && /^1\n2\n/.test(head));
  for (const part of [head, tail]) for (const line of part.split('\n').slice(0, -1)) assert.match(line, /^\d+$/, 'whole lines only');
  assert.ok(tail.endsWith('1000000\n'));
  // The head's last line and the tail's first line are consecutive with the omitted range.
  const lastHead = Number(head.trimEnd().split('\n').at(-1));
  const firstTail = Number(tail.split('\n')[0]);
  assert.equal(shown.omitted!.from, Buffer.byteLength(lines.split('\n').slice(0, lastHead).join('\n')) + 1);
  assert.ok(firstTail > lastHead);
  const [, maxBytes] = /max_bytes=(\d+)/.exec(text)!;
  assert.ok(Number(maxBytes) <= MAX_RESULT_BYTES, 'the server accepts the call');
});

test('a range that fits the ceiling is named whole', () => {
  const log = logOf('x'.repeat(20_000) + '\nEND\n');
  const shown = newOutput(log, { from: 0, end: log.end }, 7000);
  const [, since, maxBytes] = /output since=(\d+) max_bytes=(\d+) reads them/.exec(shown.output!)!;
  assert.equal(Number(since), shown.omitted!.from);
  assert.equal(Number(maxBytes), shown.omitted!.to - shown.omitted!.from);
});
