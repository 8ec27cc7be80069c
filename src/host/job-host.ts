// HostApi over the job manager: defaults, settling, input encoding, pattern reference points,
// per-client cursors and result budgets. What every front shares lives here.
import { JobError, notRunning } from '../errors.js';
import type { Job } from '../jobs/job.js';
import type { JobManager } from '../jobs/manager.js';
import { hasProcfs, listeningPorts } from '../jobs/procfs.js';
import { normalizeSignal } from '../jobs/signals.js';
import { inputTaken, waitFor, type WaitConditions, type WaitOutcome, type WaitReference } from '../jobs/wait.js';
import { scanEcho } from '../jobs/echo.js';
import { compilePattern } from '../jobs/pattern.js';
import { encodeInput, encodeKey } from '../terminal/keys.js';
import type { Screen } from '../terminal/screen.js';
import { alignUtf8Start, completeUtf8Length, renderText, textLines } from '../terminal/text.js';
import type { ExecuteArgs, HostApi, InteractArgs, WaitArgs, WaitHooks } from './api.js';
import { COMMAND_MAX_CHARS, cutMiddle, DEFAULT_RESULT_BYTES, fitLines, fitResult, headTail, MATCH_MAX_CHARS, MAX_RESULT_BYTES, textBudget } from './budget.js';
import type { JobWire, KillResult, ListResult, OutputResult, ResizeResult, RunResult, ScreenWire, StatusResult, TailResult } from './schema.js';
import type { Session } from './session.js';
import { ViewerHub } from './viewers.js';

export const DEFAULT_WAIT_TIMEOUT_MS = 30_000;
export const DEFAULT_STATUS_LINES = 10;
export const DEFAULT_TAIL_LINES = 50;

/** Interact without a wait settles until the program is back at its prompt or output is quiet. */
const SETTLE: WaitConditions = { input: true, idleMs: 150, idleWaitsForPendingKeys: true, timeoutMs: 1500 };
/** The most one interact types (the pty takes it as the program reads). */
const MAX_INPUT_CHARS = 16 * 1024 * 1024;
/** After a resize, the program gets this long to redraw. */
const RESIZE_REDRAW: WaitConditions = { idleMs: 100, timeoutMs: 1000 };

export interface HostSettings {
  /** Waits longer than this return `timeout` (the client's request would time out first). */
  readonly maxWaitMs: number;
}

export class JobHost implements HostApi {
  private readonly sessions = new Set<Session>();
  /** People attached to or watching jobs. */
  readonly viewers: ViewerHub;

  constructor(
    readonly manager: JobManager,
    private readonly settings: HostSettings,
  ) {
    this.viewers = new ViewerHub(manager);
    manager.onEvict((jobId) => {
      for (const session of this.sessions) session.forget(jobId);
    });
  }

  /** Registers a client; returns a function that forgets it. */
  attachSession(session: Session): () => void {
    this.sessions.add(session);
    return () => this.sessions.delete(session);
  }

  async execute(session: Session, args: ExecuteArgs, hooks: WaitHooks = {}): Promise<RunResult> {
    const conditions = args.wait ? await this.conditions(args.wait) : null;
    const client = session.client.name === 'unknown' ? undefined : `${session.client.name} ${session.client.version}`.trim();
    const place = session.place;
    const job = this.manager.start({
      command: args.command, cwd: args.cwd, env: args.env, name: args.name, cols: args.cols, rows: args.rows, timeoutS: args.timeout_s, client,
      ...(place && { baseEnv: place.env, baseCwd: place.cwd }),
    });
    if (!conditions) return { job: jobWire(job) };
    const outcome = await waitFor(job, conditions.conditions, { offset: 0, rows: new Set(), typed: null }, this.waitHooks(hooks, conditions.conditions.timeoutMs));
    return this.runResult(session, job, outcome, { from: 0, echo: null }, conditions);
  }

  /** Every job, whole, for people (ls --json); agents get list, within the budget. */
  jobs(): JobWire[] {
    return this.manager.list().map((job) => job.info());
  }

