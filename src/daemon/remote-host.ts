// The host API of an MCP server started with --shared: every call goes to the user's daemon,
// started on demand. It never caches a dead connection: after the daemon went away the next
// call starts a new one and its result says the earlier jobs ended. No call outlives its bound.
import { randomBytes } from 'node:crypto';
import type { Config } from '../config.js';
import { JobError, type JobErrorCode } from '../errors.js';
import type { ExecuteArgs, HostApi, InteractArgs, WaitArgs, WaitHooks } from '../host/api.js';
import { DEFAULT_WAIT_TIMEOUT_MS } from '../host/job-host.js';
import type { KillResult, ListResult, OutputResult, ResizeResult, RunResult, StatusResult, TailResult } from '../host/schema.js';
import type { ClientIdentity, Session } from '../host/session.js';
import { refuseDisallowed } from '../jobs/policy.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';
import { HostError, type HostConnection } from '../socket/client.js';
import { connectDaemon } from './start.js';
import { DAEMON_SETTINGS, type DaemonStatus } from './serve.js';

/** Beyond a call's own wait, how long the daemon gets to answer before the call gives up. */
const ANSWER_MARGIN_MS = 15_000;
/** interact without a wait settles for at most this long on the daemon. */
const SETTLE_BOUND_MS = 1500;
const PROGRESS_INTERVAL_MS = 1000;

export interface FrontOptions {
  config: Config;
  version: string;
  dir: string;
  /** The MCP client's name (known once it initialized). */
  client: () => ClientIdentity;
  /** `node <entry> daemon serve …`, and the environment it starts with (this front's). */
  spawnArgs: string[];
  warn: (message: string) => void;
}

const RESTARTED = 'The shared daemon had gone away; a new one was started and the jobs of the old one ended with it.';

export class RemoteHost implements HostApi {
  private connection: HostConnection | null = null;
  private daemonPid: number | null = null;
  private checkedSettings = false;
  /** Kept across reconnects, so the daemon keeps this front's cursors. */
  private readonly sessionId = randomBytes(8).toString('hex');

  constructor(private readonly options: FrontOptions) {}

  execute(_session: Session, args: ExecuteArgs, hooks: WaitHooks = {}): Promise<RunResult> {
    const { config } = this.options;
    // This front's own policy first; the daemon applies its own too.
    const refusal = refuseDisallowed(args.command, config.allowedCommands, config.sources.allowedCommands ?? 'PTYJOBS_ALLOWED_COMMANDS');
    if (refusal) return Promise.reject(refusal);
    const params = { ...args, cols: args.cols ?? config.cols, rows: args.rows ?? config.rows, timeout_s: args.timeout_s ?? config.jobTimeoutS ?? undefined };
    return this.call('execute', params, hooks, args.wait ? this.waitBound(args.wait) : 0);
  }

  list(): Promise<ListResult> {
    return this.call('list', {});
  }

  status(_session: Session, args: { job_id: string; lines?: number }): Promise<StatusResult> {
    return this.call('status', args);
  }

  tail(_session: Session, args: { job_id: string; lines?: number; max_bytes?: number }): Promise<TailResult> {
    return this.call('tail', args);
  }

  output(_session: Session, args: { job_id: string; since?: number; max_bytes?: number }): Promise<OutputResult> {
    return this.call('output', args);
  }

  interact(_session: Session, args: InteractArgs, hooks: WaitHooks = {}): Promise<RunResult> {
    return this.call('interact', args, hooks, args.wait ? this.waitBound(args.wait) : SETTLE_BOUND_MS);
  }

  wait(_session: Session, args: WaitArgs & { job_id: string }, hooks: WaitHooks = {}): Promise<RunResult> {
    return this.call('wait', args, hooks, this.waitBound(args));
  }

  kill(_session: Session, args: { job_id: string; signal?: string; grace_ms?: number }): Promise<KillResult> {
    return this.call('kill', args, {}, (args.grace_ms ?? this.options.config.killGraceMs) + 2000);
  }

  resize(_session: Session, args: { job_id: string; cols: number; rows: number }): Promise<ResizeResult> {
    return this.call('resize', args, {}, 1000);
  }

