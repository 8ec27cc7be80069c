// The CLI for people: ptyjobs ls | attach | watch | tail | kill | run | daemon. A thin client of
// the job hosts' control sockets. Exit codes: 0 done or detached, the job's exit code when an attached
// job ends, 2 usage (bad arguments, no such job, attach without a terminal), 3 the host went away.
import { ConfigError, loadConfig } from '../config.js';
import type { JobWire, KillResult, OutputResult, TailResult } from '../host/schema.js';
import { formatKill } from '../mcp/format.js';
import { HostError } from '../socket/client.js';
import { resolveSocketDir } from '../socket/dir.js';
import { attach } from './attach.js';
import { liveHosts, resolveJob, UsageError, type LiveHost } from './hosts.js';

type Command = 'ls' | 'attach' | 'watch' | 'tail' | 'kill' | 'web';

const HELP: Record<Command, string> = {
  ls: 'Usage: ptyjobs ls [--json]\n  Every job of every ptyjobs server of yours: host:job, name, status, age, viewers, command.\n  --json  an array of Job objects, each with a host object { pid, kind, client }',
  attach: 'Usage: ptyjobs attach JOB\n  Take part: the job\'s screen at once, then live; your keys go to the job, which has your terminal\'s size meanwhile.\n  Ctrl-\\ detaches (twice sends it through; PTYJOBS_DETACH_KEY changes it). JOB is j3, or HOST:j3 as ls prints it.',
  watch: 'Usage: ptyjobs watch JOB\n  The same as attach, read-only: keys are not sent and the job keeps its size. Ctrl-\\ ends it.',
  tail: 'Usage: ptyjobs tail [-f] [-n N] JOB\n  The last N lines (default 20) as the terminal shows them; -f follows until the job ends.',
  kill: 'Usage: ptyjobs kill [-s SIGNAL] JOB\n  Ends the job\'s whole process tree: SIGNAL (default SIGTERM), then SIGKILL after the grace period.',
  web: 'Usage: ptyjobs web [--port P] [--writable]\n  Every job of yours in a browser, each a live terminal, on 127.0.0.1 and ::1 (default: a free port).\n  Prints the URL to open; it carries a token only for you. Read-only unless --writable.',
};

const EXIT_USAGE = 2;
const EXIT_HOST_GONE = 3;
const TAIL_DEFAULT_LINES = 20;
/** People read whole results: the biggest a host gives. */
const CLI_RESULT_BYTES = 256 * 1024;

export async function runCli(argv: string[], version: string): Promise<number> {
  const [command, ...args] = argv as [Command | 'daemon' | 'run', ...string[]];
  if (command !== 'daemon' && command !== 'run' && (args.includes('--help') || args.includes('-h'))) {
    console.log(HELP[command]);
    return 0;
  }
  let hosts: LiveHost[] = [];
  try {
    // These load what they need when used: a plain ls or attach stays small.
    if (command === 'daemon') return await (await import('./daemon.js')).runDaemonCommand(args, version);
    if (command === 'run') return await (await import('./daemon.js')).runRunCommand(args, version);
    const request = loadConfig([], process.env);
    if (request.kind !== 'serve') return 0;
    const dir = resolveSocketDir(request.config.socketDir, process.env);
    hosts = await liveHosts(dir, version);
    return await run(command, args, hosts, request.config.detachKey, dir, version);
  } catch (error) {
    const message = (error as Error).message;
    if (error instanceof UsageError || error instanceof ConfigError) {
      console.error(`ptyjobs ${command}: ${message}`);
      return EXIT_USAGE;
    }
    if (error instanceof HostError) {
      console.error(`ptyjobs ${command}: ${message}`);
      return error.code === 'host_gone' ? EXIT_HOST_GONE : error.code === 'unknown_job' || error.code === 'not_running' ? EXIT_USAGE : 1;
    }
    throw error;
  } finally {
    for (const host of hosts) host.connection.close();
  }
}

