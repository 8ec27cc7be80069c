// The registry of jobs: starts them within the limits, finds them by id, forgets finished
// ones after the retention period, and ends them all at shutdown. Knows nothing of clients,
// results or MCP.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { JobError, unknownJob } from '../errors.js';
import { log as logToStderr } from '../util/log.js';
import { Job } from './job.js';
import { refuseDisallowed } from './policy.js';
import { ptyBinding } from './pty-binding.js';
import { findShim } from './shim.js';

/** What the manager needs of the settings (read at the edge, see config.ts). */
export interface JobsSettings {
  readonly maxJobs: number;
  readonly maxOutputBytes: number;
  readonly jobTimeoutS: number | null;
  readonly retentionS: number;
  readonly workingDir: string;
  readonly allowedCommands: readonly RegExp[];
  readonly shell: string;
  readonly cols: number;
  readonly rows: number;
  readonly scrollback: number;
  readonly killGraceMs: number;
  /** The environment jobs start from (the server's own). */
  readonly baseEnv: Readonly<Record<string, string>>;
  /** Where each setting came from (a flag, a variable, an alias), for messages. */
  readonly sources: Readonly<Record<string, string>>;
}

export interface StartRequest {
  command: string;
  cwd?: string;
  env?: Record<string, string>;
  name?: string;
  cols?: number;
  rows?: number;
  timeoutS?: number;
  /** Which client started the job (shown in list). */
  client?: string;
  /** The caller's own environment and working dir, in place of the server's (a daemon's fronts). */
  baseEnv?: Readonly<Record<string, string>>;
  baseCwd?: string;
}

/** Descriptors short of the limit at which a failed spawn is put down to the limit. */
const DESCRIPTOR_HEADROOM = 16;

/** Open descriptors of this process and its soft limit (null where /proc does not say). */
function descriptorUse(): { open: number; limit: number } | null {
  try {
    const limit = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return limit ? { open: readdirSync('/proc/self/fd').length, limit: Number(limit[1]) } : null;
  } catch {
    return null;
  }
}

