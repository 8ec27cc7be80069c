// Waits on a job until the first of several conditions holds: a pattern in text the client has
// not been shown yet, quiet output, the job waiting for terminal input, a port being listened
// on, or the job's end.
import { renderText } from '../terminal/text.js';
import { scanEcho } from './echo.js';
import type { Job } from './job.js';
import type { Pattern } from './pattern.js';
import { hasProcfs, listeningPorts, processScheduleCount, readForeground, writtenBytes, type Foreground, type InputState, type ReadersMark } from './procfs.js';

export interface WaitConditions {
  pattern?: Pattern;
  idleMs?: number;
  /**
   * Idle does not count while keys are pending: typed but not yet taken by the program, or the
   * program mid key sequence (see procfs 'pending').
   */
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
 * Output reaches us through a kernel worker, which a loaded machine runs late: a prompt printed
 * just before the program blocked may still be on its way. Where we cannot count that all the
 * readers' output arrived (see InputReadiness.outputArrived), readiness waits for this much quiet.
 */
const OUTPUT_IN_FLIGHT_QUIET_MS = 100;
/**
 * Typed bytes reach the line discipline through a kernel worker too, and a reader waiting on
 * the terminal wakes only then. A reader that does not wake for them (cooked mode and no
 * newline yet), or that was busy when they were typed, counts as having taken them once it
 * has stayed blocked, not scheduled once, this long since they were in the kernel. Delivery
 * took at most 41 ms (p99 29 ms) with two busy loops per core.
 */
const READER_STILL_MS = 400;
/** Pattern matches may span chunks by up to this many bytes. */
const PATTERN_OVERLAP_BYTES = 4096;
/** Where ready-for-input cannot be seen (no /proc), this much quiet output stands in for it. */
const INPUT_FALLBACK_IDLE_MS = 300;

type InputMark = NonNullable<Job['inputMark']>;

/** Writes seen taken, so that later waits and waitingForInput know it at once. */
const takenMarks = new WeakSet<InputMark>();

/** Whether a reader that waited on the terminal when the input was written has run since (or ended). */
function readersWoke(mark: ReadersMark): boolean {
  return [...mark.counts].some(([pid, count]) => (processScheduleCount(pid) ?? Infinity) > count);
}

function sameCounts(a: ReadonlyMap<number, number | null>, b: ReadonlyMap<number, number | null>): boolean {
  return a.size === b.size && [...a].every(([pid, count]) => b.get(pid) === count);
}

/**
 * Tracks whether the job is blocked reading its terminal, having taken the input last written.
 * Typed bytes count as taken once they are in the kernel (not in node-pty's queue) and a reader
 * that waited on the terminal when they were written has run since, or else once the readers
 * have stayed blocked and unscheduled for READER_STILL_MS. Readiness must then hold, with no
 * output arriving, for INPUT_QUIET_MS: longer while the readers' output may be in flight.
 */
class InputReadiness {
  private readySince: number | null = null;
  /** The write followed (the job's mark when last looked at). */
  private mark: InputMark | null = null;
  /** The readers seen blocked with these schedule counts since `since`, after the bytes were in the kernel. */
  private still: { counts: Map<number, number | null>; since: number } | null = null;
  /** When the program was first seen to have taken the input last written, or null. */
  takenAt: number | null = null;
  /** The last state seen. */
  state: InputState = 'unknown';

  constructor(private readonly job: Job) {}

  check(): boolean {
    const job = this.job;
    const now = Date.now();
    if (!hasProcfs) {
      if (job.queuedInputBytes === 0) this.takenAt ??= now;
      return now - job.lastOutputAt >= INPUT_FALLBACK_IDLE_MS && now - job.actionAt >= INPUT_FALLBACK_IDLE_MS;
    }
    const foreground = readForeground(job.pid);
    this.state = foreground.state;
    if (this.observeTaken(foreground, now)) {
      this.takenAt ??= now;
      if (this.mark !== null) takenMarks.add(this.mark);
    }
    if (this.state === 'unknown') return this.takenAt !== null && now - job.lastOutputAt >= INPUT_FALLBACK_IDLE_MS;
    if (this.state !== 'ready' || this.takenAt === null) {
      this.readySince = null;
      return false;
    }
    if (this.readySince === null || job.lastOutputAt >= this.readySince) {
      this.readySince = now;
      return false;
    }
    return now - this.readySince >= (this.outputArrived() ? INPUT_QUIET_MS : OUTPUT_IN_FLIGHT_QUIET_MS);
  }

