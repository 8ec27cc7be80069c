import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Formatter, formatScreen } from '../../src/mcp/format.js';

const job = { job_id: 'j7', name: null, command: 'python3 -q', cwd: '/tmp', pid: 42, status: 'running' as const, exit_code: null, signal: null, started_at: new Date().toISOString(), ended_at: null, cols: 80, rows: 24, viewers: 0, client: null };
const screen = { cursor: { row: 1, col: 4 }, cols: 80, rows: 24, alternate_screen: false, drawing: false };

test('runs of blank screen rows are shown as one marker line; an empty drawn screen says so', () => {
  const text = formatScreen({ lines: ['top', '', '', '', '', '', 'bottom', '', 'end'], cursor: { row: 8, col: 3 }, cols: 80, rows: 24, alternate_screen: true, drawing: false });
  assert.equal(text, 'screen 80x24 (full-screen app), cursor row 8 col 3:\ntop\n[5 blank rows]\nbottom\n\nend');
  assert.equal(formatScreen({ ...screen, lines: [], drawing: true }), 'screen 80x24 (drawn screen), cursor row 1 col 4:\n(blank)');
});

test('a job\'s command is shown the first time a client sees the job, then the job is named by id', () => {
  const format = new Formatter();
  assert.match(format.run({ job, output: '', next: 0 }, { started: true }), /^started j7 running, pid 42: python3 -q/);
  assert.equal(format.run({ job, reason: 'input', output: '42\n>>> ', next: 9, screen }), 'j7 running\nwait: waiting for input\noutput:\n42\n>>> ');
  assert.equal(format.run({ job, output: '', next: 9, screen }), 'j7 running\noutput: (none)');
  assert.match(format.run({ job, reason: 'timeout', timeout_capped_ms: 50_000, output: '', next: 0, screen }), /timed out at the server's 50s cap; the job is still running \(wait again/);
  assert.equal(format.kill({ job: { ...job, status: 'killed', signal: 'SIGTERM', ended_at: job.started_at }, result: 'killed', survivors: [] }), 'killed: j7 killed (SIGTERM) after 0.0s');
  // A job first seen in a kill result is named with its command.
  assert.match(new Formatter().kill({ job, result: 'already_terminated', survivors: [] }), /pid 42: python3 -q/);
  // list and status always show it.
  assert.match(format.status({ job, tail: [], ports: [] }), /python3 -q/);
});

test('a settle that gave up says so; a deferred resize says whose size the job keeps', () => {
  const format = new Formatter();
  assert.match(format.run({ job, output: '', next: 0, still_running: true }), /still running, no prompt yet: wait to see more/);
  assert.match(format.resize({ job: { ...job, cols: 100, rows: 30 }, screen: { ...screen, lines: ['$'] }, pending_size: { cols: 90, rows: 20 } }), /a person is attached at 100x30; your size 90x20 applies when they leave/);
  assert.equal(format.list({ jobs: [job], omitted_jobs: 1 }), 'j7 running, pid 42: python3 -q\n[… 1 more job not shown: list status=finished shows finished ones]');
});
