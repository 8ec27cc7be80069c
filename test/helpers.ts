// Shared test helpers: configs, a host that always closes, condition polling with a
// deadline, an in-memory MCP client, /proc checks, and a seeded PRNG.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { loadConfig, type Config } from '../src/config.js';
import { JobHost } from '../src/host/job-host.js';
import { Session } from '../src/host/session.js';
import { JobManager } from '../src/jobs/manager.js';
import { createServer } from '../src/mcp/server.js';

/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
export function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The repository root (tests run from dist/test). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES = join(ROOT, 'test', 'fixtures');

/** A fresh temporary directory (tests never work in the repository: vim would leave swap files there). */
export function tempDir(prefix = 'ptyjobs-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function makeConfig(env: Record<string, string> = {}, argv: string[] = []): Config {
  const request = loadConfig(argv, { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', SHELL: '/bin/bash', PTYJOBS_KILL_GRACE_MS: '1000', PTYJOBS_WORKING_DIR: tempDir(), ...env });
  if (request.kind !== 'serve') throw new Error('expected a serve config');
  return request.config;
}

/** A job host over a fresh manager, with one client session. */
export interface TestHost {
  host: JobHost;
  manager: JobManager;
  session: Session;
}

/** Runs `body` with a fresh host and always closes it (every job killed). */
export async function withHost<T>(body: (context: TestHost) => Promise<T>, env: Record<string, string> = {}): Promise<T> {
  const config = makeConfig(env);
  const manager = new JobManager(config);
  const host = new JobHost(manager, config);
  const session = new Session();
  host.attachSession(session);
  try {
    return await body({ host, manager, session });
  } finally {
    await manager.closeAll();
  }
}

/** Polls `condition` until it is truthy or the deadline passes (then throws with `what`). */
export async function waitUntil<T>(condition: () => T | Promise<T>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function isProcessAlive(pid: number): boolean {
  if (!existsSync(`/proc/${pid}`)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Pids of live processes whose argv, joined by spaces, is exactly `commandLine`. */
export function processesMatching(commandLine: string): number[] {
  const found: number[] = [];
  for (const name of readdirSafe('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').slice(0, -1);
      if (argv.join(' ') === commandLine && isProcessAlive(Number(name))) found.push(Number(name));
    } catch {
      /* gone */
    }
  }
  return found;
}

/** Pids of live processes whose name (/proc/PID/comm, e.g. "socat", "pylsp") is `name`. */
export function processesNamed(name: string): number[] {
  return readdirSafe('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        return readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name && isProcessAlive(Number(entry));
      } catch {
        return false;
      }
    })
    .map(Number);
}

function readdirSafe(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

/** A real MCP client connected in memory to a fresh server. */
export async function connectClient(env: Record<string, string> = {}, clientOptions: ConstructorParameters<typeof Client>[1] = undefined): Promise<{ client: Client; manager: JobManager; host: JobHost; close: () => Promise<void> }> {
  const config = makeConfig(env);
  const manager = new JobManager(config);
  const host = new JobHost(manager, config);
  const { server, session } = createServer(host, 'test');
  host.attachSession(session);
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'ptyjobs-test', version: '0' }, clientOptions);
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  return {
    client,
    manager,
    host,
    close: async () => {
      await client.close();
      await manager.closeAll();
      await server.close();
    },
  };
}

/** Calls a tool and returns its result (typed loosely for assertions). */
export async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult & { structuredContent?: any }> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult & { structuredContent?: any };
}

export function textOf(result: CallToolResult): string {
  return result.content.map((block) => (block.type === 'text' ? block.text : '')).join('\n');
}
