// Compiles native/shim.c with the system C compiler (the same one node-gyp needs for node-pty):
//   node scripts/build-shim.mjs             → native/build/ptyjobs-shim (install, build)
//   node scripts/build-shim.mjs --prebuilt  → native/prebuilt/<platform>-<arch>/ptyjobs-shim,
//                                             static, shipped in the package (prepack)
// Without a compiler ptyjobs uses the prebuilt one for its platform, else runs without the
// shim (see binding-notes.md). A failed compile never fails an install.
import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'native', 'shim.c');
const prebuilt = process.argv.includes('--prebuilt');
const output = prebuilt ? join(root, 'native', 'prebuilt', `${process.platform}-${process.arch}`, 'ptyjobs-shim') : join(root, 'native', 'build', 'ptyjobs-shim');

function isFresh() {
  try {
    return statSync(output).mtimeMs >= statSync(source).mtimeMs;
  } catch {
    return false;
  }
}

if (process.platform !== 'win32' && (prebuilt || !isFresh())) {
  mkdirSync(dirname(output), { recursive: true });
  const compiler = process.env.CC || 'cc';
  // Static on Linux, so the shipped binary runs on any glibc or musl system of its architecture.
  const linkFlags = prebuilt && process.platform === 'linux' ? ['-static', '-s'] : [];
  const result = spawnSync(compiler, ['-O2', '-Wall', ...linkFlags, '-o', output, source], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`ptyjobs: could not compile ${source} with ${compiler}; jobs will use a prebuilt shim if one fits, else run without (see binding-notes.md).`);
    if (prebuilt) process.exit(1);
  }
}