  async list(_session: Session): Promise<ListResult> {
    const jobs = this.manager.list().map(jobWire);
    const budget = textBudget(DEFAULT_RESULT_BYTES);
    const kept: JobWire[] = [];
    let used = 0;
    for (const job of jobs) {
      used += JSON.stringify(job).length + 60; // and its line in the text block
      if (used > budget) break;
      kept.push(job);
    }
    return kept.length < jobs.length ? { jobs: kept, omitted_jobs: jobs.length - kept.length } : { jobs: kept };
  }

  async status(_session: Session, args: { job_id: string; lines?: number }): Promise<StatusResult> {
    const job = this.manager.get(args.job_id);
    await job.screen.settled();
    const ports = this.ports(job);
    return fitResult(DEFAULT_RESULT_BYTES, (allowance) => {
      const { lines, omitted } = fitLines(job.screen.lastLines(args.lines ?? DEFAULT_STATUS_LINES), allowance);
      return { job: jobWire(job), tail: lines, ...(omitted > 0 && { omitted_lines: omitted }), ports };
    });
  }

  async tail(_session: Session, args: { job_id: string; lines?: number; max_bytes?: number }): Promise<TailResult> {
    const job = this.manager.get(args.job_id);
    const screen = await job.snapshot();
    const ports = this.ports(job);
    const resultBytes = clampBudget(args.max_bytes);
    const fullScreen = screen.alternate_screen || screen.drawing;
    return fitResult(resultBytes, (allowance) => {
      // The text block shows the screen of a full-screen program, else the lines: each gets the allowance.
      const { lines, omitted } = fitLines(job.screen.lastLines(args.lines ?? DEFAULT_TAIL_LINES), fullScreen ? allowance / 4 : allowance);
      return { job: jobWire(job), lines, ...(omitted > 0 && { omitted_lines: omitted }), screen: screenWire(screen, fullScreen ? allowance : 0), ports };
    });
  }

