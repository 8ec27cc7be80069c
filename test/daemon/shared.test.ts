// The shared daemon: jobs that outlive their front, one daemon however many fronts start at
// once, each front its own cursors and its own environment, never wedged.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { isRunning } from '../../src/util/process.js';
import { freePort, isListening } from '../helpers/lsp.js';
import { call, textOf } from '../helpers/mcp.js';
import { tempDir } from '../helpers/paths.js';
import { processesMatching } from '../helpers/processes.js';
import { CLI, daemons, privateSocketDir, runCli } from '../helpers/socket.js';
import { waitUntil } from '../helpers/wait.js';
import { INPUT } from '../helpers/host.js';

interface Front {
  client: Client;
  pid: number;
  stderr: () => string;
  close: () => Promise<void>;
}

/** Fronts still open: a test that fails midway must not leave one running (nor the test file waiting on it). */
const openFronts = new Set<Front>();

async function front(dir: string, name: string, env: Record<string, string> = {}, cwd?: string, args: string[] = []): Promise<Front> {
  let stderr = '';
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, ...args],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/', SHELL: '/bin/bash', PTYJOBS_SOCKET_DIR: dir, PTYJOBS_SHARED: '1', PTYJOBS_KILL_GRACE_MS: '1000', ...env },
    stderr: 'pipe',
    cwd,
  });
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name, version: '1' });
  await client.connect(transport);
  const opened: Front = {
    client,
    pid: transport.pid!,
    stderr: () => stderr,
    close: async () => {
      openFronts.delete(opened);
      await client.close();
    },
  };
  openFronts.add(opened);
  return opened;
}

async function stopDaemon(dir: string): Promise<void> {
  await Promise.all([...openFronts].map((f) => f.close().catch(() => undefined)));
  await runCli(dir, ['daemon', 'stop']);
  for (const pid of daemons(dir)) process.kill(pid, 'SIGKILL');
}

test('jobs outlive their front: a dev server and a REPL still there for the next front', async () => {
  const dir = privateSocketDir();
  try {
    const port = await freePort();
    const a = await front(dir, 'front-a');
    const server = await call(a.client, 'execute', { command: `python3 -m http.server ${port} --bind 127.0.0.1`, wait: { port, timeout_ms: 15_000 } });
    assert.equal(server.structuredContent.reason, 'port', textOf(server));
    const repl = await call(a.client, 'execute', { command: 'python3 -q', wait: INPUT });
    await call(a.client, 'interact', { job_id: repl.structuredContent.job.job_id, input: 'x = 41\n', wait: INPUT });
    await a.close(); // stdin closes: the front leaves, the jobs stay
    await waitUntil(() => { try { process.kill(a.pid, 0); return false; } catch { return true; } }, 'front A to exit');

    const b = await front(dir, 'front-b');
    const listed = await call(b.client, 'list');
    assert.deepEqual(listed.structuredContent.jobs.map((job: { command: string; status: string; client: string }) => [job.command, job.status, job.client]).sort(), [
      [`python3 -m http.server ${port} --bind 127.0.0.1`, 'running', 'front-a 1'],
      ['python3 -q', 'running', 'front-a 1'],
    ]);
    assert.equal(await isListening(port), true);
    const answer = await call(b.client, 'interact', { job_id: repl.structuredContent.job.job_id, input: 'x + 1\n', wait: INPUT });
    // B had not seen the REPL: its first result holds what came before, then its own answer.
    assert.equal(answer.structuredContent.output, '>>> x = 41\n>>> \n[your input went in here]\n42\n>>> ');
    await b.close();
  } finally {
    await stopDaemon(dir);
  }
});

