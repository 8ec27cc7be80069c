// HostApi over the job manager: defaults, settling, input encoding, pattern reference points,
// per-client cursors and result budgets. What every front shares lives here.
import { JobError, notRunning } from '../errors.js';
import { scanEcho } from '../jobs/echo.js';
import type { Job } from '../jobs/job.js';
import type { JobManager } from '../jobs/manager.js';
import { compilePattern } from '../jobs/pattern.js';
import { hasProcfs, listeningPorts } from '../jobs/procfs.js';
import { normalizeSignal } from '../jobs/signals.js';
import { inputTaken, waitFor, waitingForInput, type WaitConditions, type WaitOutcome, type WaitReference } from '../jobs/wait.js';
import { BYTE } from '../terminal/control.js';
import { encodeInput, encodeKey } from '../terminal/keys.js';
import { alignUtf8Start, completeUtf8Length, renderText } from '../terminal/text.js';
import type { AttachArgs, ExecuteArgs, HostApi, InteractArgs, ListFilter, ViewerSink, WaitArgs, WaitHooks } from './api.js';
import { byteLength, cutMiddle, DEFAULT_RESULT_BYTES, fitLines, fitResult, MATCH_MAX_CHARS, MAX_RESULT_BYTES, textBudget } from './budget.js';
import { jobWire, screenWire } from './job-wire.js';
import { newOutput } from './new-output.js';
import type { JobsResult, JobWire, KillResult, ListResult, OutputResult, ResizeResult, RunResult, StatusResult, TailResult } from './schema.js';
import type { Session } from './session.js';
import { ViewerHub } from './viewers.js';

const DEFAULT_WAIT_TIMEOUT_MS = 30_000;
const DEFAULT_STATUS_LINES = 10;
const DEFAULT_TAIL_LINES = 50;

