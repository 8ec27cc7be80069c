// Helpers for the control socket and the CLI: a job host listening in a private temp socket
// dir, the CLI run as a process, and the CLI run in a pty with a headless terminal standing in
// for the person's (it answers queries, as a real one does).
import { execFile } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import nodePty from 'node-pty';
import type { Terminal } from '@xterm/headless';
import { describeHost } from '../src/host/info.js';
import { JobHost } from '../src/host/job-host.js';
import { Session } from '../src/host/session.js';
import { JobManager } from '../src/jobs/manager.js';
import { ensureSocketDir } from '../src/socket/dir.js';
import { ControlServer } from '../src/socket/server.js';
import { makeConfig, ROOT, tempDir, waitUntil } from './helpers.js';

export const CLI = join(ROOT, 'dist', 'ptyjobs.mjs');
const { Terminal: HeadlessTerminal } = createRequire(import.meta.url)('@xterm/headless') as { Terminal: typeof Terminal };

export interface SocketHost {
  host: JobHost;
  manager: JobManager;
  session: Session;
  control: ControlServer;
  dir: string;
  close(): Promise<void>;
}

/** A job host in this process with a control socket in `dir` (a fresh private one by default); one per dir. */
export async function startSocketHost(dir = privateSocketDir(), env: Record<string, string> = {}, frameDeadlineMs?: number): Promise<SocketHost> {
  const config = makeConfig(env);
  const manager = new JobManager(config);
  const host = new JobHost(manager, config);
  const session = new Session();
  session.client = { name: 'test-agent', version: '1' };
  host.attachSession(session);
  const control = new ControlServer(host, { path: join(dir, `${process.pid}.sock`), info: describeHost('embedded', 'test', () => session.client), frameDeadlineMs });
  await control.start();
  return {
    host, manager, session, control, dir,
    close: async () => {
      await control.close();
      await manager.closeAll();
    },
  };
}

export function privateSocketDir(): string {
  const dir = join(tempDir('ptyjobs-sock-'), 'sockets');
  ensureSocketDir(dir);
  return dir;
}

/** Runs the CLI as a process (no terminal); resolves with its exit code and output. */
export function runCli(dir: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, PTYJOBS_SOCKET_DIR: dir } }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** The person: the CLI in a pty of this size, its output drawn by a terminal that answers queries. */
export class PersonTerminal {
  readonly term: Terminal;
  readonly pty: nodePty.IPty;
  /** Everything the CLI wrote to the person's terminal. */
  received = '';
  readonly exited: Promise<number>;

  constructor(dir: string, args: string[], cols = 100, rows = 30) {
    this.term = new HeadlessTerminal({ cols, rows, allowProposedApi: true, logLevel: 'off' });
    this.pty = nodePty.spawn(process.execPath, [CLI, ...args], { cols, rows, env: { PATH: process.env.PATH!, HOME: process.env.HOME!, PTYJOBS_SOCKET_DIR: dir, TERM: 'xterm-256color' } });
    this.pty.onData((data) => {
      this.received += data;
      this.term.write(data);
    });
    // A real terminal answers the queries it is sent; so does this one, into the CLI's stdin.
    this.term.onData((answer) => this.pty.write(answer));
    this.exited = new Promise((resolve) => this.pty.onExit(({ exitCode }) => resolve(exitCode)));
  }

  /** The rows the person sees, trimmed, trailing empty rows dropped. */
  async rows(): Promise<string[]> {
    await new Promise<void>((resolve) => this.term.write('', resolve));
    const buffer = this.term.buffer.active;
    const rows: string[] = [];
    for (let row = 0; row < this.term.rows; row++) rows.push(buffer.getLine(buffer.baseY + row)?.translateToString(true).trimEnd() ?? '');
    while (rows.length && rows[rows.length - 1] === '') rows.pop();
    return rows;
  }

  async waitForRows(predicate: (rows: string[]) => boolean, what: string): Promise<string[]> {
    const rows = await waitUntil(async () => {
      const rows = await this.rows();
      return predicate(rows) ? rows : null;
    }, what);
    return rows!;
  }

  type(data: string): void {
    this.pty.write(data);
  }

  kill(): void {
    try {
      this.pty.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/** A --shared front (the built server as a process) with its own daemon in a private socket dir; close() stops both. */
export async function connectFront(env: Record<string, string> = {}): Promise<{ client: Client; dir: string; close: () => Promise<void> }> {
  const dir = privateSocketDir();
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/', LANG: 'C.UTF-8', SHELL: '/bin/bash', PTYJOBS_SOCKET_DIR: dir, PTYJOBS_SHARED: '1', PTYJOBS_KILL_GRACE_MS: '1000', PTYJOBS_WORKING_DIR: tempDir(), ...env },
    stderr: 'ignore',
  });
  const client = new Client({ name: 'ptyjobs-test', version: '0' });
  await client.connect(transport);
  return {
    client,
    dir,
    close: async () => {
      await client.close().catch(() => undefined);
      await runCli(dir, ['daemon', 'stop']);
    },
  };
}
