// Issue 20 item 3: one agent's regex must not freeze the host. (a+)+$ over 31 characters ran
// 96 s in V8's backtracking RegExp, and every other call waited with it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestHost } from '../helpers/host.js';
import { withHost } from '../helpers/host.js';
import { waitUntil } from '../helpers/wait.js';

/** The text: each further `a` doubles a backtracking engine's time. */
const BOMB_TEXT = `${'a'.repeat(30)}b`;
const WAIT_TIMEOUT_MS = 2000;
const CALL_INTERVAL_MS = 50;
/**
 * Generous for a loaded 2-core machine (measured: 86-640 ms at load 10-15, all of it the
 * scheduler); the old code stalled for the whole match (6.6 s with 23 a's, ~96 s with 30).
 */
const MAX_STALL_MS = 3000;

/** Starts the job and waits until its output holds the whole text. */
async function bombJob({ host, session }: TestHost): Promise<string> {
  const run = await host.execute(session, { command: `printf %s ${BOMB_TEXT}; sleep 100` });
  await waitUntil(async () => (await host.output(session, { job_id: run.job.job_id })).text === BOMB_TEXT, 'the text in the output');
  return run.job.job_id;
}

/**
 * Calls status and list every CALL_INTERVAL_MS until `done` settles; returns the longest time
 * from one call being due to its answer (a stalled event loop delays both).
 */
async function longestStall({ host, session }: TestHost, jobId: string, done: Promise<unknown>): Promise<number> {
  let settled = false;
  void done.finally(() => (settled = true));
  let longest = 0;
  while (!settled) {
    const due = performance.now();
    await host.status(session, { job_id: jobId });
    await host.list(session);
    await new Promise((resolve) => setTimeout(resolve, CALL_INTERVAL_MS));
    longest = Math.max(longest, performance.now() - due - CALL_INTERVAL_MS);
  }
  return longest;
}

test('the regex bomb returns at its timeout, and other calls are answered meanwhile', async (t) => {
  await withHost(async (context) => {
    const jobId = await bombJob(context);
    const started = performance.now();
    const wait = context.host.wait(context.session, { job_id: jobId, pattern: '(a+)+$', since: 0, timeout_ms: WAIT_TIMEOUT_MS });
    const stall = await longestStall(context, jobId, wait);
    const result = await wait;
    const elapsed = performance.now() - started;
    t.diagnostic(`wait ${elapsed.toFixed(0)} ms; longest status/list stall ${stall.toFixed(1)} ms`);
    assert.equal(result.reason, 'timeout');
    assert.ok(elapsed >= WAIT_TIMEOUT_MS - 50 && elapsed < WAIT_TIMEOUT_MS + MAX_STALL_MS, `the wait took ${elapsed.toFixed(0)} ms`);
    assert.ok(stall < MAX_STALL_MS, `a status/list call waited ${stall.toFixed(0)} ms`);
  });
});

test('the regex bomb that matches returns at once with its match', async () => {
  await withHost(async (context) => {
    const jobId = await bombJob(context);
    const started = performance.now();
    const result = await context.host.wait(context.session, { job_id: jobId, pattern: '(a+)+b$', since: 0, timeout_ms: 30_000 });
    assert.deepEqual([result.reason, result.match], ['pattern', BOMB_TEXT]);
    assert.ok(performance.now() - started < MAX_STALL_MS, `took ${(performance.now() - started).toFixed(0)} ms`);
  });
});

test('a refused pattern fails the call before the job starts, saying how to rewrite it', async () => {
  await withHost(async ({ host, session, manager }) => {
    await assert.rejects(host.execute(session, { command: 'sleep 100', wait: { pattern: '(\\w+) \\1', timeout_ms: 1000 } }), /backreference .* no pattern can freeze the host.*\(ab\)ab/);
    assert.equal(manager.list().length, 0);
  });
});