  /** The longest a wait may take here: its timeout, within this front's cap. */
  private waitBound(wait: WaitArgs | Record<string, unknown>): number {
    const requested = typeof wait.timeout_ms === 'number' ? wait.timeout_ms : DEFAULT_WAIT_TIMEOUT_MS;
    return Math.min(requested, this.options.config.maxWaitMs);
  }

  /** Forwards one call; the result carries a notice when the daemon had to be started again. */
  private async call<T extends object>(method: string, params: object, hooks: WaitHooks = {}, waitMs = 0): Promise<T> {
    const { connection, notice } = await this.connect();
    const started = Date.now();
    const progress = hooks.onProgress ? setInterval(() => hooks.onProgress?.(Date.now() - started, waitMs), PROGRESS_INTERVAL_MS) : null;
    const controller = new AbortController();
    hooks.signal?.addEventListener('abort', () => controller.abort(), { once: true });
    let timer: NodeJS.Timeout | undefined;
    const giveUp = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new JobError(`The shared daemon did not answer ${method} within ${Math.round((waitMs + ANSWER_MARGIN_MS) / 1000)} s. Check it with ptyjobs daemon status.`));
      }, waitMs + ANSWER_MARGIN_MS);
    });
    try {
      const result = await Promise.race([connection.request<T>(method, params as Record<string, unknown>, controller.signal), giveUp]);
      return notice ? { ...result, notice } : result;
    } catch (error) {
      if (!(error instanceof HostError)) throw error;
      if (error.code === 'host_gone') throw new JobError('The shared daemon went away during this call, and its jobs with it. Call again: a new daemon starts.');
      throw new JobError(notice ? `${notice} ${error.message}` : error.message, error.code as JobErrorCode);
    } finally {
      clearTimeout(timer);
      if (progress) clearInterval(progress);
    }
  }

  private async connect(): Promise<{ connection: HostConnection; notice: string | null }> {
    if (this.connection && !this.connection.isClosed) return { connection: this.connection, notice: null };
    const { config, version, dir, spawnArgs } = this.options;
    const client = this.options.client();
    let connection: HostConnection;
    try {
      ({ connection } = await connectDaemon({
        dir,
        version,
        client,
        hello: { role: 'front', cwd: config.workingDir, env: { ...config.baseEnv }, session_id: this.sessionId },
        spawnArgs,
        spawnEnv: process.env,
      }));
    } catch (error) {
      throw frontError(error, version);
    }
    const notice = this.daemonPid !== null && connection.info.pid !== this.daemonPid ? RESTARTED : null;
    this.connection = connection;
    this.daemonPid = connection.info.pid;
    if (!this.checkedSettings) {
      this.checkedSettings = true;
      void connection.request<DaemonStatus>('status').then((status) => this.compareSettings(status), () => undefined);
    }
    return { connection, notice };
  }

  /** Host settings are the daemon's: a front started with other values says so, once. */
  private compareSettings(status: DaemonStatus): void {
    const { config } = this.options;
    const differing = DAEMON_SETTINGS.filter((key) => {
      const name = config.sources[key];
      return name in status.settings && JSON.stringify(status.settings[name]) !== JSON.stringify(config[key]);
    }).map((key) => `${config.sources[key]}=${JSON.stringify(status.settings[config.sources[key]])} (yours: ${JSON.stringify(config[key])})`);
    if (differing.length) this.options.warn(`ptyjobs: the shared daemon runs with ${differing.join(', ')}; host settings are the daemon's. To use yours: ptyjobs daemon stop (ends its jobs), then call again.`);
  }
}

function frontError(error: unknown, version: string): JobError {
  const details = (error as { details?: { protocol?: number; version?: string; jobs?: number } }).details;
  if (error instanceof HostError && error.code === 'protocol_mismatch' && details) {
    return new JobError(
      `This ptyjobs ${version} (protocol ${PROTOCOL_VERSION}) cannot use the running shared daemon, ptyjobs ${details.version} (protocol ${details.protocol}). ` +
        `Restarting the daemon ends its ${details.jobs ?? 0} running jobs: run ptyjobs daemon stop, then call again.`,
    );
  }
  return new JobError(`The shared daemon is not reachable: ${(error as Error).message}`);
}
