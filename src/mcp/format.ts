// The compact text a model reads in each tool result, made from the structured result (which
// the host has already fitted to the budget): no runs of blank rows, a job's command line only
// the first time this client is shown the job (and in list and status), no cutting here.
import type { JobWire, KillResult, ListResult, OutputResult, ResizeResult, RunResult, ScreenWire, StatusResult, TailResult } from '../host/schema.js';

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

/** `j2 [web] running, pid 4242: npm run dev`; without the pid and command where the reader knows them. */
export function formatJob(job: JobWire, withCommand = true): string {
  const name = job.name ? ` [${job.name}]` : '';
  const command = withCommand ? `, pid ${job.pid}: ${job.command.replace(/\s*\n\s*/g, ' ⏎ ')}` : '';
  return `${job.job_id}${name} ${jobState(job)}${command}`;
}

export function formatScreen(screen: ScreenWire): string {
  const kind = screen.alternate_screen ? ' (full-screen app)' : screen.drawing ? ' (drawn screen)' : '';
  const header = `screen ${screen.cols}x${screen.rows}${kind}, cursor row ${screen.cursor.row} col ${screen.cursor.col}:`;
  const rows: string[] = screen.omitted_rows ? [`[… ${screen.omitted_rows} rows not shown: tail max_bytes=262144 shows them]`] : [];
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
  if (screen.lines?.length === 0) rows.push('(blank)');
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

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

function portsLine(ports: number[]): string[] {
  return ports.length ? [`listening on ${ports.join(', ')}`] : [];
}

function omittedLines(count: number | undefined): string[] {
  return count ? [`[… ${plural(count, 'earlier line')} not shown]`] : [];
}

/** The text of each result for one client, which remembers the jobs whose command it was shown. */
export class Formatter {
  private readonly named = new Set<string>();

  /** The job's line: with its command the first time this client sees the job. */
  private job(job: JobWire, always = false): string {
    const first = !this.named.has(job.job_id);
    this.named.add(job.job_id);
    return formatJob(job, always || first);
  }

  /** execute, interact and wait. */
  run(run: RunResult, options: { started?: boolean } = {}): string {
    const lines = [options.started ? `started ${this.job(run.job, true)}` : this.job(run.job)];
    const reason = formatReason(run);
    if (reason) lines.push(reason);
    if (run.still_running) lines.push('still running, no prompt yet: wait to see more');
    if (run.screen?.lines) lines.push(formatScreen(run.screen));
    else if (run.output !== undefined) lines.push(run.output === '' ? 'output: (none)' : `output:\n${run.output}`);
    if (run.queued_input_bytes) lines.push(`[${run.queued_input_bytes} bytes of input not yet read by the program; they are sent as it reads]`);
    return lines.join('\n');
  }

  list(list: ListResult, filter?: string): string {
    if (list.jobs.length === 0) return filter ? `no ${filter} jobs` : 'no jobs';
    const more = list.omitted_jobs ? [`[… ${plural(list.omitted_jobs, 'more job')} not shown${filter === 'finished' ? '' : ': list status=finished shows finished ones'}]`] : [];
    return [...list.jobs.map((job) => this.job(job, true)), ...more].join('\n');
  }

  status(status: StatusResult): string {
    return [this.job(status.job, true), ...portsLine(status.ports), ...omittedLines(status.omitted_lines), ...status.tail].join('\n');
  }

  tail(tail: TailResult): string {
    // The screen repeats the lines unless a full-screen app draws something else.
    const body = tail.screen.lines ? [formatScreen(tail.screen)] : tail.lines.length ? [...omittedLines(tail.omitted_lines), ...tail.lines] : ['(no output)'];
    return [this.job(tail.job), ...portsLine(tail.ports), ...body].join('\n');
  }

  output(output: OutputResult): string {
    const more = output.next < output.end ? `; more: output since=${output.next}` : '';
    const dropped = output.dropped_bytes ? `${output.dropped_bytes} earlier bytes were dropped by the ring; ` : '';
    return `${this.job(output.job)}\n[${dropped}next ${output.next}${more}]\n${output.text}`;
  }

  kill(kill: KillResult): string {
    const survivors = kill.survivors.length ? ` ${kill.survivors.length} processes survived SIGKILL: ${kill.survivors.join(', ')}` : '';
    return `${kill.result === 'killed' ? 'killed' : 'already ended'}: ${this.job(kill.job)}${survivors}`;
  }

  resize(resized: ResizeResult): string {
    const pending = resized.pending_size
      ? [`a person is attached at ${resized.job.cols}x${resized.job.rows}; your size ${resized.pending_size.cols}x${resized.pending_size.rows} applies when they leave`]
      : [];
    return [this.job(resized.job), ...pending, formatScreen(resized.screen)].join('\n');
  }
}
