// Where a stdio server's start goes: runs the built server under `node --cpu-prof` (initialize,
// tools/list, stdin EOF → exit) and prints its CPU samples by category as a Markdown table.
// Usage: node scripts/startup-profile.mjs [path/to/ptyjobs.mjs]
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'ptyjobs.mjs');
const SAMPLE_INTERVAL_US = 100;
const dir = mkdtempSync(join(tmpdir(), 'ptyjobs-profile-'));
const messages = [
  { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'profile', version: '1' } } },
  { jsonrpc: '2.0', method: 'notifications/initialized' },
  { jsonrpc: '2.0', id: 2, method: 'tools/list' },
];
await new Promise((resolve) => {
  const child = spawn(process.execPath, ['--cpu-prof', '--cpu-prof-interval', String(SAMPLE_INTERVAL_US), '--cpu-prof-dir', dir, cli], { stdio: ['pipe', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
    if (out.includes('"id":2')) child.stdin.end();
  });
  child.on('exit', resolve);
  for (const message of messages) child.stdin.write(`${JSON.stringify(message)}\n`);
});
const profile = JSON.parse(readFileSync(join(dir, readdirSync(dir)[0]), 'utf8'));
rmSync(dir, { recursive: true, force: true });

const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parents = new Map(profile.nodes.flatMap((node) => (node.children ?? []).map((child) => [child, node.id])));
/** What a chunk of the bundle mostly is, by what it defines. */
const chunkKinds = new Map();
const kindOf = (url) => {
  if (!chunkKinds.has(url)) {
    const text = readFileSync(fileURLToPath(url), 'utf8');
    chunkKinds.set(url, /\$ZodType/.test(text) && text.length > 300_000 ? 'zod' : /McpServer|ajv/.test(text) ? 'MCP SDK + ajv' : 'ptyjobs');
  }
  return chunkKinds.get(url);
};
const CATEGORIES = [
  ['idle (waiting on the client, the exit)', (frames) => frames[0].functionName === '(idle)'],
  ['garbage collection', (frames) => frames[0].functionName === '(garbage collector)'],
  ['parsing and compiling JavaScript', (frames) => frames[0].functionName === '(program)' || frames.some((f) => /compileSourceTextModule|compileForInternalLoader/.test(f.functionName))],
  ['tools/list: zod schemas → JSON Schema', (frames) => frames.some((f) => /toJSONSchema|toJsonSchemaCompat/.test(f.functionName)) && frames.some((f) => /_onrequest/.test(f.functionName))],
  ['answering initialize, tools/list (other)', (frames) => frames.some((f) => /_onrequest|beforeServer/.test(f.functionName))],
  ['reading settings', (frames) => frames.some((f) => /^loadConfig$/.test(f.functionName))],
  ['control socket', (frames) => frames.some((f) => /startControlSocket/.test(f.functionName))],
  ['registering tools (zod schemas)', (frames) => frames.some((f) => /^registerTools$|^createServer$/.test(f.functionName))],
];
const totals = new Map();
profile.samples.forEach((id, i) => {
  const frames = [];
  for (let at = id; at !== undefined; at = parents.get(at)) frames.push(nodes.get(at).callFrame);
  let category = CATEGORIES.find(([, matches]) => matches(frames))?.[0];
  if (!category) {
    const ours = frames.find((f) => /\.mjs$/.test(f.url) && f.url.startsWith('file:'));
    category = ours ? `module evaluation and top-level code: ${kindOf(ours.url)}` : 'node: bootstrap, module loader, I/O';
  }
  totals.set(category, (totals.get(category) ?? 0) + profile.timeDeltas[i] / 1000);
});
const rows = [...totals].sort((a, b) => b[1] - a[1]);
console.log('| where | ms |\n|---|---:|');
for (const [category, ms] of rows) console.log(`| ${category} | ${ms.toFixed(1)} |`);
console.log(`| total (spawn → exit, sampled) | ${rows.reduce((sum, [, ms]) => sum + ms, 0).toFixed(1)} |`);