/** Options of one command: flags with values, boolean flags, and the positional arguments. */
function parseArgs(args: string[], valued: string[], booleans: string[], usage: string): { flags: Map<string, string>; positional: string[] } {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (valued.includes(arg)) {
      const value = args[++i];
      if (value === undefined) throw new UsageError(`${arg} needs a value. ${usage}`);
      flags.set(arg, value);
    } else if (booleans.includes(arg)) flags.set(arg, '');
    else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}. ${usage}`);
    else positional.push(arg);
  }
  return { flags, positional };
}

function oneJob(positional: string[], command: string): string {
  if (positional.length !== 1) throw new UsageError(`name one job, e.g. ptyjobs ${command} j1 (ptyjobs ls lists them).`);
  return positional[0];
}

async function run(command: Command, args: string[], hosts: LiveHost[], detachKey: string, socketDir: string, version: string): Promise<number> {
  const usage = HELP[command].split('\n')[0];
  switch (command) {
    case 'ls': {
      const { flags } = parseArgs(args, [], ['--json'], usage);
      return ls(hosts, flags.has('--json'));
    }
    case 'attach':
    case 'watch': {
      const name = oneJob(parseArgs(args, [], [], usage).positional, command);
      if (!process.stdin.isTTY || !process.stdout.isTTY) throw new UsageError(`${command} needs a terminal on stdin and stdout; use ptyjobs tail -f for a pipe.`);
      const { host, job } = await resolveJob(hosts, name);
      return attach(host.connection, job.job_id, { mode: command, detachKey });
    }
    case 'tail': {
      const { flags, positional } = parseArgs(args, ['-n'], ['-f'], usage);
      const lines = Number(flags.get('-n') ?? TAIL_DEFAULT_LINES);
      if (!Number.isInteger(lines) || lines < 1 || lines > 1000) throw new UsageError(`-n takes a number of lines from 1 to 1000. ${usage}`);
      const { host, job } = await resolveJob(hosts, oneJob(positional, command));
      return tail(host, job.job_id, lines, flags.has('-f'));
    }
    case 'web': {
      const { flags } = parseArgs(args, ['--port'], ['--writable'], usage);
      const port = Number(flags.get('--port') ?? 0);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port takes a port number. ${usage}`);
      for (const host of hosts) host.connection.close();
      const { serveWeb } = await import('../web/server.js');
      const web = await serveWeb({ port, writable: flags.has('--writable'), socketDir, version });
      console.log(web.url);
      console.error(`ptyjobs web: open the URL above (${flags.has('--writable') ? 'keys go to the jobs' : 'read-only'}); Ctrl-C stops it`);
      await new Promise<void>((resolve) => {
        for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => resolve());
      });
      await web.close();
      return 0;
    }
    case 'kill': {
      const { flags, positional } = parseArgs(args, ['-s'], [], usage);
      const { host, job } = await resolveJob(hosts, oneJob(positional, command));
      const killed = await host.connection.request<KillResult>('kill', { job_id: job.job_id, ...(flags.has('-s') && { signal: flags.get('-s') }) });
      console.log(formatKill(killed));
      return 0;
    }
  }
}

async function ls(hosts: LiveHost[], json: boolean): Promise<number> {
  const rows: (JobWire & { host: { pid: number; kind: string; client: string | null } })[] = [];
  const labels: string[] = [];
  for (const { connection, label } of hosts) {
    const { jobs } = await connection.request<{ jobs: JobWire[] }>('jobs');
    const info = connection.info;
    for (const job of jobs) {
      rows.push({ ...job, host: { pid: info.pid, kind: info.kind, client: info.client } });
      labels.push(`${label}:${job.job_id}`);
    }
  }
  if (json) {
    console.log(JSON.stringify(rows, null, 2));
    return 0;
  }
  if (rows.length === 0) {
    console.log(hosts.length === 0 ? 'no ptyjobs server is running' : 'no jobs');
    return 0;
  }
  const table = rows.map((job, i) => [labels[i], job.name ?? '', job.status, age(job.started_at), String(job.viewers), job.client ?? job.host.client ?? '', job.command.replace(/\s+/g, ' ')]);
  const header = ['JOB', 'NAME', 'STATUS', 'AGE', 'VIEWERS', 'CLIENT', 'COMMAND'];
  const widths = header.map((title, col) => Math.max(title.length, ...table.map((row) => row[col].length)));
  const format = (row: string[]) => row.map((cell, col) => (col === row.length - 1 ? cell : cell.padEnd(widths[col]))).join('  ');
  console.log([header, ...table].map(format).join('\n'));
  return 0;
}

function age(startedAt: string): string {
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(startedAt)) / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

async function tail(host: LiveHost, jobId: string, lines: number, follow: boolean): Promise<number> {
  const connection = host.connection;
  const last = await connection.request<TailResult>('tail', { job_id: jobId, lines, max_bytes: CLI_RESULT_BYTES });
  if (last.lines.length) console.log(last.lines.join('\n'));
  if (!follow) return 0;
  // From the end on: wait for anything new, print it, until the job has ended and all is read.
  let next = (await connection.request<OutputResult>('output', { job_id: jobId, since: Number.MAX_SAFE_INTEGER })).next;
  for (;;) {
    const read = await connection.request<OutputResult>('output', { job_id: jobId, since: next, max_bytes: CLI_RESULT_BYTES });
    if (read.text) process.stdout.write(read.text);
    next = read.next;
    if (next < read.end) continue;
    if (read.job.status !== 'running') return 0;
    await connection.request('wait', { job_id: jobId, pattern: '[\\s\\S]', since: next, timeout_ms: 30_000 });
  }
}
