// Compiles native/shim.c into native/build/ptyjobs-shim with the system C compiler (the same
// one node-gyp needs for node-pty). Without it ptyjobs still runs, without the fixes the shim
// brings: see binding-notes.md.
import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'native', 'shim.c');
const output = join(root, 'native', 'build', 'ptyjobs-shim');

function isFresh() {
  try {
    return statSync(output).mtimeMs >= statSync(source).mtimeMs;
  } catch {
    return false;
  }
}

if (process.platform === 'win32') process.exit(0);
if (!isFresh()) {
  mkdirSync(dirname(output), { recursive: true });
  const compiler = process.env.CC || 'cc';
  const result = spawnSync(compiler, ['-O2', '-Wall', '-o', output, source], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`ptyjobs: could not compile ${source} with ${compiler}; jobs will run without the shim (see binding-notes.md).`);
  }
}
