// Waits on a job until the first of several conditions holds: a pattern in text the client has
// not been shown yet, quiet output, the job waiting for terminal input, a port being listened
// on, or the job's end.
import { renderText } from '../terminal/text.js';
import { scanEcho } from './echo.js';
import type { Job } from './job.js';
import type { Pattern } from './pattern.js';
import { hasProcfs, inputState, jobProcesses, listeningPorts, scheduleCount, type InputState } from './procfs.js';

export interface WaitConditions {
  pattern?: Pattern;
  idleMs?: number;
  /** Idle does not count while the program is mid key sequence (see procfs 'pending'). */
  idleWaitsForPendingKeys?: boolean;
  exit?: boolean;
  input?: boolean;
  port?: number | true;
  timeoutMs: number;
}

/** Why a wait ended (the first condition met, or its end). */
export const WAIT_REASONS = ['pattern', 'idle', 'exit', 'input', 'port', 'timeout', 'cancelled'] as const;
export type WaitReason = (typeof WAIT_REASONS)[number];

export interface WaitOutcome {
  reason: WaitReason;
  /** The text the pattern matched. */
  match?: string;
  /** The port that satisfied a port wait. */
  port?: number;
}

/**
 * What a pattern may match: output after `offset`, minus the echo of `typed` (the input the
 * same call wrote), and screen rows that are not in `rows` (rows already there at the
 * reference point are stale); with `rows` null the screen is not consulted.
 */
export interface WaitReference {
  offset: number;
  rows: ReadonlySet<string> | null;
  typed: string | null;
}

export interface WaitHooks {
  signal?: AbortSignal;
  /** Called about once a second while waiting. */
  onProgress?: (elapsedMs: number) => void;
}

/** How often process-state conditions (input, port, idle) are re-checked. */
const POLL_INTERVAL_MS = 25;
/**
 * Output-driven checks run at most this often: a flood parses many chunks a second, and each
 * check may render the screen and read /proc. A check after a quiet spell runs at once.
 */
const CHECK_MIN_INTERVAL_MS = 10;
const PORT_POLL_INTERVAL_MS = 100;
const PROGRESS_INTERVAL_MS = 1000;
/** A program must stay blocked on input, with no output arriving, this long to count as ready. */
const INPUT_QUIET_MS = 20;
/**
 * After a write, a reader that has not woken yet still looks blocked on the terminal; we wait
 * to see it scheduled. A reader that never wakes (a partial line in cooked mode) counts as
 * ready after this long.
 */
const INPUT_WAKE_GRACE_MS = 250;
/** Pattern matches may span chunks by up to this many bytes. */
const PATTERN_OVERLAP_BYTES = 4096;
/** Where ready-for-input cannot be seen (no /proc), this much quiet output stands in for it. */
const INPUT_FALLBACK_IDLE_MS = 300;

/**
 * Tracks whether the job is blocked reading its terminal, having taken the last input
 * written. Readiness must hold for INPUT_QUIET_MS with no output arriving meanwhile: a prompt
 * printed just before the program blocked may still sit unread in the pty.
 */
class InputReadiness {
  private readySince: number | null = null;
  /** The last state seen. */
  state: InputState = 'unknown';

  constructor(private readonly job: Job) {}

  check(): boolean {
    const job = this.job;
    const now = Date.now();
    if (!hasProcfs) return now - job.lastOutputAt >= INPUT_FALLBACK_IDLE_MS && now - job.actionAt >= INPUT_FALLBACK_IDLE_MS;
    const state = (this.state = inputState(job.pid));
    if (state === 'unknown') return now - job.lastOutputAt >= INPUT_FALLBACK_IDLE_MS;
    const tookInput = now - job.actionAt >= INPUT_WAKE_GRACE_MS || scheduleCount(jobProcesses(job.pid, null).map((p) => p.pid)) > job.actionScheduleCount;
    if (state !== 'ready' || !tookInput) {
      this.readySince = null;
      return false;
    }
    if (this.readySince === null || job.lastOutputAt >= this.readySince) {
      this.readySince = now;
      return false;
    }
    return now - this.readySince >= INPUT_QUIET_MS;
  }
}

/** Where the echo of the typed input ends; patterns look at output from there. */
class EchoTracker {
  private end: number;
  private done: boolean;

  constructor(private readonly job: Job, private readonly reference: WaitReference) {
    this.end = reference.offset;
    this.done = !reference.typed;
  }

  /** The first output offset a pattern may match (the echo may still be arriving). */
  matchFrom(): number {
    if (!this.done) {
      const scan = scanEcho(this.job.log.read(this.reference.offset).bytes, this.reference.typed!);
      this.end = this.reference.offset + scan.bytes;
      this.done = scan.done;
    }
    return this.done ? this.end : Infinity;
  }

  /** Whether a screen row shows the typed input (the echo on screen). */
  showsTyped(row: string): boolean {
    const typed = this.reference.typed;
    return typed !== null && typed.split('\r').some((line) => line.trim() !== '' && row.includes(line.trim()));
  }
}

