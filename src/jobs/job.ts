// One job: a command in its own pty, whose output feeds a byte log and a headless screen.
import { randomBytes } from 'node:crypto';
import type { IPty } from 'node-pty';
import { notRunning } from '../errors.js';
import { HeadlessScreen } from '../terminal/screen.js';
import type { Screen } from '../terminal/screen-state.js';
import { ExitMarkerScanner, type ShimExit } from './exit-marker.js';
import { killTree, type KillTarget } from './kill-tree.js';
import { OutputLog } from './output-log.js';
import { hasProcfs, jobProcesses, markReaders, type ProcessInfo, type ReadersMark } from './procfs.js';
import type { PtySpawn } from './pty-binding.js';
import type { JobInfo, JobStatus } from './job-info.js';
import { signalName } from './signals.js';


export interface JobSpec {
  jobId: string;
  command: string;
  name: string | null;
  /** The client that started the job, e.g. "claude-code 1.2". */
  client: string | null;
  cwd: string;
  env: Record<string, string>;
  shell: string;
  shimPath: string | null;
  cols: number;
  rows: number;
  scrollback: number;
  maxOutputBytes: number;
  timeoutS: number | null;
  killGraceMs: number;
  /** A unique value for the job's PTYJOBS_JOB variable, which finds daemons that leave its session. */
  envTag: string;
}


/** Above this many unparsed bytes the pty is paused, so xterm never discards input. */
const PARSER_HIGH_WATERMARK_BYTES = 4 * 1024 * 1024;
const PARSER_LOW_WATERMARK_BYTES = 512 * 1024;
/** Without the shim's exit marker, output may trail the exit event: wait this long for quiet. */
const EXIT_DRAIN_QUIET_MS = 50;
const EXIT_DRAIN_MAX_MS = 1000;
/** How long kill waits for the exit to be recorded after the tree is gone. */
const EXIT_RECORD_TIMEOUT_MS = 3000;

/** Environment variable that marks every process of a job, however far it wanders. */
const JOB_TAG_VARIABLE = 'PTYJOBS_JOB';

export class Job {
  readonly log: OutputLog;
  readonly screen: HeadlessScreen;
  readonly startedAt = new Date();
  status: JobStatus = 'running';
  exitCode: number | null = null;
  signal: string | null = null;
  endedAt: Date | null = null;
  /** When the job started or input was last written (ms since epoch). */
  actionAt = Date.now();
  /**
   * The terminal's readers just before the last write, and where the output stood: what
   * input-ready compares against (null before any write, or without /proc).
   */
  inputMark: (ReadersMark & { outputEnd: number }) | null = null;
  lastOutputAt = Date.now();
  /** People attached to or watching the job's terminal (see host/viewers). */
  viewers = 0;
  cols: number;
  rows: number;

  private readonly pty: IPty;
  private readonly scanner: ExitMarkerScanner;
  private readonly nonce: string;
  private readonly listeners = new Set<() => void>();
  private readonly outputListeners = new Set<(chunk: Buffer) => void>();
  private endReason: 'killed' | 'timed_out' | null = null;
  private shimExit: ShimExit | null = null;
  private paused = false;
  private timeoutTimer: NodeJS.Timeout | null = null;
  private resolveEnded!: () => void;
  /** Resolves when the exit is recorded and all output ingested. */
  readonly ended: Promise<void> = new Promise((resolve) => (this.resolveEnded = resolve));
  private resolveClosed!: () => void;
  /** Resolves when the pty is gone and leftover processes of the job have been swept. */
  readonly closed: Promise<void> = new Promise((resolve) => (this.resolveClosed = resolve));

  constructor(readonly spec: JobSpec, spawn: PtySpawn) {
    this.cols = spec.cols;
    this.rows = spec.rows;
    this.nonce = randomBytes(8).toString('hex');
    this.scanner = new ExitMarkerScanner(this.nonce);
    this.log = new OutputLog(spec.maxOutputBytes);
    this.screen = new HeadlessScreen({
      cols: spec.cols,
      rows: spec.rows,
      scrollback: spec.scrollback,
      onReply: (reply) => this.status === 'running' && this.pty.write(reply),
      onParsed: () => this.onParsed(),
    });
    const [file, args] = spec.shimPath
      ? [spec.shimPath, [this.nonce, spec.shell, '-c', spec.command]]
      : [spec.shell, ['-c', spec.command]];
    this.pty = spawn(file, args, {
      name: 'xterm-256color',
      cols: spec.cols,
      rows: spec.rows,
      cwd: spec.cwd,
      env: { ...spec.env, [JOB_TAG_VARIABLE]: spec.envTag },
      encoding: null,
    });
    this.pty.onData((chunk) => this.onData(chunk as unknown as Buffer));
    this.pty.onExit(({ exitCode, signal }) => void this.onPtyExit(exitCode, signal ?? 0));
    if (spec.timeoutS !== null) {
      this.timeoutTimer = setTimeout(() => void this.terminate('timed_out', 'SIGTERM', spec.killGraceMs), spec.timeoutS * 1000);
      this.timeoutTimer.unref();
    }
  }

  get id(): string {
    return this.spec.jobId;
  }

  /** The job's session leader: the shim, whose child runs the command. */
  get pid(): number {
    return this.pty.pid;
  }

  get killTarget(): KillTarget {
    return { leaderPid: this.pty.pid, envTag: `${JOB_TAG_VARIABLE}=${this.spec.envTag}` };
  }

