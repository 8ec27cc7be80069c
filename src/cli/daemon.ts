// `ptyjobs daemon start|stop|status|serve` and `ptyjobs run`: the shared daemon from a person's
// shell. serve is the daemon itself (what start runs, detached).
import { resolve as resolvePath } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig, type Config } from '../config.js';
import type { DaemonStatus } from '../daemon/serve.js';
import { connectDaemon } from '../daemon/start.js';
import type { RunResult } from '../host/schema.js';
import { HostConnection, HostError } from '../socket/client.js';
import { DAEMON_SOCKET, ensureSocketDir, resolveSocketDir } from '../socket/dir.js';
import { join } from 'node:path';
import { CLI_CLIENT, UsageError } from './hosts.js';
import { isAlive } from '../jobs/signals.js';

const STOP_TIMEOUT_MS = 60_000;

export const DAEMON_HELP = `Usage: ptyjobs daemon start|stop|status
  start   start your shared daemon if none runs (fronts started with --shared do this themselves)
  stop    end it: every job's whole tree is killed, as at shutdown; returns once it is gone
  status  pid, uptime, jobs, clients, version, settings and the log file`;

export const RUN_HELP = `Usage: ptyjobs run [--name N] [--cwd D] -- COMMAND...
  Start a job in your shared daemon (started if needed) with your environment and working dir;
  prints its id. Then: ptyjobs attach daemon:ID, or an agent sees it in list.`;

/** The entry script and flags that start a daemon with these settings. */
export function daemonSpawnArgs(settingFlags: string[]): string[] {
  return [process.argv[1], 'daemon', 'serve', ...settingFlags];
}

function settings(argv: string[] = []): Config {
  const request = loadConfig(argv, process.env);
  if (request.kind !== 'serve') throw new UsageError('unexpected --help or --version');
  return request.config;
}

async function connect(config: Config, version: string): Promise<HostConnection> {
  const dir = resolveSocketDir(config.socketDir, process.env);
  ensureSocketDir(dir);
  const { connection } = await connectDaemon({
    dir, version, client: { ...CLI_CLIENT, version },
    hello: { role: 'cli', cwd: process.cwd(), env: { ...config.baseEnv } },
    spawnArgs: daemonSpawnArgs([]), spawnEnv: process.env,
  });
  return connection;
}

/** The running daemon, or null when none answers (nothing is started). */
async function existing(config: Config, version: string): Promise<HostConnection | null> {
  const path = join(resolveSocketDir(config.socketDir, process.env), DAEMON_SOCKET);
  return HostConnection.connect(path, { ...CLI_CLIENT, version }, version).catch((error: HostError) => {
    if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED') return null;
    throw error;
  });
}

export async function runDaemonCommand(args: string[], version: string): Promise<number> {
  const [command, ...rest] = args;
  if (command === 'serve') {
    const { serveDaemon } = await import('../daemon/serve.js');
    await serveDaemon(settings(rest), version);
    return -1; // keeps running
  }
  if (!command || command === '--help' || command === '-h' || rest.includes('--help')) {
    console.log(DAEMON_HELP);
    return command ? 0 : 2;
  }
  const config = settings();
  if (command === 'start') {
    const connection = await connect(config, version);
    console.log(`shared daemon ${connection.info.pid} runs (ptyjobs ${connection.info.version})`);
    connection.close();
    return 0;
  }
  const connection = await existing(config, version);
  if (!connection) {
    console.log('no shared daemon is running');
    return command === 'status' ? 3 : 0;
  }
  try {
    if (command === 'status') {
      const status = await connection.request<DaemonStatus>('status');
      const settingsText = Object.entries(status.settings).map(([name, value]) => `${name}=${value}`).join(' ');
      console.log(`shared daemon ${status.pid}, ptyjobs ${status.version}, up ${status.uptime_s}s\njobs: ${status.running} running of ${status.jobs}; clients: ${status.clients - 1}\nlog: ${status.log}\nsettings: ${settingsText}`);
      return 0;
    }
    if (command === 'stop') {
      const { pid } = await connection.request<{ pid: number }>('shutdown');
      const deadline = Date.now() + STOP_TIMEOUT_MS;
      while (isAlive(pid)) {
        if (Date.now() > deadline) throw new UsageError(`the daemon ${pid} did not end within ${STOP_TIMEOUT_MS / 1000} s; kill -9 ${pid} ends it and its jobs`);
        await sleep(20);
      }
      console.log(`shared daemon ${pid} stopped`);
      return 0;
    }
    throw new UsageError(`unknown daemon command ${command}. ${DAEMON_HELP.split('\n')[0]}`);
  } finally {
    connection.close();
  }
}


export async function runRunCommand(args: string[], version: string): Promise<number> {
  if (args[0] === '--help' || args[0] === '-h') {
    console.log(RUN_HELP);
    return 0;
  }
  const separator = args.indexOf('--');
  const options = separator >= 0 ? args.slice(0, separator) : [];
  const command = (separator >= 0 ? args.slice(separator + 1) : args).join(' ');
  if (!command) throw new UsageError(`no command given. ${RUN_HELP.split('\n')[0]}`);
  const params: Record<string, unknown> = { command };
  for (let i = 0; i < options.length; i += 2) {
    const [flag, value] = [options[i], options[i + 1]];
    if (value === undefined || (flag !== '--name' && flag !== '--cwd')) throw new UsageError(`unknown option ${flag}. ${RUN_HELP.split('\n')[0]}`);
    params[flag.slice(2)] = flag === '--cwd' ? resolvePath(value) : value;
  }
  const connection = await connect(settings(), version);
  try {
    const started = await connection.request<RunResult>('execute', params);
    console.log(`daemon:${started.job.job_id}`);
    return 0;
  } finally {
    connection.close();
  }
}
