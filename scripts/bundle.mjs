// Bundles the compiled server (dist/src/main.js) and its JavaScript dependencies into one file,
// dist/ptyjobs.mjs: Node 20 loads the hundreds of small ESM files of the MCP SDK and zod
// slowly (~400 ms to tools/list here, ~200-230 ms bundled). The pty bindings (native) and xterm
// stay outside: they are required when the first job starts, and are the package's only
// runtime dependencies.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

await build({
  entryPoints: [join(root, 'dist', 'src', 'main.js')],
  outfile: join(root, 'dist', 'ptyjobs.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // ws tries its optional native helpers and does without them.
  external: ['node-pty', '@lydell/node-pty', '@xterm/headless', '@xterm/addon-serialize', 'bufferutil', 'utf-8-validate'],
  // CommonJS dependencies bundled into ESM still call require() for Node's own modules.
  banner: { js: "import { createRequire as ptyjobsCreateRequire } from 'node:module'; const require = ptyjobsCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
