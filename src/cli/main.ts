// The CLI for people: ptyjobs ls | attach | watch | tail | kill | run | daemon | web. A thin client
// of the job hosts (RemoteHost over their control sockets). Exit codes: 0 done or detached, the
// job's exit code when an attached job ends, 2 usage (bad arguments, no such job, attach without
// a terminal, an unsafe socket dir), 3 the host went away.
import { ConfigError, loadConfig } from '../config.js';
import { JobError } from '../errors.js';
import type { JobWire, KillResult } from '../host/schema.js';
import { HostError } from '../socket/client.js';
import { SocketDirError } from '../socket/dir.js';
import { liveHosts, PERSON_SESSION, resolveJob, type LiveHost } from '../socket/hosts.js';
import { parseArgs, UsageError } from '../util/args.js';
import { endedHow } from '../util/process.js';
import { attach, EXIT_HOST_GONE } from './attach.js';

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
const TAIL_DEFAULT_LINES = 20;
/** People read whole results: the biggest a host gives. */
const CLI_RESULT_BYTES = 256 * 1024;
/** tail -f: how long one wait for new output lasts before it is made again. */
const FOLLOW_WAIT_MS = 30_000;
const warn = (message: string) => console.error(message);

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
    const dir = request.config.socketDir;
    if (command === 'web') return await web(args, dir, version);
    hosts = await liveHosts(dir, version, warn);
    return await run(command, args, hosts, request.config.detachKey);
  } catch (error) {
    return failed(command, error);
  } finally {
    for (const live of hosts) live.connection.close();
  }
}

/** One line on stderr and the exit code the error means. */
export function failed(command: string, error: unknown): number {
  const message = (error as Error).message;
  if (error instanceof UsageError || error instanceof ConfigError || error instanceof SocketDirError) {
    console.error(`ptyjobs ${command}: ${message}`);
    return EXIT_USAGE;
  }
  if (error instanceof JobError || error instanceof HostError) {
    console.error(`ptyjobs ${command}: ${message}`);
    const code = error.code;
    if (code === 'host_gone' || code === 'no_answer') return EXIT_HOST_GONE;
    return code === 'unknown_job' || code === 'not_running' || code === 'invalid' || code === 'untrusted' ? EXIT_USAGE : 1;
  }
  throw error;
}

function oneJob(positional: string[], command: string): string {
  if (positional.length !== 1) throw new UsageError(`name one job, e.g. ptyjobs ${command} j1 (ptyjobs ls lists them).`);
  return positional[0];
}

async function run(command: Exclude<Command, 'web'>, args: string[], hosts: LiveHost[], detachKey: string): Promise<number> {
  const usage = HELP[command].split('\n')[0];
  switch (command) {
    case 'ls': {
      const { flags } = parseArgs(args, { switches: ['--json'] }, usage);
      return ls(hosts, flags.has('--json'));
    }
    case 'attach':
    case 'watch': {
      const name = oneJob(parseArgs(args, {}, usage).positional, command);
      if (!process.stdin.isTTY || !process.stdout.isTTY) throw new UsageError(`${command} needs a terminal on stdin and stdout; use ptyjobs tail -f for a pipe.`);
      const { live, job } = await resolveJob(hosts, name);
      return attach(live, job.job_id, { mode: command, detachKey });
    }
    case 'tail': {
      const { flags, positional } = parseArgs(args, { valued: ['-n'], switches: ['-f'] }, usage);
      const lines = Number(flags.get('-n') ?? TAIL_DEFAULT_LINES);
      if (!Number.isInteger(lines) || lines < 1 || lines > 1000) throw new UsageError(`-n takes a number of lines from 1 to 1000. ${usage}`);
      const { live, job } = await resolveJob(hosts, oneJob(positional, command));
      return tail(live, job.job_id, lines, flags.has('-f'));
    }
    case 'kill': {
      const { flags, positional } = parseArgs(args, { valued: ['-s'] }, usage);
      const { live, job } = await resolveJob(hosts, oneJob(positional, command));
      const killed = await live.host.kill(PERSON_SESSION, { job_id: job.job_id, ...(flags.has('-s') && { signal: flags.get('-s') }) });
      console.log(killLine(live.label, killed));
      return 0;
    }
  }
}

function killLine(label: string, kill: KillResult): string {
  const what = kill.result === 'killed' ? 'killed' : 'had already ended';
  const survivors = kill.survivors.length ? `; ${kill.survivors.length} processes survived SIGKILL: ${kill.survivors.join(', ')}` : '';
  return `${label}:${kill.job.job_id} ${what} (${endedHow(kill.job.exit_code, kill.job.signal)})${survivors}`;
}

async function web(args: string[], dir: string, version: string): Promise<number> {
  const usage = HELP.web.split('\n')[0];
  const { flags } = parseArgs(args, { valued: ['--port'], switches: ['--writable'] }, usage);
  const port = Number(flags.get('--port') ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port takes a port number. ${usage}`);
  const { serveWeb } = await import('../web/server.js');
  const server = await serveWeb({ port, writable: flags.has('--writable'), socketDir: dir, version });
  console.log(server.url);
  console.error(`ptyjobs web: open the URL above (${flags.has('--writable') ? 'keys go to the jobs' : 'read-only'}); Ctrl-C stops it`);
  await new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => resolve());
  });
  await server.close();
  return 0;
}

async function ls(hosts: LiveHost[], json: boolean): Promise<number> {
  const rows: (JobWire & { host: { pid: number; kind: string; client: string | null } })[] = [];
  const labels: string[] = [];
  for (const { host, info, label } of hosts) {
    const { jobs } = await host.jobs(PERSON_SESSION);
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

/** The last lines; with -f, then everything the job prints until it has ended and all is read. */
async function tail(live: LiveHost, jobId: string, lines: number, follow: boolean): Promise<number> {
  const { host } = live;
  const last = await host.tail(PERSON_SESSION, { job_id: jobId, lines, max_bytes: CLI_RESULT_BYTES });
  if (last.lines.length) console.log(last.lines.join('\n'));
  if (!follow) return 0;
  let next = last.next;
  for (;;) {
    const read = await host.output(PERSON_SESSION, { job_id: jobId, since: next, max_bytes: CLI_RESULT_BYTES });
    if (read.text) process.stdout.write(read.text);
    next = read.next;
    if (next < read.end) continue;
    if (read.job.status !== 'running') return 0;
    await host.wait(PERSON_SESSION, { job_id: jobId, pattern: '[\\s\\S]', since: next, timeout_ms: FOLLOW_WAIT_MS });
  }
}
