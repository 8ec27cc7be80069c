import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatRun, formatScreen } from '../../src/mcp/format.js';

const job = { job_id: 'j7', name: null, command: 'python3 -q', cwd: '/tmp', pid: 42, status: 'running' as const, exit_code: null, signal: null, started_at: new Date().toISOString(), ended_at: null, cols: 80, rows: 24, viewers: 0, client: null };

test('runs of blank screen rows are shown as one marker line', () => {
  const text = formatScreen({ lines: ['top', '', '', '', '', '', 'bottom', '', 'end'], cursor: { row: 8, col: 3 }, cols: 80, rows: 24, alternate_screen: true, drawing: false });
  assert.equal(text, 'screen 80x24 (full-screen app), cursor row 8 col 3:\ntop\n[5 blank rows]\nbottom\n\nend');
});

test('a run result names the job without its command, then the reason and the output', () => {
  const screen = { cursor: { row: 1, col: 4 }, cols: 80, rows: 24, alternate_screen: false, drawing: false };
  assert.equal(formatRun({ job, reason: 'input', output: '42\n>>> ', next: 9, screen }), 'j7 running\nwait: waiting for input\noutput:\n42\n>>> ');
  assert.equal(formatRun({ job, output: '', next: 9, screen }), 'j7 running\noutput: (none)');
  assert.match(formatRun({ job, reason: 'timeout', timeout_capped_ms: 50_000, output: '', next: 0, screen }), /timed out at the server's 50s cap; the job is still running \(wait again/);
  assert.match(formatRun({ job, output: '', next: 0 }, { started: true }), /^started j7 running, pid 42: python3 -q/);
});
