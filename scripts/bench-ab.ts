// A/B of the per-keystroke costs against another build of ptyjobs, alternating in one run:
// engine keystroke → screen (raw-mode cat, idle and under 3 floods) and the MCP interact round
// trip over stdio. For a change's "nothing else got slower" figures.
// Usage: node dist/scripts/bench-ab.js OTHER_CHECKOUT [ROUNDS]   (OTHER_CHECKOUT built: npm run build)
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { BRACKET_ECHO, median, now, percentile } from './bench-stats.js';

const ROOT = join(import.meta.dirname ?? '', '..', '..');
const [other, roundsArg] = process.argv.slice(2);
if (!other) throw new Error('usage: bench-ab OTHER_CHECKOUT [ROUNDS]');
const ROUNDS = Number(roundsArg ?? 5);
const KEYS = 200;
const ROUND_TRIPS = 60;

interface Build {
  name: string;
  root: string;
}
const builds: Build[] = [
  { name: 'this', root: ROOT },
  { name: 'other', root: other },
];

/** Keystroke → cursor moved on the screen, in the engine of `build` (its own JobManager). */
async function engine(build: Build, floods: number): Promise<number[]> {
  const { loadConfig } = await import(join(build.root, 'dist/src/config.js'));
  const { JobManager } = await import(join(build.root, 'dist/src/jobs/manager.js'));
  const { waitFor } = await import(join(build.root, 'dist/src/jobs/wait.js'));
  const request = loadConfig([], { PATH: process.env.PATH, HOME: process.env.HOME, SHELL: '/bin/bash', PTYJOBS_MAX_JOBS: '20' });
  const manager = new JobManager(request.config);
  for (let i = 0; i < floods; i++) manager.start({ command: 'yes' });
  const job = manager.start({ command: 'stty raw -echo; exec cat', cols: 80, rows: 24 });
  await waitFor(job, { input: true, timeoutMs: 10_000 }, { offset: 0, rows: null, typed: null });
  const latencies: number[] = [];
  for (let i = 0; i < KEYS; i++) {
    if (i % 60 === 0 && i > 0) await typeAndWait(job, '\r\n', (col) => col === 0);
    const started = now();
    await typeAndWait(job, String.fromCharCode(97 + (i % 26)), (col) => col === (i % 60) + 1);
    latencies.push(now() - started);
  }
  await manager.closeAll();
  return latencies;
}

function typeAndWait(job: { write(data: string): void; onChange(listener: () => void): () => void; screen: { snapshot(): { cursor: { col: number } } } }, data: string, done: (col: number) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const unsubscribe = job.onChange(() => {
      if (!done(job.screen.snapshot().cursor.col)) return;
      unsubscribe();
      resolve();
    });
    job.write(data);
  });
}

/** interact round trip through `build`'s server over stdio until the program's answer shows. */
async function mcp(build: Build): Promise<number[]> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [join(build.root, 'dist/ptyjobs.mjs')], env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/', SHELL: '/bin/bash' }, stderr: 'ignore' });
  const client = new Client({ name: 'bench-ab', version: '0' });
  await client.connect(transport);
  const run = (await client.callTool({ name: 'execute', arguments: { command: BRACKET_ECHO, wait: { pattern: 'ready' } } })) as unknown as { structuredContent: { job: { job_id: string } } };
  const latencies: number[] = [];
  for (let i = 0; i < ROUND_TRIPS; i++) {
    const token = `k${i}z`;
    const started = now();
    await client.callTool({ name: 'interact', arguments: { job_id: run.structuredContent.job.job_id, input: token, wait: { pattern: `${token}\\]`, timeout_ms: 5000 } } });
    latencies.push(now() - started);
  }
  await client.close();
  return latencies;
}

const results: Record<string, Record<string, number[]>> = {};
for (let round = 0; round < ROUNDS; round++) {
  // Alternate which build goes first, so drift in the machine's load falls on both.
  for (const build of round % 2 ? [...builds].reverse() : builds) {
    const mine = (results[build.name] ??= {});
    (mine.engine ??= []).push(...(await engine(build, 0)));
    (mine.engine_under_3_floods ??= []).push(...(await engine(build, 3)));
    (mine.mcp_interact ??= []).push(...(await mcp(build)));
  }
}
const row = (name: string, figure: string) => {
  const xs = results[name][figure];
  return `p50 ${median(xs).toFixed(2)} ms, p99 ${percentile(xs, 99).toFixed(2)} ms`;
};
for (const figure of ['engine', 'engine_under_3_floods', 'mcp_interact']) {
  const ratio = median(results.this[figure]) / median(results.other[figure]);
  console.log(`${figure.padEnd(22)} this: ${row('this', figure)}   other: ${row('other', figure)}   p50 ratio ${ratio.toFixed(2)}`);
}
