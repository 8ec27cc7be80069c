// The server's start and end as a process: the stdio front's first answers (recorded at build
// time) are the SDK's own; a broken stderr or an uncaught error still ends every job and the
// process; the HTTP variables stay out of jobs and the daemon; the daemon's argv is built from
// the settings.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, readFileSync, readlinkSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ANSWERS_FILE } from '../../src/process/stdio-front.js';
import { freePort } from '../helpers/lsp.js';
import { call, textOf } from '../helpers/mcp.js';
import { ROOT, tempDir } from '../helpers/paths.js';
import { isProcessAlive, processesMatching } from '../helpers/processes.js';
import { CLI, privateSocketDir, runCli } from '../helpers/socket.js';
import { waitUntil } from '../helpers/wait.js';

const BASE_ENV = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/', SHELL: '/bin/bash', PTYJOBS_KILL_GRACE_MS: '500', PTYJOBS_SOCKET: 'off' };
const INITIALIZE = { method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'startup-test', version: '3' } } };

/** What the build recorded for the stdio front to answer. */
async function recordedAnswers(): Promise<any> {
  return (await import(pathToFileURL(join(ROOT, ANSWERS_FILE)).href)).default;
}

/** A server spoken to in raw JSON-RPC lines, to see exactly what it answers and when. */
class RawServer {
  readonly child: ChildProcess;
  readonly replies = new Map<number, { result?: any; error?: any }>();
  readonly exited: Promise<number | null>;
  stderr = '';
  private pending = '';
  private nextId = 1;

