import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OutputLog } from '../../src/jobs/output-log.js';

test('offsets are monotonic and reads return exactly the requested bytes', () => {
  const log = new OutputLog(1024 * 1024);
  log.append(Buffer.from('hello '));
  log.append(Buffer.from('world'));
  assert.equal(log.end, 11);
  assert.equal(log.read(0).bytes.toString(), 'hello world');
  assert.equal(log.read(6).bytes.toString(), 'world');
  assert.equal(log.read(6, 3).bytes.toString(), 'wor');
  assert.deepEqual({ ...log.read(11), bytes: undefined }, { bytes: undefined, start: 11, end: 11, dropped: 0 });
});

test('the ring grows from a small buffer and keeps every byte until capacity', () => {
  const log = new OutputLog(100_000);
  const all: Buffer[] = [];
  for (let i = 0; i < 500; i++) {
    const chunk = Buffer.from(`${i},`.repeat(20));
    all.push(chunk);
    log.append(chunk);
  }
  const expected = Buffer.concat(all);
  assert.ok(expected.length < 100_000);
  assert.deepEqual(log.read(0).bytes, expected);
});

test('overflow drops the oldest bytes and says how many a reader missed', () => {
  const log = new OutputLog(1024);
  const data = Buffer.alloc(3000);
  for (let i = 0; i < data.length; i++) data[i] = i % 251;
  for (let i = 0; i < data.length; i += 100) log.append(data.subarray(i, i + 100));
  assert.equal(log.end, 3000);
  assert.equal(log.start, 3000 - 1024);
  const slice = log.read(10);
  assert.equal(slice.start, 3000 - 1024);
  assert.equal(slice.dropped, 3000 - 1024 - 10);
  assert.deepEqual(slice.bytes, data.subarray(3000 - 1024));
  // A read from inside the held range drops nothing.
  const inside = log.read(2500, 100);
  assert.equal(inside.dropped, 0);
  assert.deepEqual(inside.bytes, data.subarray(2500, 2600));
});

test('one chunk larger than the capacity keeps its newest bytes', () => {
  const log = new OutputLog(2048);
  const big = Buffer.from('x'.repeat(5000) + 'END');
  log.append(big);
  assert.equal(log.end, 5003);
  const slice = log.read(0);
  assert.equal(slice.bytes.length, 2048);
  assert.ok(slice.bytes.toString().endsWith('xEND'));
  assert.equal(slice.dropped, 5003 - 2048);
});

test('tailOffset finds where the last N lines start', () => {
  const log = new OutputLog(4096);
  log.append(Buffer.from('a\nb\nc\nd\n'));
  assert.equal(log.read(log.tailOffset(2, 4096)).bytes.toString(), 'c\nd\n');
  assert.equal(log.read(log.tailOffset(10, 4096)).bytes.toString(), 'a\nb\nc\nd\n');
  log.append(Buffer.from('partial'));
  assert.equal(log.read(log.tailOffset(2, 4096)).bytes.toString(), 'd\npartial');
});
