// The registry of jobs: starts them within the limits, finds them by id, forgets finished
// ones after the retention period, and ends them all at shutdown. Knows nothing of MCP; its
// inputs and outputs are plain data.
import { randomBytes } from 'node:crypto';
import { resolve as resolvePath } from 'node:path';
import { isDirectory, type Config } from '../config.js';
import { JobError, notRunning, unknownJob } from '../errors.js';
import type { Screen } from '../terminal/screen.js';
import { encodeInput, encodeKeys } from '../terminal/keys.js';
import { alignUtf8Start, completeUtf8Length, renderText, textLines } from '../terminal/text.js';
import { Job, type JobInfo } from './job.js';
import { findDisallowed } from './policy.js';
import { hasProcfs, listeningPorts } from './procfs.js';
import { findShim } from './shim.js';
import { waitFor, type WaitConditions, type WaitHooks, type WaitOutcome } from './wait.js';

export interface StartRequest {
  command: string;
  cwd?: string;
  env?: Record<string, string>;
  name?: string;
  cols?: number;
  rows?: number;
  timeoutS?: number;
}

export interface OutputRead {
  text: string;
  next: number;
  dropped_bytes: number;
}

/** Output that came after an action, as text, with the offsets it covers. */
export interface OutputSince {
  text: string;
  /** Offset of the first byte the text covers. */
  from: number;
  /** New bytes before `from` left out (over the result cap, or gone from the ring). */
  skipped_bytes: number;
}

/** Interact without a wait settles until the program is back at its prompt or output is quiet. */
const SETTLE: WaitConditions = { input: true, idleMs: 150, idleWaitsForPendingKeys: true, timeoutMs: 1500 };
/** Tail reads look back at most this far in the log (a line longer than this is cut). */
const TAIL_MAX_BYTES = 512 * 1024;
/** interact/wait return at most this much new output in one result; the rest stays readable. */
const RESULT_OUTPUT_MAX_BYTES = 256 * 1024;

export class JobManager {
  private readonly jobs = new Map<string, Job>();
  private nextId = 1;
  private readonly serverTag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  private readonly shimPath: string | null;
  private readonly sweepTimer: NodeJS.Timeout;
  private closing = false;

  constructor(private readonly config: Config) {
    this.shimPath = findShim();
    if (!this.shimPath) console.error('ptyjobs: the shim is not built (native/build/ptyjobs-shim); fast exits may lose output. See binding-notes.md.');
    this.sweepTimer = setInterval(() => this.evictExpired(), Math.max(1000, Math.min(60_000, config.retentionS * 250)));
    this.sweepTimer.unref();
  }

  start(request: StartRequest): Job {
    if (this.closing) throw new JobError('The server is shutting down; no new jobs can start.');
    const command = request.command;
    if (command.trim() === '') throw new JobError('The command is empty. Pass the shell command to run, e.g. "npm run dev".');
    const disallowed = findDisallowed(command, this.config.allowedCommands);
    if (disallowed !== null) {
      throw new JobError(
        `Command not allowed: "${disallowed}" matches none of the allowed patterns (${this.config.allowedCommands.map(String).join(', ')}). ` +
          'Every part of a command (split on ; && || | & and $(...)) must match one. Ask the user to widen PTYJOBS_ALLOWED_COMMANDS, or run an allowed command.',
      );
    }
    const running = [...this.jobs.values()].filter((job) => job.status === 'running').length;
    if (running >= this.config.maxJobs) {
      throw new JobError(`Limit reached: ${running} jobs are running (PTYJOBS_MAX_JOBS=${this.config.maxJobs}). Kill a job you no longer need, or wait for one to finish.`);
    }
    const cwd = resolvePath(this.config.workingDir, request.cwd ?? '.');
    if (!isDirectory(cwd)) throw new JobError(`The working directory "${cwd}" does not exist or is not a directory. Pass an existing cwd.`);

    const jobId = `j${this.nextId++}`;
    const job = new Job({
      jobId,
      command,
      name: request.name ?? null,
      cwd,
      env: { ...this.config.baseEnv, TERM: 'xterm-256color', ...request.env },
      shell: this.config.shell,
      shimPath: this.shimPath,
      cols: request.cols ?? this.config.cols,
      rows: request.rows ?? this.config.rows,
      scrollback: this.config.scrollback,
      maxOutputBytes: this.config.maxOutputBytes,
      timeoutS: request.timeoutS ?? this.config.jobTimeoutS,
      killGraceMs: this.config.killGraceMs,
      envTag: `${this.serverTag}-${jobId}`,
    });
    job.markAction();
    this.jobs.set(jobId, job);
    return job;
  }

