// Shared test helpers: configs, a manager that always closes, condition polling with a
// deadline, an in-memory MCP client, /proc checks, and a seeded PRNG.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { loadConfig, type Config } from '../src/config.js';
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

export function makeConfig(env: Record<string, string> = {}, argv: string[] = []): Config {
  const request = loadConfig(argv, { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', SHELL: '/bin/bash', PTYJOBS_KILL_GRACE_MS: '1000', ...env });
  if (request.kind !== 'serve') throw new Error('expected a serve config');
  return request.config;
}

/** Runs `body` with a fresh manager and always closes it (every job killed). */
export async function withManager<T>(body: (manager: JobManager) => Promise<T>, env: Record<string, string> = {}): Promise<T> {
  const manager = new JobManager(makeConfig(env));
  try {
    return await body(manager);
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
export async function connectClient(env: Record<string, string> = {}): Promise<{ client: Client; manager: JobManager; close: () => Promise<void> }> {
  const manager = new JobManager(makeConfig(env));
  const server = createServer(manager, 'test');
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'ptyjobs-test', version: '0' });
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  return {
    client,
    manager,
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
