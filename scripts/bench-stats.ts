// Statistics, timing and the MCP client shared by the benchmark parts.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

/** The built server, as clients run it. */
export const SERVER = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'ptyjobs.mjs');
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const now = () => performance.now();

export function summary(latencies: number[]) {
  return { p50_ms: +median(latencies).toFixed(2), p99_ms: +percentile(latencies, 99).toFixed(2), samples: latencies.length };
}

/**
 * A program that answers each read of its raw-mode input with the input in brackets. A round
 * trip waits for "TOKEN]": the program's answer, not the terminal's echo of what was typed
 * (which a pattern never matches).
 */
export const BRACKET_ECHO = `python3 -c "import os,tty; tty.setraw(0); os.write(1, b'ready\\r\\n'); [os.write(1, b'[' + os.read(0, 4096) + b']') for _ in iter(int, 1)]"`;

/** A real MCP client of the built server over stdio. */
export async function mcpClient(env: Record<string, string> = {}): Promise<{ client: Client; transport: StdioClientTransport }> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [SERVER], env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/', SHELL: '/bin/bash', PTYJOBS_MAX_JOBS: '200', ...env }, stderr: 'ignore' });
  const client = new Client({ name: 'bench', version: '0' });
  await client.connect(transport);
  return { client, transport };
}