  get(jobId: string): Job {
    const job = this.jobs.get(jobId);
    if (!job) throw unknownJob(jobId);
    return job;
  }

  /** All jobs, newest first. */
  list(): JobInfo[] {
    return [...this.jobs.values()].reverse().map((job) => job.info());
  }

  /** The last `count` lines of readable output. */
  tail(jobId: string, count: number): string[] {
    const job = this.get(jobId);
    const from = job.log.tailOffset(count, TAIL_MAX_BYTES);
    const lines = textLines(renderText(alignUtf8Start(job.log.read(from).bytes)));
    return lines.slice(-count);
  }

  /** Readable output from byte offset `since`, at most `maxBytes` raw bytes of it. */
  read(jobId: string, since: number, maxBytes: number): OutputRead {
    const job = this.get(jobId);
    const slice = job.log.read(since, maxBytes);
    let bytes = slice.bytes;
    // Do not end inside a character or a CRLF; the cut bytes come with the next read.
    if (slice.end < job.log.end) {
      bytes = bytes.subarray(0, completeUtf8Length(bytes));
      if (bytes.length > 1 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
    }
    const text = renderText(slice.dropped > 0 ? alignUtf8Start(bytes) : bytes);
    return { text, next: slice.start + bytes.length, dropped_bytes: slice.dropped };
  }

  /** New output since the last interact/wait reported, up to now; marks it reported. */
  takeNewOutput(job: Job): OutputSince {
    const wanted = job.reportedOffset;
    const slice = job.log.read(Math.max(wanted, job.log.end - RESULT_OUTPUT_MAX_BYTES));
    job.reportedOffset = slice.end;
    const bytes = slice.start > wanted ? alignUtf8Start(slice.bytes) : slice.bytes;
    return { text: renderText(bytes), from: slice.start, skipped_bytes: slice.start - wanted };
  }

  /** Writes text and named keys, then waits (or settles briefly). */
  async interact(jobId: string, input: string | undefined, keys: readonly string[] | undefined, wait: WaitConditions | undefined, hooks: WaitHooks): Promise<WaitOutcome | null> {
    const job = this.get(jobId);
    if (job.status !== 'running') throw notRunning(job.id, job.status);
    const modes = job.screen.modes;
    const data = (input ? encodeInput(input, modes.bracketedPaste) : '') + (keys?.length ? encodeKeys(keys, modes) : '');
    job.markAction();
    if (data) job.write(data);
    const outcome = await waitFor(job, wait ?? SETTLE, hooks);
    return wait ? outcome : null;
  }

  wait(jobId: string, conditions: WaitConditions, hooks: WaitHooks): Promise<WaitOutcome> {
    return waitFor(this.get(jobId), conditions, hooks);
  }

  async screen(jobId: string): Promise<Screen> {
    return this.get(jobId).snapshot();
  }

  /** TCP ports the job's processes listen on (empty where /proc is missing). */
  ports(jobId: string): number[] {
    const job = this.get(jobId);
    if (!hasProcfs || job.status !== 'running') return [];
    return listeningPorts(job.processes().map((p) => p.pid));
  }

  async kill(jobId: string, signal: NodeJS.Signals, graceMs: number | undefined): Promise<{ result: 'killed' | 'already_terminated'; survivors: number[] }> {
    const job = this.get(jobId);
    const survivors = await job.terminate('killed', signal, graceMs ?? this.config.killGraceMs);
    return survivors === null ? { result: 'already_terminated', survivors: [] } : { result: 'killed', survivors };
  }

  resize(jobId: string, cols: number, rows: number): Job {
    const job = this.get(jobId);
    job.resize(cols, rows);
    return job;
  }

  /** Ends every job's tree and releases everything; safe to call more than once. */
  async closeAll(): Promise<void> {
    this.closing = true;
    clearInterval(this.sweepTimer);
    const jobs = [...this.jobs.values()];
    await Promise.all(jobs.map((job) => job.terminate('killed', 'SIGTERM', this.config.killGraceMs)));
    await Promise.all(jobs.map((job) => Promise.race([job.closed, new Promise((resolve) => setTimeout(resolve, this.config.killGraceMs + 1000).unref())])));
    for (const job of jobs) job.dispose();
    this.jobs.clear();
  }

  private evictExpired(): void {
    const cutoff = Date.now() - this.config.retentionS * 1000;
    for (const [id, job] of this.jobs) {
      if (job.endedAt && job.endedAt.getTime() <= cutoff) {
        this.jobs.delete(id);
        void job.closed.then(() => job.dispose());
      }
    }
  }
}
