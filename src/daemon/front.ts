// The host API of an MCP server started with --shared: every call goes to the user's shared
// daemon, started on demand, through RemoteHost. A daemon that went away is noticed before the
// next call (its connection closed, or its pid is gone) and a new one is started; that call's
// result says the earlier jobs ended. The front's own policy and defaults go with its calls.
import { randomBytes } from 'node:crypto';
import { HOST_SETTINGS, settingName, type Config } from '../config.js';
import { JobError } from '../errors.js';
import type { ExecuteArgs, WaitHooks } from '../host/api.js';
import type { RunResult } from '../host/schema.js';
import type { ClientIdentity, Session } from '../host/session.js';
import { refuseDisallowed } from '../jobs/policy.js';
import { HOST_METHODS, type DaemonStatus } from '../protocol/methods.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';
import { HostError, type HostConnection } from '../socket/client.js';
import { RemoteHost, type Connected } from '../socket/remote-host.js';
import { isRunning } from '../util/process.js';
import { connectDaemon } from './start.js';

export interface FrontOptions {
  config: Config;
  version: string;
  dir: string;
  /** The MCP client's name (known once it initialized). */
  client: () => ClientIdentity;
  /** `node <entry> daemon serve …`, and the environment it starts with (see config's daemonArgs, daemonEnv). */
  spawnArgs: string[];
  spawnEnv: NodeJS.ProcessEnv;
  warn: (message: string) => void;
}

const RESTARTED = 'The shared daemon had gone away; a new one was started and the jobs of the old one ended with it.';

export class DaemonFront extends RemoteHost {
  private connection: HostConnection | null = null;
  private daemonPid: number | null = null;
  private checkedSettings = false;
  /** Kept across reconnects, so the daemon keeps this front's cursors. */
  private readonly sessionId = randomBytes(8).toString('hex');

  constructor(private readonly options: FrontOptions) {
    super(
      () => this.connectDaemon(),
      (error) => frontError(error, options.version),
    );
  }

  override execute(session: Session, args: ExecuteArgs, hooks?: WaitHooks): Promise<RunResult> {
    const { config } = this.options;
    // This front's own policy first; the daemon applies its own too.
    const refusal = refuseDisallowed(args.command, config.allowedCommands, config.sources.allowedCommands ?? 'PTYJOBS_ALLOWED_COMMANDS');
    if (refusal) return Promise.reject(refusal);
    // The front's own defaults: its jobs are sized and timed as its settings say.
    return super.execute(session, { ...args, cols: args.cols ?? config.cols, rows: args.rows ?? config.rows, timeout_s: args.timeout_s ?? config.jobTimeoutS ?? undefined }, hooks);
  }

  private async connectDaemon(): Promise<Connected> {
    const alive = this.connection && !this.connection.isClosed && (this.daemonPid === null || isRunning(this.daemonPid));
    if (alive) return { connection: this.connection! };
    this.connection?.close();
    const { config, version, dir, spawnArgs } = this.options;
    const { connection } = await connectDaemon({
      dir,
      version,
      client: this.options.client(),
      hello: { role: 'front', cwd: config.workingDir, env: { ...config.baseEnv }, session_id: this.sessionId, max_wait_ms: config.maxWaitMs },
      spawnArgs,
      spawnEnv: this.options.spawnEnv,
    }).catch((error: Error) => {
      throw error instanceof HostError ? frontError(error, version) : new JobError(`The shared daemon is not reachable: ${error.message}`);
    });
    const notice = this.daemonPid !== null && connection.info.pid !== this.daemonPid ? RESTARTED : undefined;
    this.connection = connection;
    this.daemonPid = connection.info.pid;
    if (!this.checkedSettings) {
      this.checkedSettings = true;
      void connection.request(HOST_METHODS.daemonStatus).then((status) => this.compareSettings(status), () => undefined);
    }
    return { connection, ...(notice && { notice }) };
  }

  /** Host settings are the daemon's: a front started with other values says so, once. */
  private compareSettings(status: DaemonStatus): void {
    const { config } = this.options;
    const differing = HOST_SETTINGS.filter((key) => {
      const name = settingName(key);
      return name in status.settings && JSON.stringify(status.settings[name]) !== JSON.stringify(config[key]);
    }).map((key) => `${settingName(key)}=${JSON.stringify(status.settings[settingName(key)])} (yours: ${JSON.stringify(config[key])})`);
    if (differing.length) this.options.warn(`ptyjobs: the shared daemon runs with ${differing.join(', ')}; host settings are the daemon's. To use yours: ptyjobs daemon stop (ends its jobs), then call again.`);
  }
}

function frontError(error: HostError, version: string): JobError {
  const details = error.details;
  if (error.code === 'protocol_mismatch') {
    return new JobError(
      `This ptyjobs ${version} (protocol ${PROTOCOL_VERSION}) cannot use the running shared daemon, ptyjobs ${details.version} (protocol ${details.protocol}). ` +
        `Restarting the daemon ends its ${details.jobs ?? 0} running jobs: run ptyjobs daemon stop, then call again.`,
    );
  }
  if (error.code === 'host_gone') return new JobError('The shared daemon went away during this call, and its jobs with it. Call again: a new daemon starts.');
  if (error.code === 'no_answer') return new JobError(`${error.message} Check it with ptyjobs daemon status.`);
  return new JobError(error.message, isJobErrorCode(error.code) ? error.code : 'invalid');
}

const JOB_ERROR_CODES = new Set(['unknown_job', 'not_running', 'limit', 'not_allowed', 'invalid', 'shutting_down', 'no_binding']);
function isJobErrorCode(code: string): code is JobError['code'] {
  return JOB_ERROR_CODES.has(code);
}
