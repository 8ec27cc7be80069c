// Language servers and dev servers behind ptyjobs: ready the moment they listen, reachable
// over TCP, and gone with their port when killed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { freePort, isListening, lspInitialize } from '../helpers/lsp.js';
import { call, connectClient, textOf } from '../helpers/mcp.js';
import { processesNamed } from '../helpers/processes.js';
import { waitUntil } from '../helpers/wait.js';

let client: Client;
let close: () => Promise<void>;

before(async () => {
  ({ client, close } = await connectClient());
});
after(async () => close());

// These tests run one at a time and no other test file starts socat or pylsp, so any such
// process alive after a kill is one the kill missed.

test('pylsp over TCP: ready by port, two initialize round trips, closed by kill', async () => {
  const port = await freePort();
  const run = await call(client, 'execute', { command: `pylsp --tcp --host 127.0.0.1 --port ${port}`, wait: { port, timeout_ms: 30_000 } });
  assert.equal(run.structuredContent.reason, 'port', textOf(run));
  assert.equal(run.structuredContent.port, port);
  const id = run.structuredContent.job.job_id;
  const status = await call(client, 'status', { job_id: id });
  assert.deepEqual(status.structuredContent.ports, [port]);
  assert.match(textOf(status), new RegExp(`listening on ${port}`));

  for (let i = 0; i < 2; i++) {
    const response = await lspInitialize(port);
    assert.equal(response.id, 1);
    assert.ok(response.result?.capabilities, 'result.capabilities present');
  }
  assert.equal(processesNamed('pylsp').length, 1);
  const killed = await call(client, 'kill', { job_id: id });
  assert.equal(killed.structuredContent.result, 'killed');
  assert.equal(await isListening(port), false);
  assert.deepEqual(processesNamed('pylsp'), []);
});

test('a stdio server behind socat with pty,rawer: two concurrent connections', async () => {
  const port = await freePort();
  const command = `socat TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork EXEC:'pylsp',pty,rawer`;
  const run = await call(client, 'execute', { command, wait: { port: true, timeout_ms: 15_000 } });
  assert.equal(run.structuredContent.reason, 'port');
  // Both connections are held open together, so socat's fork serves them with two pylsp.
  const [first, second] = await Promise.all([lspInitialize(port), lspInitialize(port)]);
  assert.ok(first.result?.capabilities && second.result?.capabilities);
  await call(client, 'kill', { job_id: run.structuredContent.job.job_id });
  assert.equal(await isListening(port), false);
  assert.deepEqual(processesNamed('socat'), []);
  assert.deepEqual(processesNamed('pylsp'), []);
});

test('the widely copied pty,stderr recipe breaks the protocol (the README warning holds)', async () => {
  const port = await freePort();
  const command = `socat TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork EXEC:'pylsp',pty,stderr`;
  const run = await call(client, 'execute', { command, wait: { port, timeout_ms: 15_000 } });
  await assert.rejects(lspInitialize(port, 4000), /no LSP response|unparsable/);
  await call(client, 'kill', { job_id: run.structuredContent.job.job_id });
  assert.deepEqual(processesNamed('pylsp'), []);
});

test('a dev server waited on by port, and a port already taken', async () => {
  const port = await freePort();
  const server = await call(client, 'execute', { command: `python3 -m http.server ${port} --bind 127.0.0.1`, wait: { port, timeout_ms: 15_000 } });
  assert.equal(server.structuredContent.reason, 'port');
  const clash = await call(client, 'execute', { command: `pylsp --tcp --host 127.0.0.1 --port ${port}`, wait: { exit: true, timeout_ms: 30_000 } });
  assert.equal(clash.structuredContent.job.status, 'failed');
  const tail = await call(client, 'tail', { job_id: clash.structuredContent.job.job_id });
  assert.match(textOf(tail), /Address already in use/);
  await call(client, 'kill', { job_id: server.structuredContent.job.job_id });
  await waitUntil(async () => !(await isListening(port)), 'the port to close');
});
