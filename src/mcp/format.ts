// The compact text a model reads in each tool result. Structured content carries everything;
// this text says the same in few tokens: no runs of blank rows, long output cut in the middle.
import type { JobInfo } from '../jobs/job.js';
import type { WaitOutcome } from '../jobs/wait.js';
import type { Screen } from '../terminal/screen.js';

/** Text longer than this is cut in the middle, keeping more of the newest part. */
const TEXT_MAX_CHARS = 6000;
const TEXT_HEAD_CHARS = 1500;
/** Runs of this many blank rows or more are shown as one marker line. */
const BLANK_RUN_MIN = 3;

export function formatJob(job: JobInfo): string {
  const name = job.name ? ` [${job.name}]` : '';
  let state: string = job.status;
  if (job.status !== 'running') {
    const seconds = ((Date.parse(job.ended_at ?? '') - Date.parse(job.started_at)) / 1000).toFixed(1);
    state += job.signal ? ` (${job.signal})` : ` (exit ${job.exit_code})`;
    state += ` after ${seconds}s`;
  }
  return `${job.job_id}${name} ${state}, pid ${job.pid}: ${oneLine(job.command)}`;
}

function oneLine(text: string, max = 200): string {
  const flat = text.replace(/\s*\n\s*/g, ' ⏎ ');
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** Cuts long text in the middle; `hint` says how to read what was cut. */
function cutMiddle(text: string, hint: string): string {
  if (text.length <= TEXT_MAX_CHARS) return text;
  const tailChars = TEXT_MAX_CHARS - TEXT_HEAD_CHARS;
  const cut = text.length - TEXT_MAX_CHARS;
  return `${text.slice(0, TEXT_HEAD_CHARS)}\n[… ${cut} characters cut; ${hint} …]\n${text.slice(-tailChars)}`;
}

export function formatScreen(screen: Screen): string {
  const header = `screen ${screen.cols}x${screen.rows}${screen.alternate_screen ? ' (full-screen app)' : ''}, cursor row ${screen.cursor.row} col ${screen.cursor.col}:`;
  const rows: string[] = [];
  let blank = 0;
  const flushBlank = () => {
    if (blank >= BLANK_RUN_MIN) rows.push(`[${blank} blank rows]`);
    else for (let i = 0; i < blank; i++) rows.push('');
    blank = 0;
  };
  for (const line of screen.lines) {
    if (line === '') blank++;
    else {
      flushBlank();
      rows.push(line);
    }
  }
  return [header, ...rows].join('\n');
}

export function formatWait(outcome: WaitOutcome): string {
  switch (outcome.reason) {
    case 'pattern':
      return `wait: pattern matched ${JSON.stringify(oneLine(outcome.match ?? '', 120))}`;
    case 'port':
      return `wait: listening on port ${outcome.port}`;
    case 'input':
      return 'wait: waiting for input';
    case 'idle':
      return 'wait: output went quiet';
    case 'exit':
      return 'wait: the job ended';
    case 'timeout':
      return 'wait: timed out; the job is still running (wait again, or kill it)';
    case 'cancelled':
      return 'wait: cancelled';
  }
}

/** Output text for the model, with a line saying where it came from when it was cut. */
export function formatOutput(label: string, text: string, from: number, skipped: number, jobId: string): string {
  const body = cutMiddle(text, `call output with job_id ${jobId} and since ${from} for all of it`);
  const skippedNote = skipped > 0 ? ` (${skipped} earlier bytes not shown; call output with since ${from - skipped})` : '';
  return text === '' ? `${label}: (none)` : `${label}${skippedNote}:\n${body}`;
}