test('ten fronts started at once make one daemon, and every call succeeds', async () => {
  const dir = privateSocketDir();
  try {
    const fronts = await Promise.all(Array.from({ length: 10 }, (_, i) => front(dir, `front-${i}`)));
    const results = await Promise.all(fronts.map((f, i) => call(f.client, 'execute', { command: `echo front-${i}`, wait: { exit: true, timeout_ms: 20_000 } })));
    results.forEach((result, i) => assert.equal(result.structuredContent.output, `front-${i}\n`, textOf(result)));
    assert.equal(daemons(dir).length, 1);
    await Promise.all(fronts.map((f) => f.close()));
  } finally {
    await stopDaemon(dir);
  }
});

test('two fronts on one REPL: each result holds everything since that front\'s own previous one', async () => {
  const dir = privateSocketDir();
  try {
    const a = await front(dir, 'a');
    const b = await front(dir, 'b');
    const repl = await call(a.client, 'execute', { command: 'python3 -q', wait: INPUT });
    const id = repl.structuredContent.job.job_id;
    await call(b.client, 'wait', { job_id: id, input: true }); // b has now seen the start
    await call(a.client, 'interact', { job_id: id, input: 'print("from-a")\n', wait: INPUT });
    const bSees = await call(b.client, 'wait', { job_id: id, idle_ms: 100 });
    assert.match(bSees.structuredContent.output, /print\("from-a"\)\nfrom-a\n>>> $/);
    await call(b.client, 'interact', { job_id: id, input: 'print("from-b")\n', wait: INPUT });
    const aSees = await call(a.client, 'wait', { job_id: id, idle_ms: 100 });
    assert.match(aSees.structuredContent.output, /^print\("from-b"\)\nfrom-b\n>>> $/, 'a gets what b caused, nothing it had seen');
    await Promise.all([a.close(), b.close()]);
  } finally {
    await stopDaemon(dir);
  }
});

test('a SIGKILLed daemon: the next call starts a new one and says the jobs ended; none of them is left', async () => {
  const dir = privateSocketDir();
  try {
    const f = await front(dir, 'survivor');
    await call(f.client, 'execute', { command: "trap '' HUP TERM; sleep 7101" });
    await call(f.client, 'execute', { command: 'setsid sleep 7102 & sleep 7103' });
    await waitUntil(() => processesMatching('sleep 7101').length + processesMatching('sleep 7102').length === 2, 'the jobs to start');
    const [old] = daemons(dir);
    process.kill(old, 'SIGKILL');
    await waitUntil(() => ['sleep 7101', 'sleep 7102', 'sleep 7103'].every((s) => processesMatching(s).length === 0), 'the old jobs to end', 3000);
    const next = await call(f.client, 'list');
    assert.equal(next.isError, undefined, textOf(next));
    assert.deepEqual(next.structuredContent.jobs, []);
    assert.match(textOf(next), /^The shared daemon had gone away; a new one was started and the jobs of the old one ended with it\./);
    const [renewed] = daemons(dir);
    assert.ok(renewed && renewed !== old, 'a new daemon runs');
    // Killed again and called as soon as it is dead, before the front can have seen its socket close.
    process.kill(renewed, 'SIGKILL');
    await waitUntil(() => !isRunning(renewed), 'the daemon to die', 3000);
    const started = await call(f.client, 'execute', { command: 'echo after-the-kill', wait: { exit: true, timeout_ms: 15_000 } });
    assert.equal(started.isError, undefined, textOf(started));
    assert.equal(started.structuredContent.output, 'after-the-kill\n');
    assert.equal((await call(f.client, 'status', { job_id: started.structuredContent.job.job_id })).isError, undefined);
    await f.close();
  } finally {
    await stopDaemon(dir);
  }
});