  constructor(env: Record<string, string> = {}, options: { script?: string; args?: string[]; stderr?: 'pipe' | 'closed' } = {}) {
    this.child = spawn(process.execPath, [options.script ?? CLI, ...(options.args ?? [])], { env: { ...BASE_ENV, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    if (options.stderr === 'closed') this.child.stderr!.destroy(); // the server's next write to stderr fails with EPIPE
    else this.child.stderr!.on('data', (chunk) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
    this.child.stdout!.on('data', (chunk: Buffer) => {
      this.pending += chunk;
      const lines = this.pending.split('\n');
      this.pending = lines.pop()!;
      for (const line of lines) {
        const message = JSON.parse(line);
        if (message.id !== undefined) this.replies.set(message.id, message);
      }
    });
  }

  /** Sends a request (or, without an id, a notification); returns its id. */
  send(message: { method: string; params?: unknown }, notification = false): number {
    const id = this.nextId++;
    this.child.stdin!.write(`${JSON.stringify({ jsonrpc: '2.0', ...(!notification && { id }), ...message })}\n`);
    return id;
  }

  async request(message: { method: string; params?: unknown }): Promise<any> {
    const id = this.send(message);
    const reply = (await waitUntil(() => this.replies.get(id), `the reply to ${message.method}`, 20_000))!;
    if (reply.error) throw new Error(JSON.stringify(reply.error));
    return reply.result;
  }

  async end(): Promise<number | null> {
    this.child.stdin!.end();
    return this.exited;
  }
}

test('the first answers, given before the SDK loads, are the ones the SDK gives', async () => {
  const server = new RawServer();
  try {
    const fastInitialize = await server.request(INITIALIZE);
    server.send({ method: 'notifications/initialized' }, true);
    const fastList = await server.request({ method: 'tools/list' });
    // Served by the SDK, once the server proper runs: the same questions again.
    await server.request({ method: 'tools/call', params: { name: 'list', arguments: {} } });
    assert.deepEqual(await server.request(INITIALIZE), fastInitialize);
    assert.deepEqual(await server.request({ method: 'tools/list' }), fastList);
    const recorded = await recordedAnswers();
    assert.deepEqual(fastList, recorded.toolsList, 'the recorded list is what the SDK lists');
    // A protocol version the SDK does not know gets the one it offers, as from the SDK.
    const other = new RawServer();
    try {
      const offered = await other.request({ ...INITIALIZE, params: { ...INITIALIZE.params, protocolVersion: '1999-01-01' } });
      assert.equal(offered.protocolVersion, recorded.protocolVersions[0]);
    } finally {
      await other.end();
    }
  } finally {
    assert.equal(await server.end(), 0);
  }
});

test('requests sent before the server proper loads are answered in order, and label the jobs with the client', async () => {
  const server = new RawServer();
  try {
    server.send(INITIALIZE);
    server.send({ method: 'notifications/initialized' }, true);
    const started = server.send({ method: 'tools/call', params: { name: 'execute', arguments: { command: 'echo one' } } });
    const listed = server.send({ method: 'tools/call', params: { name: 'list', arguments: {} } });
    const list = (await waitUntil(() => server.replies.get(listed), 'the list'))!;
    assert.ok(server.replies.get(started), 'execute answered before list');
    const jobs = list.result.structuredContent.jobs;
    assert.deepEqual(jobs.map((job: { command: string; client: string }) => [job.command, job.client]), [['echo one', 'startup-test 3']]);
  } finally {
    assert.equal(await server.end(), 0);
  }
});

test('a corrupted or another version\'s answers file is not used: the SDK answers', async () => {
  // A copy of the package whose recorded answers are broken (the shared dist stays as built).
  const root = tempDir('ptyjobs-startup-');
  try {
    cpSync(join(ROOT, 'dist', 'ptyjobs.mjs'), join(root, 'dist', 'ptyjobs.mjs'));
    cpSync(join(ROOT, 'dist', 'chunks'), join(root, 'dist', 'chunks'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(root, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
    const real = await recordedAnswers();
    for (const broken of ['export default {"version":', `export default ${JSON.stringify({ ...real, version: '0.0.0-other', toolsList: { tools: [] } })}`]) {
      writeFileSync(join(root, ANSWERS_FILE), broken);
      const server = new RawServer({}, { script: join(root, 'dist', 'ptyjobs.mjs') });
      try {
        await server.request(INITIALIZE);
        assert.deepEqual(await server.request({ method: 'tools/list' }), real.toolsList);
      } finally {
        assert.equal(await server.end(), 0);
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('with its stderr gone, the server still ends a running job\'s whole tree when stdin closes, and exits', async () => {
  const server = new RawServer({}, { stderr: 'closed' });
  try {
    await server.request(INITIALIZE);
    await server.request({ method: 'tools/call', params: { name: 'execute', arguments: { command: 'sleep 3171 & sleep 3172; wait' } } });
    const tree = (await waitUntil(() => {
      const pids = [...processesMatching('sleep 3171'), ...processesMatching('sleep 3172')];
      return pids.length === 2 ? pids : null;
    }, 'the job\'s two sleeps'))!;
    assert.equal(await server.end(), 0);
    await waitUntil(() => tree.every((pid) => !isProcessAlive(pid)), 'every process of the job to end');
  } finally {
    server.child.kill('SIGKILL');
  }
});

test('an uncaught error is logged once; every stop step runs; the process exits 70', async () => {
  const lifecycle = join(ROOT, 'dist', 'src', 'process', 'lifecycle.js');
  const script = `import { manageLifecycle } from ${JSON.stringify(lifecycle)};
    const life = manageLifecycle({ stdio: false, killGraceMs: 100 });
    life.onStop((why) => console.log('stop step: ' + why));
    setTimeout(() => { throw new Error('boom'); }, 10);
    setTimeout(() => { throw new Error('second'); }, 10);
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script]);
  let [stdout, stderr] = ['', ''];
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const code = await new Promise((resolve) => child.on('exit', resolve));
  assert.equal(code, 70);
  assert.equal(stdout, 'stop step: internal error\n');
  assert.equal(stderr.match(/internal error/g)?.length, 1, stderr);
  assert.match(stderr, /Error: boom/);
});

test('a job does not see PTYJOBS_HTTP_TOKEN, PTYJOBS_HTTP or PTYJOBS_HTTP_ALLOW_REMOTE', async () => {
  const server = new RawServer({ PTYJOBS_HTTP_TOKEN: 'sekrit-token', PTYJOBS_HTTP_ALLOW_REMOTE: '0', PTYJOBS_SCROLLBACK: '99' });
  try {
    await server.request(INITIALIZE);
    const run = await server.request({ method: 'tools/call', params: { name: 'execute', arguments: { command: 'env', wait: { exit: true, timeout_ms: 10_000 } } } });
    const output = textOf(run);
    assert.match(output, /PTYJOBS_SCROLLBACK=99/);
    assert.doesNotMatch(output, /sekrit|PTYJOBS_HTTP/);
  } finally {
    await server.end();
  }
});

/** The shared daemon of this socket dir: its pid (it runs with the dir as its working dir). */
function daemonOf(dir: string): number | undefined {
  return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).map(Number).find((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('daemon\0serve') && readlinkSync(`/proc/${pid}/cwd`) === dir;
    } catch {
      return false;
    }
  });
}

async function startHttp(args: string[], env: Record<string, string>): Promise<{ server: ChildProcess; stderr: () => string; stop: () => Promise<number | null> }> {
  const server = spawn(process.execPath, [CLI, ...args], { env: { ...BASE_ENV, ...env } });
  let stderr = '';
  server.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => server.on('exit', resolve));
  await waitUntil(() => stderr.includes('serving MCP on http://') || server.exitCode !== null, 'the HTTP server to listen');
  return { server, stderr: () => stderr, stop: async () => (server.kill('SIGTERM'), exited) };
}

test('--shared --http PORT --http-token T starts a daemon whose argv holds the host settings and no HTTP flag, port or token; no secret reaches it or its jobs', async () => {
  const dir = privateSocketDir();
  const port = await freePort();
  const { stderr, stop } = await startHttp(['--shared', '--http', String(port), '--http-token', 'flag-token-123', '--max-jobs', '7'], {
    PTYJOBS_SOCKET_DIR: dir, PTYJOBS_HTTP_TOKEN: 'env-token-456',
  });
  const client = new Client({ name: 'http-test', version: '0' });
  try {
    await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`), { requestInit: { headers: { Authorization: 'Bearer flag-token-123' } } }));
    const run = await call(client, 'execute', { command: 'env', wait: { exit: true, timeout_ms: 10_000 } });
    assert.doesNotMatch(textOf(run), /token-|PTYJOBS_HTTP/, stderr());
    const daemon = await waitUntil(() => daemonOf(dir), 'the daemon');
    const argv = readFileSync(`/proc/${daemon}/cmdline`, 'utf8').split('\0').slice(1, -1);
    assert.deepEqual(argv, [CLI, 'daemon', 'serve', '--socket-dir', dir, '--max-jobs', '7']);
    assert.doesNotMatch(readFileSync(`/proc/${daemon}/environ`, 'utf8'), /token-|PTYJOBS_HTTP/);
  } finally {
    await client.close();
    await stop();
    await runCli(dir, ['daemon', 'stop']);
    rmSync(dirname(dir), { recursive: true, force: true });
  }
});

test('--http without a token writes http-token-PORT (0600) and removes it when it stops', async () => {
  const dir = privateSocketDir();
  const port = await freePort();
  const { stop } = await startHttp(['--http', String(port)], { PTYJOBS_SOCKET_DIR: dir });
  const file = join(dir, `http-token-${port}`);
  try {
    assert.equal(readFileSync(file, 'utf8').trim().length > 20, true);
  } finally {
    assert.equal(await stop(), 0);
  }
  assert.equal(existsSync(file), false);
  rmSync(dirname(dir), { recursive: true, force: true });
});
