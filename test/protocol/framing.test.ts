import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeFrame, FrameError, FrameReader, MAX_FRAME_BYTES } from '../../src/protocol/framing.js';

test('frames split across chunks come out whole; bad and huge frames are refused', () => {
  const reader = new FrameReader();
  const frame = encodeFrame({ type: 'request', id: 1, params: { text: 'é'.repeat(10) } });
  const bytes = Buffer.from(frame + frame);
  assert.deepEqual(reader.push(bytes.subarray(0, 7)), []);
  assert.equal(reader.push(bytes.subarray(7)).length, 2);
  assert.throws(() => new FrameReader().push(Buffer.from('not json\n')), FrameError);
  const huge = new FrameReader();
  assert.throws(() => {
    for (let sent = 0; sent <= MAX_FRAME_BYTES; sent += 1024 * 1024) huge.push(Buffer.alloc(1024 * 1024, 0x61));
  }, /longer than/);
});
