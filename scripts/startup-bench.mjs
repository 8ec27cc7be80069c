// Start-up, as a client and a person meet it: whole processes (spawn → answer → exit), each
// beside a bare `node -e 0` in the same run, alternating, as ratios. Figures: the stdio server
// (initialize and tools/list answered, then stdin EOF → exit), a --shared front with its daemon
// running, `ptyjobs ls`, `ptyjobs --version`, and the first `execute` after start (spawn →
// its answer, and → exit). With --against=DIR, the same figures for the build in DIR, alternated with this one.
// Usage: node scripts/startup-bench.mjs [--runs=N] [--against=/path/to/other/checkout] [--json]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const option = (name, fallback) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const RUNS = Number(option('runs', 9));
const here = join(dirname(fileURLToPath(import.meta.url)), '..');
const builds = [['this', here], ...(option('against') ? [['other', option('against')]] : [])];

const INITIALIZE = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } };
const INITIALIZED = { jsonrpc: '2.0', method: 'notifications/initialized' };
const LIST = { jsonrpc: '2.0', id: 2, method: 'tools/list' };
/** Echoes what it reads in brackets, in raw mode: a reply to each keystroke (as scripts/bench-stats.ts). */
const BRACKET_ECHO = `python3 -c "import os,tty; tty.setraw(0); os.write(1, b'ready\\r\\n'); [os.write(1, b'[' + os.read(0, 4096) + b']') for _ in iter(int, 1)]"`;
const EXECUTE = { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'execute', arguments: { command: 'true' } } };

/** Milliseconds from spawn to exit; stdin ends once the reply with id 2 is out (or at once without messages). */
function once(args, messages, env, onReply = () => {}) {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'ignore'], env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('"id":2') && child.stdin.writable) {
        onReply(performance.now() - started);
        child.stdin.end();
      }
    });
    child.on('exit', () => resolve(performance.now() - started));
    for (const message of messages) child.stdin.write(`${JSON.stringify(message)}\n`);
    if (!messages.length) child.stdin.end();
  });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const figures = {};
const add = (name, ms) => (figures[name] ??= []).push(ms);
/** A long-lived server spoken to in JSON-RPC lines: request() resolves with the result. */
function session(cli, env) {
  const child = spawn(process.execPath, [cli], { stdio: ['pipe', 'pipe', 'ignore'], env: { ...process.env, ...env } });
  const waiting = new Map();
  let pending = '';
  let nextId = 1;
  child.stdout.on('data', (chunk) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop();
    for (const line of lines) {
      const message = JSON.parse(line);
      waiting.get(message.id)?.(message.result);
    }
  });
  const request = (method, params) => new Promise((resolve) => {
    const id = nextId++;
    waiting.set(id, resolve);
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
  });
  return { request, end: () => new Promise((resolve) => (child.on('exit', resolve), child.stdin.end())) };
}

/** The interact round trip once started (keystroke in, its echo out), alternating builds per sample. */
async function interactRoundTrips() {
  const samples = RUNS * 10;
  const sessions = [];
  for (const [i, [name, root]] of builds.entries()) {
    const link = session(join(root, 'dist', 'ptyjobs.mjs'), { PTYJOBS_SOCKET_DIR: dirs[i] });
    await link.request('initialize', INITIALIZE.params);
    const started = await link.request('tools/call', { name: 'execute', arguments: { command: BRACKET_ECHO, wait: { pattern: 'ready', timeout_ms: 10_000 } } });
    sessions.push({ name, link, jobId: started.structuredContent.job.job_id });
  }
  for (let sample = 0; sample < samples; sample++) {
    for (const { name, link, jobId } of sessions) {
      const token = `k${sample}z`;
      const started = performance.now();
      await link.request('tools/call', { name: 'interact', arguments: { job_id: jobId, input: token, wait: { pattern: `${token}\\]`, timeout_ms: 5000 } } });
      add(`${name}: interact round trip`, performance.now() - started);
    }
  }
  await Promise.all(sessions.map(({ link }) => link.end()));
}

const dirs = builds.map(() => mkdtempSync(join(tmpdir(), 'ptyjobs-startup-')));
try {
  builds.forEach(([, root], i) => spawnSync(process.execPath, [join(root, 'dist', 'ptyjobs.mjs'), 'daemon', 'start'], { env: { ...process.env, PTYJOBS_SOCKET_DIR: dirs[i] } }));
  for (let run = 0; run < RUNS; run++) {
    add('bare node -e 0', await once(['-e', '0'], []));
    for (const [i, [name, root]] of builds.entries()) {
      const cli = join(root, 'dist', 'ptyjobs.mjs');
      const env = { PTYJOBS_SOCKET_DIR: dirs[i] };
      add(`${name}: stdio server → tools/list`, await once([cli], [INITIALIZE, INITIALIZED, LIST], env));
      add(`${name}: --shared front → tools/list`, await once([cli, '--shared'], [INITIALIZE, INITIALIZED, LIST], env));
      add(`${name}: ls`, await once([cli, 'ls'], [], env));
      add(`${name}: --version`, await once([cli, '--version'], [], env));
      add(`${name}: spawn → first execute → exit`, await once([cli], [INITIALIZE, INITIALIZED, EXECUTE], env, (ms) => add(`${name}: spawn → first execute answered`, ms)));
    }
  }
  await interactRoundTrips();
} finally {
  builds.forEach(([, root], i) => {
    spawnSync(process.execPath, [join(root, 'dist', 'ptyjobs.mjs'), 'daemon', 'stop'], { env: { ...process.env, PTYJOBS_SOCKET_DIR: dirs[i] } });
    rmSync(dirs[i], { recursive: true, force: true });
  });
}
const bare = median(figures['bare node -e 0']);
const rows = Object.entries(figures).map(([name, values]) => ({ name, median_ms: +median(values).toFixed(1), ratio_to_bare_node: +(median(values) / bare).toFixed(2) }));
if (process.argv.includes('--json')) console.log(JSON.stringify(rows));
else for (const row of rows) console.log(`${row.name.padEnd(40)} ${row.median_ms.toFixed(1).padStart(6)} ms  ${row.name.includes('round trip') ? '' : `${row.ratio_to_bare_node.toFixed(2)}×`}`);
