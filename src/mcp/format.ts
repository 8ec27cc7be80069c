// The compact text a model reads in each tool result, made from the structured result (which
// the host has already fitted to the budget): no runs of blank rows, the command line only
// where it says something new, no cutting here.
import type { KillResult, ListResult, OutputResult, ResizeResult, RunResult, ScreenWire, StatusResult, TailResult, JobWire } from '../host/schema.js';

/** Runs of this many blank rows or more are shown as one marker line. */
const BLANK_RUN_MIN = 3;

function jobState(job: JobWire): string {
  let state: string = job.status;
  if (job.status !== 'running') {
    const seconds = ((Date.parse(job.ended_at ?? '') - Date.parse(job.started_at)) / 1000).toFixed(1);
    state += job.signal ? ` (${job.signal})` : ` (exit ${job.exit_code})`;
    state += ` after ${seconds}s`;
  }
  return state + (job.viewers > 0 ? `, ${job.viewers} watching` : '');
}

/** `j2 [web] running, pid 4242: npm run dev`; without the command where the caller knows it. */
export function formatJob(job: JobWire, withCommand = true): string {
  const name = job.name ? ` [${job.name}]` : '';
  const command = withCommand ? `, pid ${job.pid}: ${job.command.replace(/\s*\n\s*/g, ' ⏎ ')}` : '';
  return `${job.job_id}${name} ${jobState(job)}${command}`;
}

export function formatScreen(screen: ScreenWire): string {
  const kind = screen.alternate_screen ? ' (full-screen app)' : screen.drawing ? ' (drawn screen)' : '';
  const header = `screen ${screen.cols}x${screen.rows}${kind}, cursor row ${screen.cursor.row} col ${screen.cursor.col}:`;
  const rows: string[] = screen.omitted_rows ? [`[… ${screen.omitted_rows} rows not shown: tail max_bytes=… shows them]`] : [];
  let blank = 0;
  const flushBlank = () => {
    if (blank >= BLANK_RUN_MIN) rows.push(`[${blank} blank rows]`);
    else for (let i = 0; i < blank; i++) rows.push('');
    blank = 0;
  };
  for (const line of screen.lines ?? []) {
    if (line === '') blank++;
    else {
      flushBlank();
      rows.push(line);
    }
  }
  return [header, ...rows].join('\n');
}

function formatReason(run: RunResult): string | null {
  switch (run.reason) {
    case undefined:
      return null;
    case 'pattern':
      return `wait: pattern matched ${JSON.stringify(run.match ?? '')}`;
    case 'port':
      return `wait: listening on port ${run.port}`;
    case 'input':
      return 'wait: waiting for input';
    case 'idle':
      return 'wait: output went quiet';
    case 'exit':
      return 'wait: the job ended';
    case 'timeout':
      return run.job.status === 'running'
        ? `wait: timed out${run.timeout_capped_ms ? ` at the server's ${run.timeout_capped_ms / 1000}s cap` : ''}; the job is still running (wait again, or kill it)`
        : 'wait: timed out';
    case 'cancelled':
      return 'wait: cancelled';
  }
}

/** execute, interact and wait. */
export function formatRun(run: RunResult, options: { started?: boolean } = {}): string {
  const lines = [options.started ? `started ${formatJob(run.job)}` : formatJob(run.job, false)];
  const reason = formatReason(run);
  if (reason) lines.push(reason);
  if (run.screen?.lines) lines.push(formatScreen(run.screen));
  else if (run.output !== undefined) lines.push(run.output === '' ? 'output: (none)' : `output:\n${run.output}`);
  if (run.queued_input_bytes) lines.push(`[${run.queued_input_bytes} bytes of input not yet read by the program; they are sent as it reads]`);
  return lines.join('\n');
}

export function formatList(list: ListResult): string {
  if (list.jobs.length === 0) return 'no jobs';
  const more = list.omitted_jobs ? [`[… ${list.omitted_jobs} older jobs not shown]`] : [];
  return [...list.jobs.map((job) => formatJob(job)), ...more].join('\n');
}

function portsLine(ports: number[]): string[] {
  return ports.length ? [`listening on ${ports.join(', ')}`] : [];
}

function omittedLines(count: number | undefined): string[] {
  return count ? [`[… ${count} earlier lines not shown]`] : [];
}

export function formatStatus(status: StatusResult): string {
  return [formatJob(status.job), ...portsLine(status.ports), ...omittedLines(status.omitted_lines), ...status.tail].join('\n');
}

export function formatTail(tail: TailResult): string {
  // The screen repeats the lines unless a full-screen app draws something else.
  const body = tail.screen.lines ? [formatScreen(tail.screen)] : tail.lines.length ? [...omittedLines(tail.omitted_lines), ...tail.lines] : ['(no output)'];
  return [formatJob(tail.job), ...portsLine(tail.ports), ...body].join('\n');
}

export function formatOutput(output: OutputResult): string {
  const more = output.next < output.end ? `; more: output since=${output.next}` : '';
  const dropped = output.dropped_bytes ? `${output.dropped_bytes} earlier bytes were dropped by the ring; ` : '';
  return `${formatJob(output.job, false)}\n[${dropped}next ${output.next}${more}]\n${output.text}`;
}

export function formatKill(kill: KillResult): string {
  const survivors = kill.survivors.length ? ` ${kill.survivors.length} processes survived SIGKILL: ${kill.survivors.join(', ')}` : '';
  return `${kill.result === 'killed' ? 'killed' : 'already ended'}: ${formatJob(kill.job)}${survivors}`;
}

export function formatResize(resized: ResizeResult): string {
  return `${formatJob(resized.job, false)}\n${formatScreen(resized.screen)}`;
}
