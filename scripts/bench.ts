// ptyjobs benchmark: each figure measured side by side with its reference in one run,
// alternating, several rounds; prints a table and writes bench-results/latest.json.
// Usage: npm run bench [-- --quick] [-- --only=throughput,latency,memory,startup,people,shared,web]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import nodePty from 'node-pty';
import { loadConfig } from '../src/config.js';
import { JobManager } from '../src/jobs/manager.js';
import type { Job } from '../src/jobs/job.js';
import { waitFor } from '../src/jobs/wait.js';
import { BRACKET_ECHO, mcpClient, median, now, sleep, summary } from './bench-stats.js';
import { peopleBench, sharedBench, webBench } from './bench-wave2.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const QUICK = process.argv.includes('--quick');
const ROUNDS = QUICK ? 1 : 5;
const ONLY = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length).split(',');
const selected = (part: string) => !ONLY || ONLY.includes(part);
const TMUX_SOCKET = `ptyjobs-bench-${process.pid}`;
const hasTmux = spawnSync('tmux', ['-V']).status === 0;

const STREAMS = [
  { name: 'seq 1 3000000', command: 'seq 1 3000000' },
  { name: `${QUICK ? 50 : 200} MB of one letter`, command: `head -c ${QUICK ? 50_000_000 : 200_000_000} /dev/zero | tr '\\0' a` },
];


function manager(env: Record<string, string> = {}): JobManager {
  const request = loadConfig([], { PATH: process.env.PATH, HOME: process.env.HOME, SHELL: '/bin/bash', PTYJOBS_MAX_JOBS: '200', ...env });
  if (request.kind !== 'serve') throw new Error('config');
  return new JobManager(request.config);
}

// ---- throughput ------------------------------------------------------------------------------

async function ptyjobsRun(command: string): Promise<number> {
  const m = manager();
  const started = now();
  const job = m.start({ command });
  await job.ended;
  await job.screen.settled();
  const elapsed = now() - started;
  await m.closeAll();
  return elapsed;
}

function rawPtyRun(command: string): Promise<number> {
  return new Promise((resolve) => {
    const started = now();
    const p = nodePty.spawn('/bin/sh', ['-c', command], { cols: 120, rows: 40, encoding: null });
    p.onData(() => {});
    p.onExit(() => resolve(now() - started));
  });
}

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', TMUX_SOCKET, ...args], { encoding: 'utf8' });
}

function tmuxRun(command: string): number {
  const started = now();
  tmux('new-session', '-d', '-x', '120', '-y', '40', '-s', 'tp', `${command}; tmux -L ${TMUX_SOCKET} wait-for -S tp-done; sleep 60`);
  tmux('wait-for', 'tp-done');
  const elapsed = now() - started;
  tmux('kill-session', '-t', 'tp');
  return elapsed;
}

async function throughput() {
  const rows = [];
  for (const stream of STREAMS) {
    const times: Record<string, number[]> = { ptyjobs: [], tmux: [], raw: [] };
    for (let round = 0; round < ROUNDS; round++) {
      times.raw.push(await rawPtyRun(stream.command));
      if (hasTmux) times.tmux.push(tmuxRun(stream.command));
      times.ptyjobs.push(await ptyjobsRun(stream.command));
    }
    const bytes = stream.name.startsWith('seq') ? 3_000_000 * 7.8 + 3_000_000 : Number(stream.command.match(/-c (\d+)/)![1]);
    const row = {
      // ptyjobs: start to exit with every byte in the log and parsed on the screen
      stream: stream.name,
      ptyjobs_ms: median(times.ptyjobs),
      tmux_ms: hasTmux ? median(times.tmux) : null,
      raw_node_pty_ms: median(times.raw),
      ptyjobs_mb_s: bytes / 1e6 / (median(times.ptyjobs) / 1000),
      ratio_ptyjobs_to_tmux: hasTmux ? median(times.ptyjobs) / median(times.tmux) : null,
    };
    rows.push(row);
    console.error(`throughput ${stream.name}: ${JSON.stringify(row)}`);
  }
  return rows;
}

