// MCP over Streamable HTTP with a bearer token, through the SDK's own client transport.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { call, textOf, waitUntil } from '../helpers.js';
import { freePort } from '../lsp-client.js';
import { CLI, privateSocketDir } from '../socket-helpers.js';

const INPUT = { input: true, timeout_ms: 15_000 } as const;

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
