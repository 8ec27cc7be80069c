// The floors point one way: terminal ← jobs ← host ← protocol/socket ← {mcp, cli, daemon, web}
// ← main. Every import in src/ (static, dynamic, type-only) is checked against this table, so
// one import that goes the wrong way fails here.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../helpers/paths.js';

const SRC = join(ROOT, 'src');

/** Each floor (a folder of src/, or a root file) and the floors it may import; its own is always allowed. */
const MAY_IMPORT: Record<string, string[]> = {
  util: [],
  errors: [],
  'package-root': [],
  terminal: ['util'],
  jobs: ['terminal', 'util', 'errors', 'package-root'],
  host: ['jobs', 'terminal', 'util', 'errors'],
  protocol: ['host', 'terminal', 'util', 'errors'],
  config: ['jobs', 'terminal', 'util', 'errors'],
  socket: ['protocol', 'host', 'jobs', 'util', 'errors'],
  http: [],
  // The fronts: clients of the host API. None imports another front.
  mcp: ['host', 'protocol', 'http', 'util', 'errors'],
  web: ['socket', 'protocol', 'host', 'http', 'util', 'errors'],
  cli: ['socket', 'protocol', 'host', 'config', 'daemon', 'web', 'terminal', 'util', 'errors'],
  // The daemon is a host of its own and the client that starts it.
  daemon: ['socket', 'protocol', 'host', 'jobs', 'config', 'process', 'util', 'errors'],
  // The process: picks a mode and wires it.
  process: ['util', 'errors'],
  serve: ['mcp', 'daemon', 'socket', 'protocol', 'host', 'jobs', 'config', 'http', 'process', 'util', 'errors'],
  main: ['serve', 'cli', 'config', 'process', 'socket', 'util', 'errors', 'package-root'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** A file's floor: its top folder under src/, or its own name for a file at src/'s root. */
function floorOf(path: string): string {
  const [top, rest] = relative(SRC, path).split('/', 2);
  return rest === undefined ? top.replace(/\.ts$/, '') : top;
}

function importsOf(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  return [...text.matchAll(/(?:^import|^export)[^'"]*?from\s+'(\.[^']+)'|import\('(\.[^']+)'\)/gm)].map((match) => match[1] ?? match[2]);
}

/** What is wrong with `file` importing `specifier`, or null. */
function violation(file: string, specifier: string): string | null {
  const floor = floorOf(file);
  const target = floorOf(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
  if (!(floor in MAY_IMPORT)) return `${relative(SRC, file)} is on no floor: add ${floor} to the table`;
  return target === floor || MAY_IMPORT[floor].includes(target) ? null : `${relative(SRC, file)} → ${specifier} (${floor} may not import ${target})`;
}

test('every import in src/ goes down the floors, and no front imports another', () => {
  const files = sourceFiles(SRC);
  const imports = files.flatMap((file) => importsOf(file).map((specifier) => [file, specifier] as const));
  assert.ok(imports.length > 150, `found only ${imports.length} imports: the scan is broken`);
  assert.deepEqual(imports.map(([file, specifier]) => violation(file, specifier)).filter(Boolean), []);
});

test('the check refuses the imports that went the wrong way before', () => {
  for (const [file, specifier] of [
    ['web/server.ts', '../cli/hosts.js'],
    ['serve.ts', './cli/daemon.js'],
    ['cli/main.ts', '../mcp/format.js'],
    ['cli/daemon.ts', '../jobs/signals.js'],
    ['host/job-host.ts', '../socket/server.js'],
    ['terminal/screen.ts', '../jobs/job.js'],
  ]) assert.ok(violation(join(SRC, file), specifier), `${file} → ${specifier}`);
});