// ---- keystroke latency -----------------------------------------------------------------------

/** Keystroke → visible on the ptyjobs screen, engine level, against a raw-mode echoing cat. */
async function engineLatency(loadJobs: number, samples: number): Promise<number[]> {
  const m = manager();
  const floods = Array.from({ length: loadJobs }, () => m.start({ command: 'yes' }));
  const job = m.start({ command: 'stty raw -echo; exec cat', cols: 80, rows: 24 });
  await waitFor(job, { input: true, timeoutMs: 10_000 }, { offset: 0, rows: null, typed: null });
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    const ch = String.fromCharCode(97 + (i % 26));
    const expectedCol = (i % 60) + 1;
    if (i % 60 === 0 && i > 0) await typeAndWait(job, '\r\n', (col) => col === 0);
    const started = now();
    await typeAndWait(job, ch, (col) => col === expectedCol);
    latencies.push(now() - started);
  }
  for (const f of floods) await m.kill(f.id, 'SIGKILL', 0);
  await m.closeAll();
  return latencies;
}

function typeAndWait(job: Job, data: string, done: (cursorCol: number) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (done(job.screen.snapshot().cursor.col)) {
        unsubscribe();
        resolve();
      }
    };
    const unsubscribe = job.onChange(check);
    job.write(data);
  });
}

/** interact round trip through the built server over stdio until the answer shows the echo. */
async function mcpLatency(samples: number): Promise<number[]> {
  const { client } = await mcpClient();
  const run = (await client.callTool({ name: 'execute', arguments: { command: BRACKET_ECHO, wait: { pattern: 'ready' } } })) as unknown as { structuredContent: { job: { job_id: string } } };
  const jobId = run.structuredContent.job.job_id;
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    const token = `k${i}z`;
    const started = now();
    await client.callTool({ name: 'interact', arguments: { job_id: jobId, input: token, wait: { pattern: `${token}\\]`, timeout_ms: 5000 } } });
    latencies.push(now() - started);
  }
  await client.close();
  return latencies;
}

/** tmux: send-keys, then capture-pane until the key shows. */
function tmuxLatency(samples: number): number[] {
  tmux('new-session', '-d', '-x', '80', '-y', '24', '-s', 'tl', BRACKET_ECHO);
  const ready = Date.now() + 10_000;
  while (!tmux('capture-pane', '-p', '-t', 'tl').includes('ready') && Date.now() < ready);
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    const token = `k${i}z`;
    const started = now();
    const deadline = Date.now() + 5000;
    tmux('send-keys', '-t', 'tl', '-l', token);
    while (!tmux('capture-pane', '-p', '-J', '-t', 'tl').includes(`${token}]`)) {
      if (Date.now() > deadline) throw new Error(`tmux never showed ${token}`);
    }
    latencies.push(now() - started);
  }
  tmux('kill-session', '-t', 'tl');
  return latencies;
}

async function latency() {
  const samples = QUICK ? 50 : 300;
  const result = {
    engine: summary(await engineLatency(0, samples)),
    engine_under_3_floods: summary(await engineLatency(3, samples)),
    mcp_stdio_interact: summary(await mcpLatency(QUICK ? 30 : 100)),
    tmux_send_keys_capture: hasTmux ? summary(tmuxLatency(QUICK ? 30 : 100)) : null,
  };
  console.error(`latency: ${JSON.stringify(result)}`);
  return result;
}

// ---- memory ----------------------------------------------------------------------------------

function rssOf(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
}

