// The control socket as a hostile or careless peer sees it: only the method table's names,
// answers after a half-close, bounded memory for a client that never reads, a deadline for
// connections that never finish a frame.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { hostMessageSchema } from '../../src/protocol/messages.js';
import { startSocketHost } from '../helpers/socket.js';
import { waitUntil } from '../helpers/wait.js';

const HELLO = `${JSON.stringify({ type: 'hello', protocol: 2, version: 'test', client: { name: 'raw', version: '0' } })}\n`;

/** A raw connection that has said hello; collects every frame the host sends. */
async function rawPeer(path: string): Promise<{ socket: Socket; frames: Record<string, unknown>[]; closed: Promise<void> }> {
  const socket = connect(path);
  const frames: Record<string, unknown>[] = [];
  let buffer = '';
  socket.on('data', (chunk) => {
    buffer += chunk;
    for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
      const frame = JSON.parse(buffer.slice(0, newline));
      // Every message the host sends is one the protocol's schema describes.
      hostMessageSchema.parse(frame);
      frames.push(frame);
      buffer = buffer.slice(newline + 1);
    }
  });
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.write(HELLO);
  await waitUntil(() => frames.some((frame) => frame.type === 'hello'), 'the host hello');
  return { socket, frames, closed };
}

const request = (id: number, method: string, params: Record<string, unknown> = {}) => `${JSON.stringify({ type: 'request', id, method, params })}\n`;

test('method names are looked up in the table only: prototype names and the daemon\'s on a plain host are unknown_method', async () => {
  const socketHost = await startSocketHost();
  try {
    const peer = await rawPeer(socketHost.control.path);
    const names = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'daemon.status', 'jobs', 'info'];
    names.forEach((name, i) => peer.socket.write(request(i + 1, name)));
    peer.socket.write(request(99, 'host.info'));
    await waitUntil(() => peer.frames.filter((frame) => frame.id !== undefined).length === names.length + 1, 'every answer');
    for (let i = 1; i <= names.length; i++) {
      const answer = peer.frames.find((frame) => frame.id === i)!;
      assert.deepEqual([answer.type, answer.code], ['error', 'unknown_method'], names[i - 1]);
    }
    assert.equal((peer.frames.find((frame) => frame.id === 99)!.result as { kind: string }).kind, 'embedded');
    peer.socket.destroy();
  } finally {
    await socketHost.close();
  }
});

test('a client that ends its side after its requests still gets every answer', async () => {
  const socketHost = await startSocketHost();
  try {
    const { host, session } = socketHost;
    const job = await host.execute(session, { command: 'sleep 30' });
    const peer = await rawPeer(socketHost.control.path);
    peer.socket.write(request(1, 'wait', { job_id: job.job.job_id, idle_ms: 500 }));
    peer.socket.write(request(2, 'host.info'));
    peer.socket.end();
    await peer.closed;
    assert.deepEqual(peer.frames.filter((frame) => frame.type === 'result').map((frame) => frame.id).sort(), [1, 2]);
    assert.equal((peer.frames.find((frame) => frame.id === 1)!.result as { reason: string }).reason, 'idle');
  } finally {
    await socketHost.close();
  }
});

test('a client that never reads its replies does not grow the host without bound', async () => {
  const socketHost = await startSocketHost();
  try {
    const { host, session } = socketHost;
    const job = await host.execute(session, { command: 'head -c 300000 /dev/urandom | base64', wait: { exit: true, timeout_ms: 20_000 } });
    const socket = connect(socketHost.control.path);
    socket.pause(); // never reads
    socket.write(HELLO);
    const before = process.memoryUsage().rss;
    const burst = request(0, 'output', { job_id: job.job.job_id, max_bytes: 262144 });
    for (let i = 0; i < 2000; i++) socket.write(burst.replace('"id":0', `"id":${i + 1}`));
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const grown = (process.memoryUsage().rss - before) / 1024 / 1024;
    // Unbounded, 2,000 answers of 256 KB would be over 500 MB.
    assert.ok(grown < 200, `the host grew by ${grown.toFixed(0)} MB`);
    socket.destroy();
  } finally {
    await socketHost.close();
  }
});

test('a connection that never says hello, or never finishes a frame, is dropped after the deadline', async () => {
  const socketHost = await startSocketHost(undefined, {}, 300);
  try {
    const silent = connect(socketHost.control.path);
    const silentClosed = new Promise<void>((resolve) => silent.on('close', () => resolve()));
    const peer = await rawPeer(socketHost.control.path);
    peer.socket.write('{"type":"request","id":1,"method":"list"'); // never finished
    await Promise.all([silentClosed, peer.closed]);
    await waitUntil(() => socketHost.control.clientCount === 0, 'the host to drop both');
  } finally {
    await socketHost.close();
  }
});

test('with the most requests a connection may run at once, a cancel still gets through, and a request still queued is dropped', async () => {
  const socketHost = await startSocketHost();
  try {
    const { host, session } = socketHost;
    const job = await host.execute(session, { command: 'sleep 30' });
    const peer = await rawPeer(socketHost.control.path);
    const wait = (id: number) => request(id, 'wait', { job_id: job.job.job_id, pattern: 'never', timeout_ms: 20_000 });
    for (let id = 1; id <= 16; id++) peer.socket.write(wait(id)); // the most that run at once
    peer.socket.write(wait(17)); // queued behind them
    peer.socket.write(`${JSON.stringify({ type: 'cancel', id: 3 })}\n`);
    peer.socket.write(`${JSON.stringify({ type: 'cancel', id: 17 })}\n`);
    const answer = (id: number) => peer.frames.find((frame) => frame.id === id && (frame.type === 'result' || frame.type === 'error'));
    await waitUntil(() => answer(3) && answer(17), 'both cancels answered', 5000);
    assert.equal((answer(3)!.result as { reason: string }).reason, 'cancelled');
    assert.deepEqual([answer(17)!.type, answer(17)!.code], ['error', 'cancelled']);
    peer.socket.destroy();
  } finally {
    await socketHost.close();
  }
});
