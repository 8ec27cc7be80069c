// `ptyjobs daemon start|stop|status|serve` and `ptyjobs run`: the shared daemon from a person's
// shell. serve is the daemon itself (what start runs, detached).
import { join, resolve as resolvePath } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { daemonArgs, daemonEnv, loadConfig, type Config } from '../config.js';
import { connectDaemon } from '../daemon/start.js';
import { HOST_METHODS } from '../protocol/methods.js';
import { HostConnection, nobodyAnswers, type HostError } from '../socket/client.js';
import { DAEMON_SOCKET, ensureSocketDir } from '../socket/dir.js';
import { PEOPLE_CLIENT, PERSON_SESSION } from '../socket/hosts.js';
import { RemoteHost } from '../socket/remote-host.js';
import { parseArgs, shellQuote, UsageError } from '../util/args.js';
import { endedHow, exitStatus, isRunning } from '../util/process.js';

const STOP_TIMEOUT_MS = 60_000;
/** How long `run` watches a new job for an immediate failure (a command not found, bad arguments). */
const RUN_START_WATCH_MS = 300;

export const DAEMON_HELP = `Usage: ptyjobs daemon start|stop|status
  start   start your shared daemon if none runs (fronts started with --shared do this themselves)
  stop    end it: every job's whole tree is killed, as at shutdown; returns once it is gone
  status  pid, uptime, jobs, clients, version, settings and the log file`;

export const RUN_HELP = `Usage: ptyjobs run [--name N] [--cwd D] -- PROGRAM [ARG...]
  Start PROGRAM with its arguments, exactly as given, as a job in your shared daemon (started if
  needed), with your environment and working dir; prints its id. For a shell command line:
  ptyjobs run -- sh -c 'make && make test'. Then: ptyjobs attach daemon:ID, or an agent sees it in list.
  A job that fails at once prints its output and exits with its status.`;

function settings(argv: string[] = []): Config {
  const request = loadConfig(argv, process.env);
  if (request.kind !== 'serve') throw new UsageError('unexpected --help or --version');
  return request.config;
}

async function connect(config: Config, version: string): Promise<HostConnection> {
  const dir = config.socketDir;
  ensureSocketDir(dir);
  const { connection } = await connectDaemon({
    dir, version, client: { ...PEOPLE_CLIENT, version },
    hello: { role: 'cli', cwd: process.cwd(), env: { ...config.baseEnv } },
    spawnArgs: daemonArgs(config), spawnEnv: daemonEnv(config),
  });
  return connection;
}

/** The running daemon, or null when none answers (nothing is started). */
async function existing(config: Config, version: string): Promise<HostConnection | null> {
  const path = join(config.socketDir, DAEMON_SOCKET);
  return HostConnection.connect(path, { ...PEOPLE_CLIENT, version }, version).catch((error: HostError) => {
    if (nobodyAnswers(error)) return null;
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
  if (!['start', 'stop', 'status'].includes(command)) throw new UsageError(`unknown daemon command ${command}. ${DAEMON_HELP.split('\n')[0]}`);
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
      const status = await connection.request(HOST_METHODS.daemonStatus);
      const settingsText = Object.entries(status.settings).map(([name, value]) => `${name}=${value}`).join(' ');
      console.log(`shared daemon ${status.pid}, ptyjobs ${status.version}, up ${status.uptime_s}s\njobs: ${status.running} running of ${status.jobs}; clients: ${status.clients - 1}\nlog: ${status.log}\nsettings: ${settingsText}`);
      return 0;
    }
    const { pid } = await connection.request(HOST_METHODS.daemonStop);
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (isRunning(pid)) {
      if (Date.now() > deadline) throw new UsageError(`the daemon ${pid} did not end within ${STOP_TIMEOUT_MS / 1000} s; kill -9 ${pid} ends it and its jobs`);
      await sleep(20);
    }
    console.log(`shared daemon ${pid} stopped`);
    return 0;
  } finally {
    connection.close();
  }
}

export async function runRunCommand(args: string[], version: string): Promise<number> {
  if (args[0] === '--help' || args[0] === '-h') {
    console.log(RUN_HELP);
    return 0;
  }
  const usage = RUN_HELP.split('\n')[0];
  const { flags, positional, rest } = parseArgs(args, { valued: ['--name', '--cwd'] }, usage);
  const argv = rest ?? positional;
  if (rest && positional.length) throw new UsageError(`unexpected ${positional[0]} before --. ${usage}`);
  if (argv.length === 0) throw new UsageError(`no command given. ${usage}`);
  // The argv is kept exactly: each word quoted for the shell that runs it.
  const command = argv.map(shellQuote).join(' ');
  const cwd = flags.get('--cwd');
  const connection = await connect(settings(), version);
  const host = new RemoteHost(async () => ({ connection }));
  try {
    const started = await host.execute(PERSON_SESSION, {
      command,
      ...(flags.has('--name') && { name: flags.get('--name') }),
      ...(cwd !== undefined && { cwd: resolvePath(cwd) }),
      wait: { exit: true, timeout_ms: RUN_START_WATCH_MS },
    });
    const { job } = started;
    if (job.status === 'running' || job.status === 'completed') {
      console.log(`daemon:${job.job_id}`);
      return 0;
    }
    if (started.output) process.stderr.write(started.output);
    console.error(`ptyjobs run: daemon:${job.job_id} ended at once (${endedHow(job.exit_code, job.signal)})`);
    return exitStatus(job.exit_code, job.signal);
  } finally {
    connection.close();
  }
}