test('jobs run with their front\'s environment and working dir; the front\'s policy holds', async () => {
  const dir = privateSocketDir();
  const frontDir = tempDir('ptyjobs-front-');
  try {
    const other = await front(dir, 'other', { FOO: 'other' });
    await call(other.client, 'list'); // this front started the daemon, with FOO=other
    const a = await front(dir, 'a', { FOO: 'front-a', PTYJOBS_WORKING_DIR: frontDir });
    writeFileSync(join(frontDir, 'marker.txt'), 'here\n');
    const run = await call(a.client, 'execute', { command: 'echo $FOO; pwd; cat marker.txt', wait: { exit: true } });
    assert.equal(run.structuredContent.output, `front-a\n${frontDir}\nhere\n`);
    const strict = await front(dir, 'strict', { PTYJOBS_ALLOWED_COMMANDS: '^echo' });
    const refused = await call(strict.client, 'execute', { command: 'rm -rf /tmp/ptyjobs-nothing' });
    assert.equal(refused.isError, true);
    assert.match(textOf(refused), /Command not allowed: "rm -rf \/tmp\/ptyjobs-nothing"/);
    await Promise.all([other.close(), a.close(), strict.close()]);
  } finally {
    await stopDaemon(dir);
  }
});

test('daemon lifecycle: idle exit, stop with a TERM-ignoring job, status, and a version mismatch', async () => {
  const dir = privateSocketDir();
  try {
    const idle = await front(dir, 'idle', { PTYJOBS_DAEMON_IDLE_S: '2' });
    await call(idle.client, 'list');
    const [first] = daemons(dir);
    await idle.close();
    const closedAt = Date.now();
    await waitUntil(() => daemons(dir).length === 0, 'the idle daemon to exit', 8000);
    assert.ok(Date.now() - closedAt >= 1500, 'not before its idle time');
    assert.ok(first);

    const f = await front(dir, 'stopper', { PTYJOBS_KILL_GRACE_MS: '500' });
    await call(f.client, 'execute', { command: "trap '' TERM; sleep 7201" });
    await waitUntil(() => processesMatching('sleep 7201').length === 1, 'the job');
    const status = await runCli(dir, ['daemon', 'status']);
    assert.match(status.stdout, /jobs: 1 running of 1; clients: 1\nlog: .*daemon\.log/);
    const stopped = await runCli(dir, ['daemon', 'stop']);
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.deepEqual(daemons(dir), []);
    assert.deepEqual(processesMatching('sleep 7201'), []);
    await f.close();

    // A daemon that speaks another protocol: a clear message, not a hang.
    const fake = createServer((socket) => socket.end(`${JSON.stringify({ type: 'error', code: 'protocol_mismatch', message: 'protocol version mismatch', protocol: 99, version: '9.0.0', jobs: 3 })}\n`));
    await new Promise<void>((resolve) => fake.listen(join(dir, 'daemon.sock'), resolve));
    try {
      const g = await front(dir, 'mismatch');
      const refused = await call(g.client, 'list');
      assert.equal(refused.isError, true);
      assert.match(textOf(refused), /ptyjobs \S+ \(protocol 2\) cannot use the running shared daemon, ptyjobs 9\.0\.0 \(protocol 99\)\. Restarting the daemon ends its 3 running jobs: run ptyjobs daemon stop/);
      await g.close();
    } finally {
      fake.close(); // a listening server left open would keep this test file running
    }
  } finally {
    await stopDaemon(dir);
  }
});

test('a front whose host settings differ from the running daemon\'s says so once, whether they came as flags or variables', async () => {
  const dir = privateSocketDir();
  try {
    const first = await front(dir, 'first');
    await call(first.client, 'list');
    for (const [env, args] of [[{}, ['--max-jobs', '3']], [{ PTYJOBS_MAX_JOBS: '3' }, []]] as const) {
      const other = await front(dir, 'other', env, undefined, [...args]);
      await call(other.client, 'list');
      await waitUntil(() => other.stderr().includes('PTYJOBS_MAX_JOBS=10 (yours: 3)'), `the notice for ${JSON.stringify(args)}${JSON.stringify(env)}`);
      await other.close();
    }
    await first.close();
  } finally {
    await stopDaemon(dir);
  }
});