async function memory() {
  const counts = QUICK ? [1, 10] : [1, 10, 50, 100];
  const rows = [];
  for (const count of counts) {
    const { client, transport } = await mcpClient();
    const pid = transport.pid!;
    // xterm and node-pty load with the first job: one job that has come and gone leaves the
    // baseline with its code loaded, so per-job figures count only what each job adds.
    await client.callTool({ name: 'execute', arguments: { command: 'true', wait: { exit: true } } });
    await sleep(300);
    const before = rssOf(pid);
    for (let i = 0; i < count; i++) await client.callTool({ name: 'execute', arguments: { command: "env PS1='$ ' bash --norc -i" } });
    const last = (await client.callTool({ name: 'list', arguments: {} })) as unknown as { structuredContent: { jobs: { job_id: string }[] } };
    await client.callTool({ name: 'wait', arguments: { job_id: last.structuredContent.jobs[0].job_id, input: true, timeout_ms: 30_000 } });
    await sleep(500);
    const after = rssOf(pid);
    // Shutdown: stdin closes, every job is ended, the server exits.
    const closing = now();
    await client.close();
    while (existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z')) await sleep(5);
    const shutdownMs = now() - closing;
    rows.push({ jobs: count, server_rss_mb: +(after / 2 ** 20).toFixed(1), per_job_mb: +((after - before) / count / 2 ** 20).toFixed(2), shutdown_ms: Math.round(shutdownMs) });
  }
  // Peak RSS while 3 jobs flood output.
  const { client, transport } = await mcpClient();
  for (let i = 0; i < 3; i++) await client.callTool({ name: 'execute', arguments: { command: 'yes' } });
  let peak = 0;
  const until = Date.now() + (QUICK ? 2000 : 5000);
  while (Date.now() < until) {
    peak = Math.max(peak, rssOf(transport.pid!));
    await sleep(50);
  }
  await client.close();
  // What one more idle job costs once the server is warm: the slope from the fewest to the most jobs.
  const [fewest, most] = [rows[0], rows[rows.length - 1]];
  const marginalPerJobMb = +((most.server_rss_mb - fewest.server_rss_mb) / (most.jobs - fewest.jobs)).toFixed(2);
  const result = { idle_shells: rows, marginal_mb_per_job: marginalPerJobMb, flood_peak_rss_mb: +(peak / 2 ** 20).toFixed(1) };
  console.error(`memory: ${JSON.stringify(result)}`);
  return result;
}

// ---- start-up --------------------------------------------------------------------------------

/** Start-up as ratios to bare node in the same run (scripts/startup-bench.mjs; targets in issue 21). */
async function startup() {
  const output = execFileSync(process.execPath, [join(ROOT, 'scripts', 'startup-bench.mjs'), `--runs=${QUICK ? 3 : 9}`, '--json'], { encoding: 'utf8' });
  const rows = JSON.parse(output) as { name: string; median_ms: number; ratio_to_bare_node: number }[];
  const result = Object.fromEntries(rows.map((row) => [row.name.replace(/^this: /, ''), { ms: row.median_ms, ratio: row.ratio_to_bare_node }]));
  console.error(`startup: ${JSON.stringify(result)}`);
  return result;
}

async function main() {
  const machine = { cpus: cpus().length, cpu_model: cpus()[0]?.model, memory_gb: +(totalmem() / 2 ** 30).toFixed(1), node: process.version, tmux: hasTmux ? execFileSync('tmux', ['-V'], { encoding: 'utf8' }).trim() : null };
  const results = {
    date: new Date().toISOString(),
    machine,
    rounds: ROUNDS,
    throughput: selected('throughput') ? await throughput() : null,
    latency: selected('latency') ? await latency() : null,
    memory: selected('memory') ? await memory() : null,
    startup: selected('startup') ? await startup() : null,
    people: selected('people') ? await peopleBench(QUICK) : null,
    shared: selected('shared') ? await sharedBench(QUICK) : null,
    web: selected('web') ? await webBench(QUICK) : null,
  };
  mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
  // A partial (--only) or short (--quick) run must not overwrite the full report.
  writeFileSync(join(ROOT, 'bench-results', ONLY ? 'partial.json' : QUICK ? 'quick.json' : 'latest.json'), JSON.stringify(results, null, 2));
  console.log(JSON.stringify(results, null, 2));
  spawnSync('tmux', ['-L', TMUX_SOCKET, 'kill-server']);
}

main().catch((error) => {
  console.error(error);
  spawnSync('tmux', ['-L', TMUX_SOCKET, 'kill-server']);
  process.exit(1);
});
