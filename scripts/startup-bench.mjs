// Start-up, as a client and a person meet it: whole processes (spawn → answer → exit), each
// beside a bare `node -e 0` in the same run, alternating, as ratios. Figures: the stdio server
// (initialize and tools/list answered, then stdin EOF → exit), a --shared front with its daemon
// running, `ptyjobs ls`, `ptyjobs --version`, and the first `execute` after start (spawn →
// its answer, and → exit). With --against=DIR, the same figures for the build in DIR, alternated with this one.
// Usage: node scripts/startup-bench.mjs [--runs=N] [--against=/path/to/other/checkout]
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
} finally {
  builds.forEach(([, root], i) => {
    spawnSync(process.execPath, [join(root, 'dist', 'ptyjobs.mjs'), 'daemon', 'stop'], { env: { ...process.env, PTYJOBS_SOCKET_DIR: dirs[i] } });
    rmSync(dirs[i], { recursive: true, force: true });
  });
}
const bare = median(figures['bare node -e 0']);
for (const [name, values] of Object.entries(figures)) console.log(`${name.padEnd(40)} ${median(values).toFixed(0).padStart(5)} ms  ${(median(values) / bare).toFixed(2)}×`);
