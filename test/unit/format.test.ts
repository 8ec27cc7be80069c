import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatOutput, formatScreen } from '../../src/mcp/format.js';

test('runs of blank screen rows are shown as one marker line', () => {
  const text = formatScreen({ lines: ['top', '', '', '', '', '', 'bottom', '', 'end'], cursor: { row: 8, col: 3 }, cols: 80, rows: 24, alternate_screen: true });
  assert.equal(text, 'screen 80x24 (full-screen app), cursor row 8 col 3:\ntop\n[5 blank rows]\nbottom\n\nend');
});

test('long output is cut in the middle, keeping the newest text, with a way to read the rest', () => {
  const long = Array.from({ length: 2000 }, (_, i) => `line ${i}`).join('\n');
  const text = formatOutput('output', long, 1234, 0, 'j7');
  assert.ok(text.length < 6300);
  assert.match(text, /^output:\nline 0\n/);
  assert.match(text, /line 1999$/);
  assert.match(text, /\[… \d+ characters cut; call output with job_id j7 and since 1234 for all of it …\]/);
  assert.equal(formatOutput('output', 'short\n', 0, 0, 'j7'), 'output:\nshort\n');
  assert.equal(formatOutput('output', '', 0, 0, 'j7'), 'output: (none)');
  assert.match(formatOutput('output', 'x', 500, 200, 'j7'), /200 earlier bytes not shown; call output with since 300/);
});
