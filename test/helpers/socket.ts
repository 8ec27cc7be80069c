// Job hosts with a control socket in a private temp dir, the CLI run as a process, and a
// --shared front of its own daemon.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { describeHost } from '../../src/host/info.js';
import { JobHost } from '../../src/host/job-host.js';
import { Session } from '../../src/host/session.js';
import { JobManager } from '../../src/jobs/manager.js';
import { ensureSocketDir } from '../../src/socket/dir.js';
import { ControlServer } from '../../src/socket/server.js';
import { makeConfig } from './host.js';
import { ROOT, tempDir } from './paths.js';

export const CLI = join(ROOT, 'dist', 'ptyjobs.mjs');

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

/** Daemon processes of this socket dir (each runs in it). */
export function daemons(dir: string): number[] {
  return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('daemon\0serve') && readlinkSync(`/proc/${pid}/cwd`) === dir;
    } catch {
      return false;
    }
  }).map(Number);
}
