// The built server as a client would run it: over stdio, and gone with every job when the
// client leaves or a signal says stop.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { call, textOf } from '../helpers/mcp.js';
import { ROOT, tempDir } from '../helpers/paths.js';
import { isProcessAlive, processesMatching } from '../helpers/processes.js';
import { waitUntil } from '../helpers/wait.js';

const SERVER = join(ROOT, 'dist', 'ptyjobs.mjs');
// Jobs work in a temp dir: `nohup` below writes nohup.out where it runs.
const serverEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/', SHELL: '/bin/bash', PTYJOBS_KILL_GRACE_MS: '1000', PTYJOBS_WORKING_DIR: tempDir() };

/** A client transport over a server process we spawn ourselves, so its exit code is visible. */
class ChildTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  readonly child: ChildProcessWithoutNullStreams;
  readonly exitCode: Promise<number | null>;
  private readonly buffer = new ReadBuffer();

  constructor() {
    this.child = spawn(process.execPath, [SERVER], { env: serverEnv });
    this.child.stderr.resume();
    this.exitCode = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  async start(): Promise<void> {
    this.child.stdout.on('data', (chunk: Buffer) => {
      this.buffer.append(chunk);
      for (let message = this.buffer.readMessage(); message; message = this.buffer.readMessage()) this.onmessage?.(message);
    });
    this.child.on('exit', () => this.onclose?.());
  }

  async send(message: JSONRPCMessage): Promise<void> {
    this.child.stdin.write(serializeMessage(message));
  }

  async close(): Promise<void> {
    this.child.stdin.end();
  }
}

async function connect(): Promise<{ client: Client; transport: ChildTransport; pid: number }> {
  const transport = new ChildTransport();
  const client = new Client({ name: 'e2e', version: '0' });
  await client.connect(transport);
  return { client, transport, pid: transport.child.pid! };
}

test('the bundled server serves the tools over stdio and drives a REPL under the shim', async () => {
  const { client } = await connect();
  try {
    assert.equal(client.getServerVersion()?.version, JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    const { tools } = await client.listTools();
    assert.equal(tools.length, 9);
    const run = await call(client, 'execute', { command: 'python3 -q', wait: { input: true, timeout_ms: 15_000 } });
    // The bundle lives in dist/, not dist/src/jobs/: it must still find the shim.
    assert.equal(readFileSync(`/proc/${run.structuredContent.job.pid}/comm`, 'utf8').trim(), 'ptyjobs-shim');
    const answer = await call(client, 'interact', { job_id: run.structuredContent.job.job_id, input: '6*7\n' });
    assert.match(textOf(answer), /42/);
  } finally {
    await client.close();
  }
});

test('closing stdin ends every job and the server exits 0', async () => {
  const { client, transport, pid: serverPid } = await connect();
  await call(client, 'execute', { command: 'sleep 4801' });
  await call(client, 'execute', { command: "sh -c 'sleep 4802 & sleep 4803'" });
  await call(client, 'execute', { command: "env PS1='$ ' bash --norc -i", wait: { input: true, timeout_ms: 15_000 } });
  await waitUntil(() => processesMatching('sleep 4803').length === 1, 'the jobs to start');
  const closing = Date.now();
  await client.close(); // closes the server's stdin
  assert.equal(await transport.exitCode, 0);
  // The promise is grace + 1 s; bash -i ignores SIGTERM, so the whole grace is used here.
  const shutdownMs = Date.now() - closing;
  console.error(`clean shutdown with an interactive bash: ${shutdownMs} ms (grace ${serverEnv.PTYJOBS_KILL_GRACE_MS} ms)`);
  assert.ok(shutdownMs < Number(serverEnv.PTYJOBS_KILL_GRACE_MS) + 1000 + 2000, `shutdown took ${shutdownMs} ms`);
  assert.equal(isProcessAlive(serverPid), false);
  for (const needle of ['sleep 4801', 'sleep 4802', 'sleep 4803']) assert.deepEqual(processesMatching(needle), [], needle);
});

for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  test(`${signal} ends every job and the server exits 0`, async () => {
    const { client, transport, pid } = await connect();
    const tag = `sleep 49${signal.length}${signal.charCodeAt(3)}`;
    await call(client, 'execute', { command: `${tag} & ${tag}` });
    await waitUntil(() => processesMatching(tag).length === 2, 'the job to start');
    process.kill(pid, signal);
    assert.equal(await transport.exitCode, 0);
    assert.deepEqual(processesMatching(tag), []);
    await client.close();
  });
}

test('a SIGKILLed server takes every job\'s whole tree with it: HUP-ignoring, setsid, nohup, double-forked', async () => {
  const { client, pid } = await connect();
  const commands = ["trap '' HUP; sleep 5061", 'setsid sleep 5062 & sleep 5063', 'nohup sleep 5064', "sh -c '(sleep 5065 &)'; sleep 5066", 'sleep 5067'];
  const sleepers = ['sleep 5061', 'sleep 5062', 'sleep 5063', 'sleep 5064', 'sleep 5065', 'sleep 5066', 'sleep 5067'];
  try {
    for (const command of commands) await call(client, 'execute', { command });
    await waitUntil(() => sleepers.every((sleeper) => processesMatching(sleeper).length === 1), 'the jobs to start');
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    await waitUntil(() => sleepers.every((sleeper) => processesMatching(sleeper).length === 0), 'every process of every job to end', 2000);
    console.error(`server SIGKILL: every job tree gone after ${Date.now() - killedAt} ms`);
  } finally {
    for (const sleeper of sleepers.flatMap((s) => processesMatching(s))) process.kill(sleeper, 'SIGKILL');
    await client.close().catch(() => undefined);
  }
});
