// People at the terminal: ptyjobs ls / attach / watch / tail / kill against real job hosts over
// real sockets, with node-pty as the person's terminal.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { HostConnection } from '../../src/socket/client.js';
import { call } from '../helpers/mcp.js';
import { tempDir } from '../helpers/paths.js';
import { PersonTerminal } from '../helpers/person.js';
import { CLI, privateSocketDir, runCli, startSocketHost } from '../helpers/socket.js';
import { waitUntil } from '../helpers/wait.js';
import { INPUT } from '../helpers/host.js';

/** An MCP server process (stdio) with its control socket in `dir`. */
async function serverProcess(dir: string, name: string): Promise<{ client: Client; pid: number; stderr: () => string }> {
  let stderr = '';
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI], env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/', SHELL: '/bin/bash', PTYJOBS_SOCKET_DIR: dir, PTYJOBS_KILL_GRACE_MS: '500' }, stderr: 'pipe' });
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name, version: '7' });
  await client.connect(transport);
  return { client, pid: transport.pid!, stderr: () => stderr };
}

test('ls lists the jobs of every server; a dead server\'s socket is removed; unsafe dirs are refused', async () => {
  const dir = privateSocketDir();
  const a = await serverProcess(dir, 'agent-a');
  const b = await serverProcess(dir, 'agent-b');
  try {
    await call(a.client, 'execute', { command: 'sleep 6101', name: 'first' });
    await call(b.client, 'execute', { command: 'sleep 6102' });
    await call(b.client, 'execute', { command: 'sleep 6103' });
    const listed = await runCli(dir, ['ls', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const jobs = JSON.parse(listed.stdout) as { job_id: string; command: string; client: string; host: { pid: number; kind: string; client: string } }[];
    assert.deepEqual(jobs.map((job) => [job.host.pid, job.command]).sort(), [[a.pid, 'sleep 6101'], [b.pid, 'sleep 6102'], [b.pid, 'sleep 6103']].sort());
    assert.ok(jobs.every((job) => job.host.kind === 'embedded'));
    assert.deepEqual(new Set(jobs.map((job) => job.host.client)), new Set(['agent-a 7', 'agent-b 7']));
    const table = await runCli(dir, ['ls']);
    assert.match(table.stdout, new RegExp(`^${a.pid}:j1\\s+first\\s+running\\s+\\d+s\\s+0\\s+agent-a 7\\s+sleep 6101$`, 'm'));

    process.kill(a.pid, 'SIGKILL');
    await waitUntil(() => { try { process.kill(a.pid, 0); return false; } catch { return true; } }, 'server A to die');
    assert.ok(existsSync(join(dir, `${a.pid}.sock`)), 'the killed server left its socket');
    const after = JSON.parse((await runCli(dir, ['ls', '--json'])).stdout) as { host: { pid: number } }[];
    assert.ok(after.every((job) => job.host.pid === b.pid));
    assert.equal(existsSync(join(dir, `${a.pid}.sock`)), false, 'the stale socket was removed');
  } finally {
    await a.client.close().catch(() => undefined);
    await b.client.close();
  }
  // A dir open to others, or owned by someone else: the server runs without a socket and says why.
  for (const spoil of [(d: string) => chmodSync(d, 0o755), (d: string) => chownSync(d, 65534, 65534)]) {
    const unsafe = privateSocketDir();
    spoil(unsafe);
    const server = await serverProcess(unsafe, 'unsafe');
    try {
      await server.client.listTools(); // the server proper (and its socket) loads once the client has listed the tools
      await waitUntil(() => server.stderr().includes('no control socket'), 'the refusal');
      assert.match(server.stderr(), /unsafe (permissions on|socket dir)/);
    } finally {
      await server.client.close(); // a server left running would keep this test file from ending
    }
  }
});

test('attach shows vim\'s screen at once, takes keys, and the file is written', async () => {
  const dir = privateSocketDir();
  const socketHost = await startSocketHost(dir);
  const file = join(tempDir('ptyjobs-attach-'), 'hello.txt');
  writeFileSync(file, 'first line\n');
  const person = new PersonTerminal(dir, ['attach', 'j1'], 120, 40);
  try {
    const { host, session, manager } = socketHost;
    const job = await host.execute(session, { command: `vim -u NONE -N ${file}`, wait: { pattern: '^first line', timeout_ms: 15_000 } });
    await host.wait(session, { job_id: job.job.job_id, idle_ms: 300 }); // vim has drawn all of it
    const jobScreen = (await manager.get(job.job.job_id).snapshot()).lines;
    assert.equal(jobScreen[0], 'first line');
    // The same rows as the job's own screen (a deadline, since the person's terminal draws as bytes come).
    await person.waitForRows((rows) => JSON.stringify(rows) === JSON.stringify(jobScreen), `the person to see the job's screen:\n${jobScreen.join('\n')}`);
    person.type('ihello ');
    person.type('\x1b');
    person.type(':wq\r');
    assert.equal(await person.exited, 0, 'attach ends with the job\'s exit code');
    assert.equal(readFileSync(file, 'utf8'), 'hello first line\n');
    // The last bytes may reach the person's terminal after the exit (as node-pty reports them).
    await waitUntil(async () => (await person.rows(), person.term.buffer.active.type === 'normal'), 'the person\'s terminal to be back on its main screen', 3000);
    assert.ok(person.received.lastIndexOf('\x1b[?25h') > person.received.lastIndexOf('\x1b[?25l'), 'the cursor is shown');
  } finally {
    person.kill();
    await socketHost.close();
  }
});

test('attach takes the person\'s size and gives it back; watch never resizes; Ctrl-\\ detaches with 0', async () => {
  const dir = privateSocketDir();
  const socketHost = await startSocketHost(dir);
  const { host, session } = socketHost;
  try {
    const shell = await host.execute(session, { command: "env PS1='$ ' bash --norc -i", cols: 120, rows: 40, wait: INPUT });
    const id = shell.job.job_id;
    const person = new PersonTerminal(dir, ['attach', id], 100, 30);
    await person.waitForRows((rows) => rows.includes('$'), 'the prompt');
    assert.equal((await host.status(session, { job_id: id })).job.viewers, 1, 'the agent sees a person looking');
    person.type('stty size\r');
    await person.waitForRows((rows) => rows.includes('30 100'), 'the job to have the person\'s size');
    person.type('\x1c');
    assert.equal(await person.exited, 0);
    await waitUntil(async () => (await host.status(session, { job_id: id })).job.viewers === 0, 'viewers to drop to 0');
    // The person's typing moved no cursor of the agent's: its next wait has all of it.
    const since = await host.wait(session, { job_id: id, idle_ms: 200 });
    assert.match(since.output ?? '', /stty size\n30 100\n/);
    const size = await host.interact(session, { job_id: id, input: 'stty size\n', wait: INPUT });
    assert.equal(size.output, '40 120\n$ ', 'the agent\'s size came back');

    const watcher = new PersonTerminal(dir, ['watch', id], 80, 20);
    await watcher.waitForRows((rows) => rows.some((row) => row.includes('40 120')), 'the watcher to see the screen');
    watcher.type('echo typed-by-watcher\r');
    const check = await host.interact(session, { job_id: id, input: 'stty size\n', wait: INPUT });
    assert.equal(check.output, '40 120\n$ ', 'watch neither resized nor typed');
    watcher.type('\x1c');
    assert.equal(await watcher.exited, 0);
  } finally {
    await socketHost.close();
  }
});

test('a program that queries the terminal gets exactly one answer while a person is attached', async () => {
  const dir = privateSocketDir();
  const socketHost = await startSocketHost(dir);
  const { host, session } = socketHost;
  const script = join(tempDir('ptyjobs-query-'), 'query.py');
  writeFileSync(script, [
    'import os, sys, termios, tty, select, time',
    'fd = sys.stdin.fileno(); old = termios.tcgetattr(fd); tty.setraw(fd)',
    'os.write(1, b"\\x1b[6n\\x1b[c")',
    'got = b""; end = time.time() + 1.5',
    'while time.time() < end:',
    '    if select.select([fd], [], [], 0.1)[0]: got += os.read(fd, 1024)',
    'termios.tcsetattr(fd, termios.TCSADRAIN, old)',
    'print("\\r\\nCPR=%d DA=%d" % (got.count(b"R"), got.count(b"c")))',
  ].join('\n'));
  try {
    const shell = await host.execute(session, { command: "env PS1='$ ' bash --norc -i", wait: INPUT });
    const person = new PersonTerminal(dir, ['attach', shell.job.job_id]);
    await person.waitForRows((rows) => rows.includes('$'), 'the prompt');
    person.type(`python3 ${script}\r`);
    const rows = await person.waitForRows((r) => r.some((row) => row.startsWith('CPR=')), 'the answers');
    assert.ok(rows.includes('CPR=1 DA=1'), rows.join('\n'));
    person.type('\x1c');
    assert.equal(await person.exited, 0);
  } finally {
    await socketHost.close();
  }
});

test('a viewer that stops reading does not slow the job or the agent, and is redrawn when it reads again', async () => {
  const dir = privateSocketDir();
  const socketHost = await startSocketHost(dir);
  const { host, session, manager } = socketHost;
  try {
    const flood = await host.execute(session, { command: 'yes' });
    const repl = await host.execute(session, { command: 'python3 -q', wait: INPUT });
    const job = manager.get(flood.job.job_id);
    const rate = async () => {
      const from = job.log.end;
      await new Promise((resolve) => setTimeout(resolve, 500));
      return job.log.end - from;
    };
    const alone = await rate();
    const connection = await HostConnection.connect(socketHost.control.path, { name: 'slow', version: '0' }, 'test');
    let received = '';
    await connection.attach({ job_id: flood.job.job_id, mode: 'watch' }, { data: (bytes) => (received += bytes.toString('latin1')), exit: () => undefined });
    // Stop reading: the host's writes to this viewer pile up in the kernel and then in its buffer.
    connection.pauseReading();
    const started = Date.now();
    const answer = await host.interact(session, { job_id: repl.job.job_id, input: '6*7\n', wait: INPUT });
    assert.equal(answer.output, '42\n>>> ');
    const interactMs = Date.now() - started;
    const blocked = await rate();
    assert.ok(blocked > alone * 0.5, `the flood went on: ${blocked} bytes in 500 ms with the viewer blocked, ${alone} before`);
    assert.ok(interactMs < 2000, `interact took ${interactMs} ms`);
    received = '';
    connection.resumeReading();
    await waitUntil(() => received.includes('\x1b[!p\x1b[H\x1b[2J'), 'a fresh snapshot after catching up');
    connection.close();
  } finally {
    await socketHost.close();
  }
});

test('tail and kill from the CLI; errors in one line with what to do', async () => {
  const dir = privateSocketDir();
  const socketHost = await startSocketHost(dir);
  const { host, session } = socketHost;
  try {
    const job = await host.execute(session, { command: "for i in 1 2 3 4 5; do echo line-$i; done; sleep 6201", wait: { pattern: 'line-5' } });
    const tailed = await runCli(dir, ['tail', '-n', '2', job.job.job_id]);
    assert.deepEqual([tailed.code, tailed.stdout], [0, 'line-4\nline-5\n']);
    const follow = spawn(process.execPath, [CLI, 'tail', '-f', '-n', '1', job.job.job_id], { env: { PATH: process.env.PATH, PTYJOBS_SOCKET_DIR: dir } });
    const followEnded = new Promise((resolve) => follow.on('exit', resolve));
    let followed = '';
    follow.stdout.on('data', (chunk) => (followed += chunk));
    await waitUntil(() => followed === 'line-5\n', 'tail -f to print the last line');
    const killed = await runCli(dir, ['kill', job.job.job_id]);
    assert.equal(killed.code, 0);
    assert.match(killed.stdout, /^\d+:j1 killed \(SIGTERM\)\n$/);
    assert.equal(await followEnded, 0, 'tail -f ends with the job');
    const missing = await runCli(dir, ['tail', 'j99']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^ptyjobs tail: no job j99; run ptyjobs ls to see the jobs\.\n$/);
    const noTerminal = await runCli(dir, ['attach', 'j1']);
    assert.equal(noTerminal.code, 2);
    assert.match(noTerminal.stderr, /^ptyjobs attach: attach needs a terminal on stdin and stdout/);
    const usage = await runCli(dir, ['tail', '-n']);
    assert.deepEqual([usage.code, usage.stderr.split('\n').length], [2, 2]);
    assert.match((await runCli(dir, ['attach', '--help'])).stdout, /Ctrl-\\ detaches/);
  } finally {
    await socketHost.close();
  }
});

test('a bad peer on the socket gets an error and the host lives on', async () => {
  const dir = privateSocketDir();
  const socketHost = await startSocketHost(dir);
  try {
    const answers = await new Promise<string>((resolve) => {
      const socket = connect(socketHost.control.path);
      let text = '';
      socket.on('data', (chunk) => (text += chunk));
      socket.on('close', () => resolve(text));
      socket.write('{"type":"hello","protocol":999,"version":"9.9.9"}\n');
    });
    assert.match(answers, /protocol version mismatch \(client 999, ptyjobs 9\.9\.9; host 2, ptyjobs test\)/);
    const garbage = await new Promise<string>((resolve) => {
      const socket = connect(socketHost.control.path);
      let text = '';
      socket.on('data', (chunk) => (text += chunk));
      socket.on('close', () => resolve(text));
      socket.write('not json\n');
    });
    assert.match(garbage, /Bad frame|hello first/);
    const connection = await HostConnection.connect(socketHost.control.path, { name: 't', version: '0' }, 'test');
    await assert.rejects(connection.request('execute', { command: 42 }), /Invalid execute request/);
    await assert.rejects(connection.request('status', { job_id: 'j404' }), (error: Error & { code?: string }) => error.code === 'unknown_job');
    assert.ok(Array.isArray((await connection.request('host.jobs')).jobs));
    connection.close();
  } finally {
    await socketHost.close();
  }
});
