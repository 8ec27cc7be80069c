// MCP over Streamable HTTP with a bearer token, through the SDK's own client transport; the
// limits (session idleness and cap, request receive deadline) through real HTTP to an
// in-process server with lower limits.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect as connectTcp } from 'node:net';
import { test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { serveHttp, type HttpLimits } from '../../src/mcp/http.js';
import { INPUT, withHost } from '../helpers/host.js';
import { freePort } from '../helpers/lsp.js';
import { call, textOf } from '../helpers/mcp.js';
import { CLI, privateSocketDir } from '../helpers/socket.js';
import { waitUntil } from '../helpers/wait.js';

test('--http: tools over Streamable HTTP with the token; 401 without; sessions share jobs, not cursors', async () => {
  const port = await freePort();
  const token = 'test-token-0123456789';
  const server = spawn(process.execPath, [CLI, '--http', String(port)], { env: { PATH: process.env.PATH, HOME: process.env.HOME, SHELL: '/bin/bash', PTYJOBS_HTTP_TOKEN: token, PTYJOBS_SOCKET_DIR: privateSocketDir(), PTYJOBS_KILL_GRACE_MS: '500' } });
  let stderr = '';
  server.stderr.on('data', (chunk) => (stderr += chunk));
  await waitUntil(() => stderr.includes('serving MCP on http://127.0.0.1'), 'the server to listen');
  const url = new URL(`http://127.0.0.1:${port}/mcp`);
  const connect = async (bearer: string) => {
    const client = new Client({ name: 'http-test', version: '0' });
    await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers: { Authorization: `Bearer ${bearer}` } } }));
    return client;
  };
  try {
    await assert.rejects(connect('wrong'), /401|Unauthorized|token/i);
    const unauthorized = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' });
    assert.equal(unauthorized.status, 401);
    const foreign = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, origin: 'http://evil.example', 'content-type': 'application/json' }, body: '{}' });
    assert.equal(foreign.status, 403);
    const unknownSession = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'mcp-session-id': 'nope', 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' });
    assert.equal(unknownSession.status, 404);

    const first = await connect(token);
    assert.equal((await first.listTools()).tools.length, 9);
    const repl = await call(first, 'execute', { command: 'python3 -q', wait: INPUT });
    const id = repl.structuredContent.job.job_id;
    const answer = await call(first, 'interact', { job_id: id, input: '6*7\n', wait: INPUT });
    assert.equal(answer.structuredContent.output, '42\n>>> ');
    const waited = await call(first, 'wait', { job_id: id, idle_ms: 100 });
    assert.equal(waited.structuredContent.output, '');

    const second = await connect(token);
    const listed = await call(second, 'list');
    assert.deepEqual(listed.structuredContent.jobs.map((job: { job_id: string }) => job.job_id), [id]);
    const fromStart = await call(second, 'wait', { job_id: id, idle_ms: 100 });
    assert.match(fromStart.structuredContent.output, /6\*7\n42\n>>> $/, textOf(fromStart));
    await Promise.all([first.close(), second.close()]);
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.on('exit', resolve));
  }
});

const TOKEN = 'test-token-limits';

/** An in-process --http server with these limits; `sessions` counts the sessions it holds open. */
async function withHttp(limits: Partial<HttpLimits>, body: (port: number, sessions: () => number) => Promise<void>): Promise<void> {
  await withHost(async ({ host }) => {
    const port = await freePort();
    let open = 0;
    const onSession = () => {
      open++;
      return () => void open--;
    };
    const server = await serveHttp(host, { host: '127.0.0.1', port, token: TOKEN, version: 'test', onSession, limits });
    try {
      await body(port, () => open);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
}

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

/** Starts a session through raw HTTP; resolves with its id (the response read to its end). */
async function initialize(port: number, authorization = `Bearer ${TOKEN}`): Promise<{ status: number; id: string | null }> {
  const body = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'limits-test', version: '0' } } };
  const response = await fetch(`http://127.0.0.1:${port}/mcp`, { method: 'POST', headers: { ...HEADERS, authorization }, body: JSON.stringify(body) });
  await response.text();
  return { status: response.status, id: response.headers.get('mcp-session-id') };
}

async function listTools(port: number, sessionId: string): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/mcp`, { method: 'POST', headers: { ...HEADERS, authorization: `Bearer ${TOKEN}`, 'mcp-session-id': sessionId }, body: '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' });
  await response.text();
  return response.status;
}

test('--http: the bearer scheme in any case; an idle session is closed and then 404', async () => {
  await withHttp({ sessionIdleMs: 300 }, async (port, sessions) => {
    const ids: string[] = [];
    for (const scheme of ['bearer', 'BEARER', 'Bearer']) {
      const started = await initialize(port, `${scheme} ${TOKEN}`);
      assert.equal(started.status, 200, scheme);
      ids.push(started.id!);
    }
    assert.equal((await initialize(port, `Basic ${TOKEN}`)).status, 401);
    await waitUntil(() => sessions() === 0, 'every idle session to be closed');
    for (const id of ids) assert.equal(await listTools(port, id), 404, 'an expired session is unknown: the client initializes again');
  });
});

test('--http: past the session cap the least recently used idle session is closed; 503 when all are busy', async () => {
  await withHttp({ maxSessions: 3 }, async (port, sessions) => {
    const ids: string[] = [];
    for (let n = 0; n < 3; n++) ids.push((await initialize(port)).id!);
    assert.equal(await listTools(port, ids[0]), 200); // the first is now used more recently than the second
    const fourth = await initialize(port);
    assert.equal(fourth.status, 200);
    assert.equal(sessions(), 3);
    assert.equal(await listTools(port, ids[1]), 404, 'the least recently used one was closed');
    assert.equal(await listTools(port, ids[0]), 200);

    // Every session with an open event stream is busy: a new one has to wait.
    const streams = new AbortController();
    for (const id of [ids[0], ids[2], fourth.id!]) {
      const stream = await fetch(`http://127.0.0.1:${port}/mcp`, { headers: { accept: 'text/event-stream', authorization: `Bearer ${TOKEN}`, 'mcp-session-id': id }, signal: streams.signal });
      assert.equal(stream.status, 200);
    }
    assert.equal((await initialize(port)).status, 503);
    streams.abort();
    await waitUntil(async () => (await initialize(port)).status === 200, 'room once the streams closed');
    assert.equal(sessions(), 3);
  });
});

/** Sends `text` and never finishes the request; resolves with what the server answered once it closed the connection. */
function unfinished(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp(port, '127.0.0.1', () => socket.write(text));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(answer));
  });
}

test('--http: a request whose headers or body never finish gets 408 and its connection is closed', async () => {
  await withHttp({ receiveMs: 500 }, async (port) => {
    const headers = `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\n`;
    const deadline = (answer: Promise<string>) => Promise.race([answer, new Promise<string>((resolve) => setTimeout(() => resolve('still open'), 10_000).unref())]);
    assert.match(await deadline(unfinished(port, `${headers}Content-Length: 100\r\n\r\n{"jsonrpc":`)), /^HTTP\/1\.1 408/);
    assert.match(await deadline(unfinished(port, headers)), /^HTTP\/1\.1 408/);
  });
});