/** Bytes a text line of `list` takes besides the job's fields (its share of the text block). */
const LIST_LINE_BYTES = 60;
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
    const conditions = args.wait ? await this.conditions(session, args.wait) : null;
    const client = session.client.name === 'unknown' ? undefined : `${session.client.name} ${session.client.version}`.trim();
    const place = session.place;
    const job = this.manager.start({
      command: args.command, cwd: args.cwd, env: args.env, name: args.name, cols: args.cols, rows: args.rows, timeoutS: args.timeout_s, client,
      ...(place && { baseEnv: place.env, baseCwd: place.cwd }),
    });
    if (!conditions) return { job: jobWire(job) };
    const outcome = await waitFor(job, conditions.conditions, { offset: 0, rows: new Set(), typed: null }, this.waitHooks(hooks, conditions.conditions.timeoutMs));
    return this.runResult(session, job, outcome, null, conditions);
  }

  async jobs(_session: Session): Promise<JobsResult> {
    return { jobs: this.manager.list().map((job) => job.info()) };
  }

  /** Running jobs first, all of them; finished ones, newest first, fill what the budget leaves. */
  async list(_session: Session, args: { status?: ListFilter } = {}): Promise<ListResult> {
    const all = this.manager.list();
    const running = all.filter((job) => job.status === 'running');
    const finished = all.filter((job) => job.status !== 'running');
    const wanted = args.status === 'running' ? running : args.status === 'finished' ? finished : [...running, ...finished];
    const budget = textBudget(DEFAULT_RESULT_BYTES);
    const kept: JobWire[] = [];
    let used = 0;
    for (const job of wanted.map(jobWire)) {
      used += byteLength(job) + LIST_LINE_BYTES;
      if (used > budget && kept.length > 0) break;
      kept.push(job);
    }
    return kept.length < wanted.length ? { jobs: kept, omitted_jobs: wanted.length - kept.length } : { jobs: kept };
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
    const resultBytes = resultBudget(args.max_bytes);
    const fullScreen = screen.alternate_screen || screen.drawing;
    const next = job.log.end;
    return fitResult(resultBytes, (allowance) => {
      // The text block shows the screen of a full-screen program, else the lines: the screen comes first.
      const screenWired = screenWire(screen, fullScreen ? allowance : 0);
      const linesAllowance = fullScreen ? Math.max(256, allowance - byteLength(screenWired.lines ?? [])) : allowance;
      const { lines, omitted } = fitLines(job.screen.lastLines(args.lines ?? DEFAULT_TAIL_LINES), linesAllowance);
      return { job: jobWire(job), lines, ...(omitted > 0 && { omitted_lines: omitted }), screen: screenWired, ports, next };
    });
  }

  /**
   * Reads the log from `since`: as much as renders to at most `max_bytes` bytes of text (line
   * endings and escape sequences shrink it, tabs and invalid bytes grow it), never ending inside
   * a character or a CRLF.
   */
  async output(_session: Session, args: { job_id: string; since?: number; max_bytes?: number }): Promise<OutputResult> {
    const job = this.manager.get(args.job_id);
    const maxBytes = Math.min(MAX_RESULT_BYTES, args.max_bytes ?? textBudget(DEFAULT_RESULT_BYTES));
    const since = Math.floor(args.since ?? 0);
    const read = (take: number) => {
      const slice = job.log.read(since, take);
      let bytes = slice.bytes;
      // Do not end inside a character or a CRLF; the cut bytes come with the next read.
      if (slice.end < job.log.end) {
        bytes = bytes.subarray(0, completeUtf8Length(bytes));
        if (bytes.length > 1 && bytes[bytes.length - 1] === BYTE.CR) bytes = bytes.subarray(0, bytes.length - 1);
      }
      const text = renderText(slice.dropped > 0 ? alignUtf8Start(bytes) : bytes);
      return { text, next: slice.start + bytes.length, dropped: slice.dropped, whole: slice.end >= job.log.end };
    };
    let take = maxBytes;
    let best: ReturnType<typeof read> | null = null;
    for (let attempt = 0; attempt < OUTPUT_FIT_ATTEMPTS; attempt++) {
      const attemptRead = read(take);
      const size = Buffer.byteLength(attemptRead.text);
      if (size <= maxBytes && (!best || attemptRead.next > best.next)) best = attemptRead;
      if (size === maxBytes || (size < maxBytes && attemptRead.whole)) break;
      take = Math.max(1, take + maxBytes - size);
    }
    best ??= read(1);
    return { job: jobWire(job), text: best.text, next: best.next, end: job.log.end, dropped_bytes: best.dropped };
  }

  async interact(session: Session, args: InteractArgs, hooks: WaitHooks = {}): Promise<RunResult> {
    const job = this.manager.get(args.job_id);
    if (job.status !== 'running') throw notRunning(job.id, job.status);
    const conditions = args.wait ? await this.conditions(session, args.wait) : null;
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
    if (typed) job.write(encodeInput(typed, modes.bracketedPaste && args.paste !== false));
    // Each key is a key press of its own, after the program has read what came before.
    for (const [index, key] of keys.entries()) {
      if (typed || index > 0) await inputTaken(job);
      if (job.status !== 'running') break;
      job.write(key);
    }
    const settle = conditions?.conditions ?? SETTLE;
    const outcome = await waitFor(job, settle, reference, this.waitHooks(hooks, settle.timeoutMs));
    const result = await this.runResult(session, job, conditions ? outcome : null, { at: reference.offset, typed }, conditions);
    const queued = job.status === 'running' ? job.queuedInputBytes : 0;
    // A settle that ended on quiet output or its bound while the program is not at a prompt says so.
    const gaveUp = !conditions && job.status === 'running' && (outcome.reason === 'idle' || outcome.reason === 'timeout') && waitingForInput(job) === false;
    return { ...result, ...(queued > 0 && { queued_input_bytes: queued }), ...(gaveUp && { still_running: true }) };
  }

  async wait(session: Session, args: WaitArgs & { job_id: string }, hooks: WaitHooks = {}): Promise<RunResult> {
    const job = this.manager.get(args.job_id);
    const conditions = await this.conditions(session, args);
    const cursor = session.cursor(job.id);
    const since = args.since === undefined ? cursor.shownTo : Math.floor(args.since);
    // With an explicit offset, screen rows from before it cannot be told apart: only output counts.
    const reference: WaitReference = { offset: since, rows: args.since === undefined ? cursor.shownRows : null, typed: null };
    const outcome = await waitFor(job, conditions.conditions, reference, this.waitHooks(hooks, conditions.conditions.timeoutMs));
    return this.runResult(session, job, outcome, null, conditions);
  }

  async kill(_session: Session, args: { job_id: string; signal?: string; grace_ms?: number }): Promise<KillResult> {
    const signal = normalizeSignal(args.signal ?? 'SIGTERM');
    const outcome = await this.manager.kill(args.job_id, signal, args.grace_ms);
    return { job: jobWire(this.manager.get(args.job_id)), ...outcome };
  }

  async resize(_session: Session, args: { job_id: string; cols: number; rows: number }): Promise<ResizeResult> {
    const job = this.manager.get(args.job_id);
    if (job.status !== 'running') throw notRunning(job.id, job.status);
    const applied = this.viewers.agentResize(job, { cols: args.cols, rows: args.rows });
    if (applied) await waitFor(job, RESIZE_REDRAW, { offset: job.log.end, rows: null, typed: null });
    const screen = await job.snapshot();
    const pending = applied ? {} : { pending_size: { cols: args.cols, rows: args.rows } };
    return fitResult(DEFAULT_RESULT_BYTES, (allowance) => ({ job: jobWire(job), screen: screenWire(screen, allowance), ...pending }));
  }

  async attach(_session: Session, args: AttachArgs, sink: ViewerSink) {
    const job = this.manager.get(args.job_id);
    const size = args.mode === 'attach' && args.cols && args.rows ? { cols: args.cols, rows: args.rows } : null;
    const viewer = await this.viewers.attach(job, args.mode, size, sink);
    return { job: jobWire(job), viewer };
  }

  /** Validates a Wait and applies the default timeout and the ceiling. */
  private async conditions(session: Session, wait: WaitArgs): Promise<{ conditions: WaitConditions; cappedFromMs: number | null; cap: number; lines: number | undefined }> {
    const requested = wait.timeout_ms ?? DEFAULT_WAIT_TIMEOUT_MS;
    const cap = Math.min(this.settings.maxWaitMs, session.maxWaitMs ?? Infinity);
    const conditions: WaitConditions = { timeoutMs: Math.min(requested, cap) };
    if (wait.pattern !== undefined) conditions.pattern = await compilePattern(wait.pattern);
    if (wait.idle_ms !== undefined) conditions.idleMs = wait.idle_ms;
    if (wait.exit) conditions.exit = true;
    if (wait.input) conditions.input = true;
    if (wait.port !== undefined) conditions.port = wait.port;
    if (!conditions.pattern && conditions.idleMs === undefined && !conditions.exit && !conditions.input && conditions.port === undefined) {
      throw new JobError('A wait needs at least one condition: pattern, idle_ms, exit, input or port (timeout_ms only bounds it).');
    }
    return { conditions, cappedFromMs: requested > cap ? requested : null, cap, lines: wait.lines };
  }

  private waitHooks(hooks: WaitHooks, totalMs: number) {
    const onProgress = hooks.onProgress;
    return { signal: hooks.signal, onProgress: onProgress && ((elapsedMs: number) => onProgress(elapsedMs, totalMs)) };
  }

  private ports(job: Job): number[] {
    if (!hasProcfs || job.status !== 'running') return [];
    return listeningPorts(job.processes().map((p) => p.pid));
  }

  /**
   * The result of execute+wait, interact and wait: everything the job printed since this
   * client's previous such result (the echo of `input` left out), within the budget.
   */
  private async runResult(
    session: Session,
    job: Job,
    outcome: WaitOutcome | null,
    input: { at: number; typed: string } | null,
    conditions: { cappedFromMs: number | null; cap: number; lines: number | undefined } | null,
  ): Promise<RunResult> {
    const screen = await job.snapshot();
    const end = job.log.end;
    const from = session.cursor(job.id).shownTo;
    const echoEnd = input ? input.at + (input.typed ? scanEcho(job.log.read(input.at).bytes, input.typed).bytes : 0) : 0;
    const fullScreen = screen.alternate_screen || screen.drawing;
    session.shown(job.id, end, screen.lines);
    const waitFields = outcome
      ? {
          reason: outcome.reason,
          ...(outcome.match !== undefined && { match: cutMiddle(outcome.match, MATCH_MAX_CHARS) }),
          ...(outcome.port !== undefined && { port: outcome.port }),
          ...(outcome.reason === 'timeout' && conditions?.cappedFromMs != null && { timeout_capped_ms: conditions.cap }),
        }
      : {};
    return fitResult(DEFAULT_RESULT_BYTES, (allowance) => {
      // A full-screen program's output is cursor-addressed noise: its screen says it all.
      const shown = fullScreen ? { output: '' } : newOutput(job.log, { from, end, ...(input && { input: { at: input.at, echoEnd } }) }, allowance, conditions?.lines);
      return { job: jobWire(job), ...waitFields, ...shown, next: end, screen: screenWire(screen, fullScreen ? allowance : 0) };
    });
  }
}

/** The budget of each representation of a tail: the default, or the bytes of text asked for. */
function resultBudget(maxBytes: number | undefined): number {
  return maxBytes === undefined ? DEFAULT_RESULT_BYTES : Math.min(MAX_RESULT_BYTES, maxBytes) + (DEFAULT_RESULT_BYTES - textBudget(DEFAULT_RESULT_BYTES));
}

/** Reads `output` makes to fill its text allowance (each renders what it read). */
const OUTPUT_FIT_ATTEMPTS = 6;