  /** The job's live processes, including any that left its session (see procfs.jobProcesses). */
  processes(): ProcessInfo[] {
    return hasProcfs ? jobProcesses(this.pty.pid, this.killTarget.envTag) : [];
  }

  info(): JobInfo {
    return {
      job_id: this.id,
      name: this.spec.name,
      command: this.spec.command,
      cwd: this.spec.cwd,
      pid: this.pid,
      status: this.status,
      exit_code: this.exitCode,
      signal: this.signal,
      started_at: this.startedAt.toISOString(),
      ended_at: this.endedAt?.toISOString() ?? null,
      cols: this.cols,
      rows: this.rows,
      viewers: this.viewers,
      client: this.spec.client,
    };
  }

  /** Calls `listener` with each chunk of output as it arrives, before the screen has it. */
  onOutput(listener: (chunk: Buffer) => void): () => void {
    this.outputListeners.add(listener);
    return () => this.outputListeners.delete(listener);
  }

  /** Calls `listener` after new output is on the screen and when the job ends. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Marks a write: input-ready then waits to see the program take it. */
  markWrite(): void {
    this.actionAt = Date.now();
    this.inputMark = hasProcfs ? { ...markReaders(this.pid), outputEnd: this.log.end } : null;
  }

  /** Types raw data into the job's terminal (a string goes as UTF-8, a Buffer as its bytes). */
  write(data: string | Buffer): void {
    if (this.status !== 'running') throw notRunning(this.id, this.status);
    this.pty.write(data);
  }

  /** Input bytes accepted but not yet taken by the pty (the child is not reading). */
  get queuedInputBytes(): number {
    // node-pty keeps unwritten input in a private queue, @lydell/node-pty in its socket's buffer.
    const pty = this.pty as unknown as { _writeStream?: { _writeQueue?: { buffer: Buffer; offset: number }[] }; _socket?: { writableLength?: number } };
    const queue = pty._writeStream?._writeQueue;
    return queue?.reduce((sum, task) => sum + task.buffer.length - task.offset, 0) ?? pty._socket?.writableLength ?? 0;
  }

  resize(cols: number, rows: number): void {
    if (this.status !== 'running') throw notRunning(this.id, this.status);
    this.pty.resize(cols, rows);
    this.screen.resize(cols, rows);
    this.cols = cols;
    this.rows = rows;
  }

  /** The screen once everything received so far has been parsed. */
  async snapshot(): Promise<Screen> {
    await this.screen.settled();
    return this.screen.snapshot();
  }

  /**
   * Ends the job's process tree (the signal, then SIGKILL after the grace period) and waits
   * until the exit is recorded. Returns pids that survived, or null if the job had ended.
   */
  async terminate(reason: 'killed' | 'timed_out', signal: NodeJS.Signals, graceMs: number): Promise<number[] | null> {
    if (this.status !== 'running') return null;
    this.endReason ??= reason;
    const survivors = await killTree(this.killTarget, signal, graceMs);
    await Promise.race([this.ended, new Promise((resolve) => setTimeout(resolve, EXIT_RECORD_TIMEOUT_MS).unref())]);
    return survivors;
  }

  private onData(chunk: Buffer): void {
    const { data, exit } = this.scanner.feed(chunk);
    if (data.length > 0) this.ingest(data);
    if (exit) {
      this.shimExit = exit;
      this.pty.write(this.nonce); // the acknowledgement the shim waits for before exiting
      void this.screen.settled().then(() => this.recordExit(exit));
    }
  }

  private ingest(data: Buffer): void {
    this.log.append(data);
    this.lastOutputAt = Date.now();
    this.screen.write(data);
    for (const listener of this.outputListeners) listener(data);
    if (!this.paused && this.screen.backlog > PARSER_HIGH_WATERMARK_BYTES) {
      this.paused = true;
      this.pty.pause();
    }
  }

  private onParsed(): void {
    if (this.paused && this.screen.backlog < PARSER_LOW_WATERMARK_BYTES) {
      this.paused = false;
      this.pty.resume();
    }
    this.notify();
  }

  private async onPtyExit(exitCode: number, signal: number): Promise<void> {
    if (!this.shimExit) {
      // No marker (no shim, or the shim was SIGKILLed): let trailing output arrive.
      const deadline = Date.now() + EXIT_DRAIN_MAX_MS;
      while (Date.now() < deadline && Date.now() - this.lastOutputAt < EXIT_DRAIN_QUIET_MS) {
        await new Promise((resolve) => setTimeout(resolve, EXIT_DRAIN_QUIET_MS));
      }
      const rest = this.scanner.flush();
      if (rest.length > 0) this.ingest(rest);
      await this.screen.settled();
      this.recordExit({ code: signal ? null : exitCode, signal });
    }
    await this.ended;
    // Whatever the job left behind (background children, daemons) ends with it.
    if (hasProcfs) await killTree(this.killTarget, 'SIGTERM', this.spec.killGraceMs);
    this.resolveClosed();
  }

  private recordExit(exit: ShimExit): void {
    if (this.status !== 'running') return;
    if (this.timeoutTimer) clearTimeout(this.timeoutTimer);
    this.exitCode = exit.code;
    this.signal = exit.signal ? signalName(exit.signal) : null;
    this.endedAt = new Date();
    this.status = this.endReason ?? (exit.signal === 0 && exit.code === 0 ? 'completed' : 'failed');
    this.resolveEnded();
    this.notify();
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }

  /** Releases the screen; call after the job has closed. */
  dispose(): void {
    this.listeners.clear();
    this.outputListeners.clear();
    this.screen.dispose();
  }
}
