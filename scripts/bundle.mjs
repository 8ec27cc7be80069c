// Bundles the compiled server (dist/src/main.js) and its JavaScript dependencies into
// dist/ptyjobs.mjs: Node 20 loads the hundreds of small ESM files of the MCP SDK and zod
// slowly (~400 ms to tools/list here, ~200-230 ms bundled). What only some modes use (the CLI,
// the web view, HTTP, the daemon) is split into dist/chunks/, loaded by main.ts with import()
// when that mode runs, so an MCP server on stdio does not parse it. The pty bindings (native)
// and xterm stay outside: they are required when the first job starts.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
rmSync(join(root, 'dist', 'chunks'), { recursive: true, force: true }); // chunk names change with their content

await build({
  entryPoints: { ptyjobs: join(root, 'dist', 'src', 'main.js') },
  outdir: join(root, 'dist'),
  outExtension: { '.js': '.mjs' },
  splitting: true,
  // Less to read and parse at every start; names stay, so stack traces stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
  chunkNames: 'chunks/[name]-[hash]',
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

// The stdio front's first answers, from the bundle just built (see record-answers.mjs).
await (await import('./record-answers.mjs')).recordAnswers();