  async output(_session: Session, args: { job_id: string; since?: number; max_bytes?: number }): Promise<OutputResult> {
    const job = this.manager.get(args.job_id);
    const resultBytes = clampBudget(args.max_bytes);
    return fitResult(resultBytes, (allowance) => {
      const slice = job.log.read(Math.floor(args.since ?? 0), allowance);
      let bytes = slice.bytes;
      // Do not end inside a character or a CRLF; the cut bytes come with the next read.
      if (slice.end < job.log.end) {
        bytes = bytes.subarray(0, completeUtf8Length(bytes));
        if (bytes.length > 1 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
      }
      const text = renderText(slice.dropped > 0 ? alignUtf8Start(bytes) : bytes);
      return { job: jobWire(job), text, next: slice.start + bytes.length, end: job.log.end, dropped_bytes: slice.dropped };
    });
  }

  async interact(session: Session, args: InteractArgs, hooks: WaitHooks = {}): Promise<RunResult> {
    const job = this.manager.get(args.job_id);
    if (job.status !== 'running') throw notRunning(job.id, job.status);
    const conditions = args.wait ? await this.conditions(args.wait) : null;
    const modes = job.screen.modes;
    const keys = (args.keys ?? []).map((name) => {
      try {
        return encodeKey(name, modes);
      } catch (error) {
        throw new JobError((error as Error).message);
      }
    });
    if ((args.input?.length ?? 0) > MAX_INPUT_CHARS) throw new JobError(`The input is ${args.input!.length} characters; at most ${MAX_INPUT_CHARS} go in one interact. Send it in parts, or write it to a file and have the program read that.`);
    // Enter in a terminal is CR; a bare LF would be taken as Ctrl-J by raw-mode programs.
    const typed = args.input?.replace(/\r?\n/g, '\r') ?? '';
    const before = await job.snapshot();
    const reference: WaitReference = { offset: job.log.end, rows: new Set(before.lines), typed: typed || null };
    job.markWrite();
    if (typed) job.write(encodeInput(typed, modes.bracketedPaste));
    // Each key is a key press of its own, after the program has read what came before.
    for (const [index, key] of keys.entries()) {
      if (typed || index > 0) await inputTaken(job);
      if (job.status !== 'running') break;
      job.write(key);
    }
    const outcome = await waitFor(job, conditions?.conditions ?? SETTLE, reference, this.waitHooks(hooks, conditions?.conditions.timeoutMs ?? SETTLE.timeoutMs));
    const result = await this.runResult(session, job, conditions ? outcome : null, { from: reference.offset, echo: typed || null }, conditions);
    const queued = job.status === 'running' ? job.queuedInputBytes : 0;
    return queued > 0 ? { ...result, queued_input_bytes: queued } : result;
  }

  async wait(session: Session, args: WaitArgs & { job_id: string }, hooks: WaitHooks = {}): Promise<RunResult> {
    const job = this.manager.get(args.job_id);
    const conditions = await this.conditions(args);
    const cursor = session.cursor(job.id);
    const since = args.since === undefined ? cursor.shownTo : Math.floor(args.since);
    // With an explicit offset, screen rows from before it cannot be told apart: only output counts.
    const reference: WaitReference = { offset: since, rows: args.since === undefined ? cursor.shownRows : null, typed: null };
    const outcome = await waitFor(job, conditions.conditions, reference, this.waitHooks(hooks, conditions.conditions.timeoutMs));
    return this.runResult(session, job, outcome, { from: since, echo: null }, conditions);
  }

  async kill(_session: Session, args: { job_id: string; signal?: string; grace_ms?: number }): Promise<KillResult> {
    const signal = normalizeSignal(args.signal ?? 'SIGTERM');
    const outcome = await this.manager.kill(args.job_id, signal, args.grace_ms);
    return { job: jobWire(this.manager.get(args.job_id)), ...outcome };
  }

  async resize(_session: Session, args: { job_id: string; cols: number; rows: number }): Promise<ResizeResult> {
    const job = this.manager.get(args.job_id);
    job.resize(args.cols, args.rows);
    this.viewers.agentResized(job.id, args.cols, args.rows);
    await waitFor(job, RESIZE_REDRAW, { offset: job.log.end, rows: null, typed: null });
    const screen = await job.snapshot();
    return fitResult(DEFAULT_RESULT_BYTES, (allowance) => ({ job: jobWire(job), screen: screenWire(screen, allowance) }));
  }

  /** Validates a Wait and applies the default timeout and the ceiling. */
  private async conditions(wait: WaitArgs): Promise<{ conditions: WaitConditions; cappedFromMs: number | null; lines: number | undefined }> {
    const requested = wait.timeout_ms ?? DEFAULT_WAIT_TIMEOUT_MS;
    const conditions: WaitConditions = { timeoutMs: Math.min(requested, this.settings.maxWaitMs) };
    if (wait.pattern !== undefined) conditions.pattern = await compilePattern(wait.pattern);
    if (wait.idle_ms !== undefined) conditions.idleMs = wait.idle_ms;
    if (wait.exit) conditions.exit = true;
    if (wait.input) conditions.input = true;
    if (wait.port !== undefined) conditions.port = wait.port;
    if (!conditions.pattern && conditions.idleMs === undefined && !conditions.exit && !conditions.input && conditions.port === undefined) {
      throw new JobError('A wait needs at least one condition: pattern, idle_ms, exit, input or port (timeout_ms only bounds it).');
    }
    return { conditions, cappedFromMs: requested > this.settings.maxWaitMs ? requested : null, lines: wait.lines };
  }

  private waitHooks(hooks: WaitHooks, totalMs: number) {
    const onProgress = hooks.onProgress;
    return { signal: hooks.signal, onProgress: onProgress && ((elapsedMs: number) => onProgress(elapsedMs, totalMs)) };
  }

  private ports(job: Job): number[] {
    if (!hasProcfs || job.status !== 'running') return [];
    return listeningPorts(job.processes().map((p) => p.pid));
  }

  /** The result of execute+wait, interact and wait: what is new since `from`, within the budget. */
  private async runResult(
    session: Session,
    job: Job,
    outcome: WaitOutcome | null,
    range: { from: number; echo: string | null },
    conditions: { cappedFromMs: number | null; lines: number | undefined } | null,
  ): Promise<RunResult> {
    const screen = await job.snapshot();
    const end = job.log.end;
    const from = range.echo ? range.from + scanEcho(job.log.read(range.from).bytes, range.echo).bytes : range.from;
    const fullScreen = screen.alternate_screen || screen.drawing;
    session.shown(job.id, end, screen.lines);
    const waitFields = outcome
      ? {
          reason: outcome.reason,
          ...(outcome.match !== undefined && { match: cutMiddle(outcome.match, MATCH_MAX_CHARS) }),
          ...(outcome.port !== undefined && { port: outcome.port }),
          ...(outcome.reason === 'timeout' && conditions?.cappedFromMs != null && { timeout_capped_ms: this.settings.maxWaitMs }),
        }
      : {};
    return fitResult(DEFAULT_RESULT_BYTES, (allowance) => {
      // A full-screen program's output is cursor-addressed noise: its screen says it all.
      const output = fullScreen ? { output: '', next: end } : newOutput(job, from, end, allowance, conditions?.lines);
      return { job: jobWire(job), ...waitFields, ...output, screen: screenWire(screen, fullScreen ? allowance : 0) };
    });
  }
}

function clampBudget(maxBytes: number | undefined): number {
  return Math.min(MAX_RESULT_BYTES, Math.max(1024, maxBytes ?? DEFAULT_RESULT_BYTES));
}

export function jobWire(job: Job): JobWire {
  const info = job.info();
  return { ...info, command: cutMiddle(info.command, COMMAND_MAX_CHARS), name: info.name === null ? null : cutMiddle(info.name, COMMAND_MAX_CHARS) };
}

/** The screen for a result; its rows only when the text shows them (`allowance` > 0). */
export function screenWire(screen: Screen, allowance: number): ScreenWire {
  const { lines, ...meta } = screen;
  if (allowance <= 0) return meta;
  // Keep the rows around the cursor when they do not all fit.
  const fitted = fitLines(lines.slice(0, Math.max(screen.cursor.row + 1, Math.min(lines.length, screen.rows))), allowance);
  return { lines: fitted.lines, ...(fitted.omitted > 0 && { omitted_rows: fitted.omitted }), ...meta };
}

/** A line saying which bytes a result left out and which `output` call reads what is still held. */
function omittedMarker(job: Job, from: number, to: number): string {
  const readable = Math.max(from, job.log.start);
  const read = to > readable ? `: output since=${readable} max_bytes=${to - readable} reads ${readable > from ? 'what the ring kept of ' : ''}them` : ' (dropped by the ring)';
  return `[… ${to - from} bytes not shown${read} …]\n`;
}

/**
 * Readable output from `from` to `end` within `allowance` bytes: all of it, or its head and
 * tail with a marker between, or (`lines`) its last lines.
 */
function newOutput(job: Job, from: number, end: number, allowance: number, lines: number | undefined): Pick<RunResult, 'output' | 'next' | 'omitted'> {
  const held = Math.max(from, job.log.start);
  const render = (start: number, stop: number) => {
    const bytes = job.log.read(start, stop - start).bytes;
    return renderText(start > from ? alignUtf8Start(bytes) : bytes);
  };
  const cut = (shownFrom: number, body: string) => ({ output: omittedMarker(job, from, shownFrom) + body, next: end, omitted: { from, to: shownFrom } });
  if (lines !== undefined) {
    const shownFrom = Math.max(held, job.log.tailOffset(lines, allowance));
    const kept = fitLines(textLines(render(shownFrom, end)).slice(-lines), allowance).lines;
    const body = kept.map((line) => `${line}\n`).join('');
    return shownFrom > from ? cut(shownFrom, body) : { output: body, next: end };
  }
  if (end - held <= allowance) return held > from ? cut(held, render(held, end)) : { output: render(from, end), next: end };
  const tailStart = end - alignUtf8Start(job.log.read(end - allowance, allowance).bytes).length;
  // Bytes the ring dropped leave no head worth showing: then only the tail.
  if (held > from) return cut(tailStart, render(tailStart, end));
  const { head } = headTail(allowance);
  const headEnd = from + completeUtf8Length(job.log.read(from, head).bytes);
  const tailFrom = Math.max(tailStart, end - (allowance - head));
  const tailAligned = end - alignUtf8Start(job.log.read(tailFrom, end - tailFrom).bytes).length;
  const text = `${render(from, headEnd)}\n${omittedMarker(job, headEnd, tailAligned)}${render(tailAligned, end)}`;
  return { output: text, next: end, omitted: { from: headEnd, to: tailAligned } };
}