export function waitFor(job: Job, conditions: WaitConditions, reference: WaitReference, hooks: WaitHooks = {}): Promise<WaitOutcome> {
  const startedAt = Date.now();
  let scannedTo = reference.offset;
  let lastPortCheck = 0;
  const readiness = new InputReadiness(job);
  const echo = new EchoTracker(job, reference);

  const checkPattern = (pattern: Pattern): string | null => {
    const matchFrom = echo.matchFrom();
    if (matchFrom === Infinity) return null;
    const from = Math.max(matchFrom, scannedTo - PATTERN_OVERLAP_BYTES);
    const slice = job.log.read(from);
    scannedTo = Math.max(scannedTo, slice.end);
    const inOutput = pattern.exec(renderText(slice.bytes));
    if (inOutput) return inOutput.text;
    // A full-screen program draws with cursor moves; its rows that changed may match.
    const screen = job.screen.snapshot();
    if (reference.rows === null || !(screen.alternate_screen || screen.drawing)) return null;
    const changed = screen.lines.filter((row) => row !== '' && !reference.rows!.has(row) && !echo.showsTyped(row));
    const onScreen = changed.length ? pattern.exec(changed.join('\n')) : null;
    return onScreen ? onScreen.text : null;
  };

  const evaluate = (): WaitOutcome | null => {
    if (conditions.pattern) {
      const match = checkPattern(conditions.pattern);
      if (match !== null) return { reason: 'pattern', match };
    }
    // A job that has ended can meet no other condition: report the end.
    if (job.status !== 'running') return { reason: 'exit' };
    if (conditions.port !== undefined && hasProcfs && Date.now() - lastPortCheck >= PORT_POLL_INTERVAL_MS) {
      lastPortCheck = Date.now();
      const ports = listeningPorts(job.processes().map((p) => p.pid));
      const port = conditions.port === true ? ports[0] : ports.find((p) => p === conditions.port);
      if (port !== undefined) return { reason: 'port', port };
    }
    if (conditions.input && readiness.check()) return { reason: 'input' };
    const pending = conditions.idleWaitsForPendingKeys && readiness.state === 'pending';
    if (conditions.idleMs !== undefined && !pending && Date.now() - Math.max(job.lastOutputAt, startedAt, job.actionAt) >= conditions.idleMs) {
      return { reason: 'idle' };
    }
    return null;
  };

  return new Promise((resolve) => {
    let done = false;
    let lastCheckAt = 0;
    let deferredCheck: NodeJS.Timeout | null = null;
    const timers: NodeJS.Timeout[] = [];
    const finish = (outcome: WaitOutcome) => {
      if (done) return;
      done = true;
      for (const timer of timers) clearInterval(timer);
      if (deferredCheck) clearTimeout(deferredCheck);
      unsubscribe();
      hooks.signal?.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const check = () => {
      if (done) return;
      const outcome = evaluate();
      if (outcome) finish(outcome);
    };
    const checkSoon = () => {
      if (done || deferredCheck) return;
      // Only output-driven checks count, so the first output after a quiet spell is seen at once.
      const wait = lastCheckAt + CHECK_MIN_INTERVAL_MS - Date.now();
      if (wait <= 0) {
        lastCheckAt = Date.now();
        return check();
      }
      deferredCheck = setTimeout(() => {
        deferredCheck = null;
        lastCheckAt = Date.now();
        check();
      }, wait);
    };
    const onAbort = () => finish({ reason: 'cancelled' });
    const unsubscribe = job.onChange(checkSoon);
    if (hooks.signal?.aborted) return finish({ reason: 'cancelled' });
    hooks.signal?.addEventListener('abort', onAbort);
    timers.push(setTimeout(() => finish({ reason: 'timeout' }), conditions.timeoutMs));
    if (conditions.idleMs !== undefined || conditions.input || conditions.port !== undefined) timers.push(setInterval(check, POLL_INTERVAL_MS));
    if (hooks.onProgress) timers.push(setInterval(() => hooks.onProgress?.(Date.now() - startedAt), PROGRESS_INTERVAL_MS));
    // Settle the screen first, so a pattern already on it is seen at once.
    void job.screen.settled().then(check);
  });
}

/** Between two writes that must reach the program as separate reads, the longest pause. */
const INPUT_TAKEN_MAX_MS = 150;
/** Without /proc, the pause between them. */
const INPUT_TAKEN_FALLBACK_MS = 30;
const INPUT_TAKEN_POLL_MS = 3;

/**
 * Resolves once the program has read what was last written and waits for more (or after a
 * bounded pause), so the next write arrives as a key press of its own rather than part of a
 * pasted chunk (readline completes on a Tab only when it comes alone).
 */
export async function inputTaken(job: Job): Promise<void> {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  if (!hasProcfs) return void (await sleep(INPUT_TAKEN_FALLBACK_MS));
  const deadline = Date.now() + INPUT_TAKEN_MAX_MS;
  while (Date.now() < deadline && job.status === 'running') {
    await sleep(INPUT_TAKEN_POLL_MS);
    const woke = scheduleCount(jobProcesses(job.pid, null).map((p) => p.pid)) > job.actionScheduleCount;
    if (woke && job.queuedInputBytes === 0 && inputState(job.pid) === 'ready') return;
  }
}

/** Whether the program is blocked waiting for terminal input now (null: /proc cannot tell). */
export function waitingForInput(job: Job): boolean | null {
  if (!hasProcfs || job.status !== 'running') return null;
  const state = inputState(job.pid);
  return state === 'unknown' ? null : state === 'ready';
}
