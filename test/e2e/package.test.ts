// The package as a user gets it: packed, installed into an empty folder with --omit=dev and no
// install scripts (as on a machine without a C toolchain, or an npm that skips scripts), and run
// through its installed binary over stdio.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { call, textOf } from '../helpers/mcp.js';
import { ROOT, tempDir } from '../helpers/paths.js';

/** Packages in an installed tree (folders holding a package.json under node_modules). */
function countPackages(modules: string): number {
  let count = 0;
  for (const entry of readdirSync(modules)) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@')) count += readdirSync(join(modules, entry)).length;
    else count++;
  }
  return count;
}

test('the packed tarball installs lean and runs a job under the shim without building anything', async () => {
  const dir = tempDir('ptyjobs-pack-');
  try {
    const npm = (...args: string[]) => execFileSync('npm', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'error' } });
    // The build and the prebuilt shim are up to date (npm test built them): pack without scripts.
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-shim.mjs'), '--prebuilt'], { stdio: 'ignore' });
    const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' })) as { filename: string; size: number; files: { path: string }[] }[];
    const shipped = packed.files.map((file) => file.path).sort();
    const chunks = shipped.filter((path) => path.startsWith('dist/chunks/'));
    assert.ok(chunks.length > 0 && chunks.every((path) => path.endsWith('.mjs')), 'the bundle\'s chunks, nothing else of dist');
    assert.deepEqual(shipped.filter((path) => !chunks.includes(path)), ['LICENSE', 'README.md', 'binding-notes.md', 'dist/ptyjobs.mjs', `native/prebuilt/${process.platform}-${process.arch}/ptyjobs-shim`, 'native/shim.c', 'package.json', 'scripts/build-shim.mjs']);
    console.error(`tarball: ${(packed.size / 1024).toFixed(0)} KB, ${shipped.length} files (${chunks.length} bundle chunks)`);

    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    npm('install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', join(dir, packed.filename));
    const packages = countPackages(join(dir, 'node_modules'));
    console.error(`installed tree: ${packages} packages`);
    assert.ok(packages <= 8, `${packages} packages installed`);

    const stderr: string[] = [];
    const transport = new StdioClientTransport({ command: join(dir, 'node_modules', '.bin', 'ptyjobs'), env: { PATH: process.env.PATH ?? '', HOME: dir, SHELL: '/bin/bash' }, stderr: 'pipe', cwd: dir });
    transport.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
    const client = new Client({ name: 'package-test', version: '0' });
    await client.connect(transport);
    try {
      const run = await call(client, 'execute', { command: 'sleep 0.2; echo installed-ok; exit 3', wait: { exit: true, timeout_ms: 15_000 } });
      assert.equal(run.structuredContent.output, 'installed-ok\n');
      assert.deepEqual([run.structuredContent.job.status, run.structuredContent.job.exit_code], ['failed', 3]);
      const shim = await call(client, 'execute', { command: 'cat /proc/$PPID/comm', wait: { exit: true, timeout_ms: 15_000 } });
      assert.equal(shim.structuredContent.output, 'ptyjobs-shim\n', 'the prebuilt shim runs the job');
    } finally {
      await client.close();
    }
    // node-pty was not built (no scripts ran): the prebuilt binding stood in, and said so.
    assert.match(stderr.join(''), /using the prebuilt @lydell\/node-pty/);
    assert.ok(statSync(join(dir, 'node_modules', 'ptyjobs', 'dist', 'ptyjobs.mjs')).size > 0);
    assert.equal(JSON.parse(readFileSync(join(dir, 'node_modules', 'ptyjobs', 'package.json'), 'utf8')).license, 'MIT');

    // With no binding at all, execute says in one line what to run, and the server keeps serving.
    rmSync(join(dir, 'node_modules', 'node-pty'), { recursive: true });
    rmSync(join(dir, 'node_modules', '@lydell', `node-pty-${process.platform}-${process.arch}`), { recursive: true });
    const bare = new Client({ name: 'package-test', version: '0' });
    await bare.connect(new StdioClientTransport({ command: join(dir, 'node_modules', '.bin', 'ptyjobs'), env: { PATH: process.env.PATH ?? '', HOME: dir, SHELL: '/bin/bash' }, stderr: 'ignore', cwd: dir }));
    try {
      const failed = await call(bare, 'execute', { command: 'true' });
      assert.equal(failed.isError, true);
      const message = textOf(failed);
      assert.match(message, /no pty binding loads.*npm rebuild node-pty/);
      assert.ok(!message.includes('\n') && !message.includes('Require stack'), message);
      assert.equal((await call(bare, 'list')).isError, undefined);
    } finally {
      await bare.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