/** Linux's MAX_ARG_STRLEN: the longest single argument exec takes (the command goes to `sh -c` as one). */
const MAX_COMMAND_BYTES = 128 * 1024 - 1;

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export class JobManager {
  private readonly jobs = new Map<string, Job>();
  private nextId = 1;
  private readonly serverTag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  private readonly shimPath: string | null;
  private readonly sweepTimer: NodeJS.Timeout;
  private readonly evictListeners = new Set<(jobId: string) => void>();
  private closing = false;

  constructor(
    readonly settings: JobsSettings,
    private readonly log: (message: string) => void = logToStderr,
  ) {
    this.shimPath = findShim();
    if (!this.shimPath) log('ptyjobs: the shim is not built (native/build/ptyjobs-shim); fast exits may lose output and a SIGKILLed server may leave jobs behind. See binding-notes.md.');
    this.sweepTimer = setInterval(() => this.evictExpired(), Math.max(1000, Math.min(60_000, settings.retentionS * 250)));
    this.sweepTimer.unref();
  }

  start(request: StartRequest): Job {
    const settings = this.settings;
    if (this.closing) throw new JobError('The server is shutting down; no new jobs can start.', 'shutting_down');
    const command = request.command;
    if (command.trim() === '') throw new JobError('The command is empty. Pass the shell command to run, e.g. "npm run dev".');
    if (Buffer.byteLength(command) > MAX_COMMAND_BYTES) {
      throw new JobError(`The command is ${Buffer.byteLength(command)} bytes; the kernel passes at most ${MAX_COMMAND_BYTES} in one argument. Write it to a script file and run that.`);
    }
    const refusal = refuseDisallowed(command, settings.allowedCommands, settings.sources.allowedCommands ?? 'PTYJOBS_ALLOWED_COMMANDS');
    if (refusal) throw refusal;
    const running = this.runningCount();
    if (running >= settings.maxJobs) {
      const jobs = running === 1 ? '1 job is' : `${running} jobs are`;
      throw new JobError(`Limit reached: ${jobs} running (${settings.sources.maxJobs ?? 'PTYJOBS_MAX_JOBS'}=${settings.maxJobs}). Kill a job you no longer need, or wait for one to finish.`, 'limit');
    }
    const cwd = resolvePath(request.baseCwd ?? settings.workingDir, request.cwd ?? '.');
    if (!isDirectory(cwd)) throw new JobError(`The working directory "${cwd}" does not exist or is not a directory. Pass an existing cwd.`);
    const binding = ptyBinding(this.log);

    const jobId = `j${this.nextId++}`;
    const job = this.spawnJob(
      {
        jobId,
        command,
        name: request.name ?? null,
        client: request.client ?? null,
        cwd,
        env: { ...(request.baseEnv ?? settings.baseEnv), TERM: 'xterm-256color', ...request.env },
        shell: settings.shell,
        shimPath: this.shimPath,
        cols: request.cols ?? settings.cols,
        rows: request.rows ?? settings.rows,
        scrollback: settings.scrollback,
        maxOutputBytes: settings.maxOutputBytes,
        timeoutS: request.timeoutS ?? settings.jobTimeoutS,
        killGraceMs: settings.killGraceMs,
        envTag: `${this.serverTag}-${jobId}`,
      },
      binding.spawn,
    );
    this.jobs.set(jobId, job);
    return job;
  }

  /** Starts the job's pty, saying what to do when the process is out of file descriptors. */
  private spawnJob(spec: ConstructorParameters<typeof Job>[0], spawn: ConstructorParameters<typeof Job>[1]): Job {
    try {
      return new Job(spec, spawn);
    } catch (error) {
      const descriptors = descriptorUse();
      if (descriptors && descriptors.open >= descriptors.limit - DESCRIPTOR_HEADROOM) {
        throw new JobError(
          `Cannot start the job: this server is out of file descriptors (${descriptors.open} of its limit of ${descriptors.limit} are open; each running job holds one or two). ` +
            `Kill jobs you no longer need, or raise the limit the server starts with (ulimit -n, or LimitNOFILE for a service).`,
          'limit',
        );
      }
      throw new JobError(`Cannot start the job: ${(error as Error).message}`);
    }
  }

  get(jobId: string): Job {
    const job = this.jobs.get(jobId);
    if (!job) throw unknownJob(jobId);
    return job;
  }

  /** All jobs, newest first. */
  list(): Job[] {
    return [...this.jobs.values()].reverse();
  }

  runningCount(): number {
    let running = 0;
    for (const job of this.jobs.values()) if (job.status === 'running') running++;
    return running;
  }

  /** Calls `listener` with the id of each job the retention period ends. */
  onEvict(listener: (jobId: string) => void): () => void {
    this.evictListeners.add(listener);
    return () => this.evictListeners.delete(listener);
  }

  async kill(jobId: string, signal: NodeJS.Signals, graceMs: number | undefined): Promise<{ result: 'killed' | 'already_terminated'; survivors: number[] }> {
    const job = this.get(jobId);
    const survivors = await job.terminate('killed', signal, graceMs ?? this.settings.killGraceMs);
    return survivors === null ? { result: 'already_terminated', survivors: [] } : { result: 'killed', survivors };
  }

  /** Ends every job's tree and releases everything; safe to call more than once. */
  async closeAll(): Promise<void> {
    this.closing = true;
    clearInterval(this.sweepTimer);
    const jobs = [...this.jobs.values()];
    const graceMs = this.settings.killGraceMs;
    await Promise.all(jobs.map((job) => job.terminate('killed', 'SIGTERM', graceMs)));
    await Promise.all(jobs.map((job) => Promise.race([job.closed, new Promise((resolve) => setTimeout(resolve, graceMs + 1000).unref())])));
    for (const job of jobs) job.dispose();
    this.jobs.clear();
  }

  private evictExpired(): void {
    const cutoff = Date.now() - this.settings.retentionS * 1000;
    for (const [id, job] of this.jobs) {
      if (job.endedAt && job.endedAt.getTime() <= cutoff) {
        this.jobs.delete(id);
        for (const listener of this.evictListeners) listener(id);
        void job.closed.then(() => job.dispose());
      }
    }
  }
}