  private observeTaken(foreground: Foreground, now: number): boolean {
    const job = this.job;
    if (job.inputMark !== this.mark) {
      this.mark = job.inputMark;
      this.still = null;
      this.takenAt = null;
    }
    if (this.takenAt !== null || (this.mark !== null && takenMarks.has(this.mark))) return true;
    if (job.queuedInputBytes > 0) return false;
    const mark = this.mark;
    // Without a mark nothing was typed; where /proc does not show the readers, bytes in the kernel are the most we know.
    if (mark === null || foreground.state === 'unknown') return true;
    if (mark.waiting && readersWoke(mark)) return true;
    if (foreground.state !== 'ready') {
      this.still = null;
      return false;
    }
    const counts = new Map(foreground.readers.map((pid) => [pid, processScheduleCount(pid)]));
    if (this.still === null || !sameCounts(this.still.counts, counts)) this.still = { counts, since: now };
    return now - this.still.since >= READER_STILL_MS;
  }

  /**
   * Whether all the readers wrote since the input was written has reached us: their bytes
   * written (wchar) against the output received. Writes to files count too, which only makes
   * readiness wait for OUTPUT_IN_FLIGHT_QUIET_MS.
   */
  private outputArrived(): boolean {
    const mark = this.mark;
    if (mark === null || !mark.waiting || mark.written === null) return false;
    const written = writtenBytes([...mark.counts.keys()]);
    return written !== null && written - mark.written <= this.job.log.end - mark.outputEnd;
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
    const ready = (conditions.input || conditions.idleWaitsForPendingKeys) && readiness.check();
    if (conditions.input && ready) return { reason: 'input' };
    let idleFrom = Math.max(job.lastOutputAt, startedAt, job.actionAt);
    if (conditions.idleWaitsForPendingKeys) idleFrom = readiness.state === 'pending' || readiness.takenAt === null ? Infinity : Math.max(idleFrom, readiness.takenAt);
    if (conditions.idleMs !== undefined && Date.now() - idleFrom >= conditions.idleMs) return { reason: 'idle' };
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
 * pasted chunk (readline completes on a Tab only when it comes alone). Marks the next write.
 */
export async function inputTaken(job: Job): Promise<void> {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  if (!hasProcfs) return void (await sleep(INPUT_TAKEN_FALLBACK_MS));
  const deadline = Date.now() + INPUT_TAKEN_MAX_MS;
  while (Date.now() < deadline && job.status === 'running') {
    await sleep(INPUT_TAKEN_POLL_MS);
    const mark = job.inputMark;
    // Readers busy when it was written give no sign: blocked on the terminal again is the best one.
    const woke = mark === null || !mark.waiting || readersWoke(mark);
    if (woke && job.queuedInputBytes === 0 && readForeground(job.pid).state === 'ready') break;
  }
  if (job.status === 'running') job.markWrite();
}

/**
 * Whether the program is now blocked waiting for terminal input, having taken all input
 * written; null when /proc cannot tell. For a host to say, after a settle that ended on quiet
 * output, that the program is still at work.
 */
export function waitingForInput(job: Job): boolean | null {
  if (job.status !== 'running') return false;
  if (!hasProcfs) return null;
  const { state } = readForeground(job.pid);
  if (state === 'unknown') return null;
  if (state !== 'ready' || job.queuedInputBytes > 0) return false;
  const mark = job.inputMark;
  return mark === null || takenMarks.has(mark) || (mark.waiting && readersWoke(mark)) || Date.now() - job.actionAt >= READER_STILL_MS;
}
