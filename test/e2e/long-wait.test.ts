// A long wait must not die at the client's request timeout: a 600 s wait returns a normal
// result at the server's cap (here lowered to 2 s; test/config pins the default, 50 s, under the
// SDK client's 60 s request timeout).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { call, connectClient, textOf } from '../helpers/mcp.js';

test('a wait longer than the cap returns timeout, not a protocol error, and the job runs on', async () => {
  const { client, close } = await connectClient({ PTYJOBS_MAX_WAIT_S: '2' });
  try {
    const run = await call(client, 'execute', { command: 'sleep 70' });
    const started = Date.now();
    const waited = await call(client, 'wait', { job_id: run.structuredContent.job.job_id, exit: true, timeout_ms: 600_000 });
    const elapsed = Date.now() - started;
    assert.equal(waited.isError, undefined);
    assert.equal(waited.structuredContent.reason, 'timeout');
    assert.equal(waited.structuredContent.timeout_capped_ms, 2000);
    assert.match(textOf(waited), /timed out at the server's 2s cap; the job is still running \(wait again/);
    assert.ok(elapsed >= 1900 && elapsed < 30_000, `returned after ${elapsed} ms`);
    assert.equal(waited.structuredContent.job.status, 'running');
  } finally {
    await close();
  }
});
