// Records the built server's own answers to `initialize` and `tools/list` into
// dist/chunks/mcp-answers.mjs, which the stdio front (src/process/stdio-front.ts) gives at
// start-up before the MCP SDK is loaded. Run by bundle.mjs on the fresh bundle, whose front
// has no recorded answers yet, so the SDK answers here: nothing is written by hand.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ANSWERS = join(root, 'dist', 'chunks', 'mcp-answers.mjs');
const RECORD_TIMEOUT_MS = 30_000;
/** A version no SDK knows: the server answers with the one it offers by default. */
const UNKNOWN_PROTOCOL = 'ptyjobs-record';

/** The server's replies to `requests`, by id, and its stderr. */
function askServer(requests) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'dist', 'ptyjobs.mjs')], {
      cwd: root,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH, HOME: process.env.HOME, SHELL: '/bin/sh', PTYJOBS_SOCKET: 'off' },
    });
    let stderr = ''; // shown only if the recording fails
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => { child.kill(); reject(new Error(`the built server did not answer: ${stderr}`)); }, RECORD_TIMEOUT_MS);
    const replies = new Map();
    let pending = '';
    child.stdout.on('data', (chunk) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop();
      for (const line of lines) {
        const message = JSON.parse(line);
        if (message.id !== undefined) replies.set(message.id, message);
      }
      if (requests.every((request) => request.id === undefined || replies.has(request.id))) child.stdin.end();
    });
    child.on('exit', () => { clearTimeout(timer); resolve({ replies, stderr }); });
    for (const request of requests) child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...request })}\n`);
  });
}

const INITIALIZE = (protocolVersion) => ({ id: 1, method: 'initialize', params: { protocolVersion, capabilities: {}, clientInfo: { name: 'record', version: '0' } } });

export async function recordAnswers() {
  const { replies, stderr } = await askServer([INITIALIZE(UNKNOWN_PROTOCOL), { method: 'notifications/initialized' }, { id: 2, method: 'tools/list' }]);
  const [initialize, toolsList] = [replies.get(1), replies.get(2)];
  if (!initialize?.result || !toolsList?.result) throw new Error(`the built server answered ${JSON.stringify([initialize, toolsList])}: ${stderr}`);
  const offered = initialize.result.protocolVersion;
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const { protocolVersion: _, ...rest } = initialize.result;
  const answers = {
    version,
    protocolVersions: [offered, ...SUPPORTED_PROTOCOL_VERSIONS.filter((known) => known !== offered)],
    initialize: rest,
    toolsList: toolsList.result,
  };
  // JSON.parse of a string literal: V8 reads it faster than the same object as a literal.
  writeFileSync(ANSWERS, `export default JSON.parse(${JSON.stringify(JSON.stringify(answers))});\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await recordAnswers();
