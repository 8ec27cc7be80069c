// A person at the terminal, through the CLI in a real pty: non-ASCII keys arrive as their exact
// bytes, an ended job shows its last screen and how it ended, an agent's resize waits for the
// person to leave, and `run` keeps its argv exactly.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../helpers/paths.js';
import { PersonTerminal } from '../helpers/person.js';
import { privateSocketDir, runCli, startSocketHost } from '../helpers/socket.js';
import { waitUntil } from '../helpers/wait.js';
import { INPUT } from '../helpers/host.js';

const READ_BYTES = "python3 -c \"import sys; print('READY', flush=True); print(repr(sys.stdin.buffer.readline()))\"";

test('é, 日本, an emoji and Alt keys typed through attach reach the job as their exact UTF-8 bytes', async () => {
  const socketHost = await startSocketHost();
  const { host, session } = socketHost;
  try {
    const job = await host.execute(session, { command: READ_BYTES, wait: { pattern: 'READY', timeout_ms: 15_000 } });
    const person = new PersonTerminal(socketHost.dir, ['attach', job.job.job_id]);
    await person.waitForRows((rows) => rows.includes('READY'), 'the job on the person\'s screen');
    person.type('é日本🙂\x1bx\r');
    const code = await person.exited;
    assert.equal(code, 0);
    const printed = (await host.output(session, { job_id: job.job.job_id })).text;
    assert.match(printed, /b'\\xc3\\xa9\\xe6\\x97\\xa5\\xe6\\x9c\\xac\\xf0\\x9f\\x99\\x82\\x1bx\\n'/);
  } finally {
    await socketHost.close();
  }
});

test('attach and watch on an ended job show its last screen and how it ended, and exit with its code', async () => {
  const socketHost = await startSocketHost();
  const { host, session } = socketHost;
  try {
    const job = await host.execute(session, { command: 'echo last words; exit 3', wait: { exit: true, timeout_ms: 15_000 } });
    for (const mode of ['attach', 'watch']) {
      const person = new PersonTerminal(socketHost.dir, [mode, job.job.job_id]);
      assert.equal(await person.exited, 3, mode);
      const rows = await person.rows();
      assert.ok(rows.includes('last words'), rows.join('\n'));
      assert.ok(rows.some((row) => /^\d+:j1 ended \(exit 3\)$/.test(row)), rows.join('\n'));
    }
  } finally {
    await socketHost.close();
  }
});

test('an agent\'s resize while a person is attached waits for the person to leave, and says so', async () => {
  const socketHost = await startSocketHost();
  const { host, session } = socketHost;
  try {
    const shell = await host.execute(session, { command: "env PS1='$ ' bash --norc -i", cols: 80, rows: 24, wait: INPUT });
    const id = shell.job.job_id;
    const person = new PersonTerminal(socketHost.dir, ['attach', id], 100, 30);
    await person.waitForRows((rows) => rows.includes('$'), 'the prompt');
    await waitUntil(async () => (await host.status(session, { job_id: id })).job.cols === 100, 'the person\'s size');
    const resized = await host.resize(session, { job_id: id, cols: 90, rows: 20 });
    assert.deepEqual(resized.pending_size, { cols: 90, rows: 20 });
    assert.deepEqual([resized.job.cols, resized.job.rows], [100, 30], 'the person keeps the size');
    person.type('\x1c');
    assert.equal(await person.exited, 0);
    await waitUntil(async () => (await host.status(session, { job_id: id })).job.cols === 90, 'the agent\'s size once the person left');
    const size = await host.interact(session, { job_id: id, input: 'stty size\n', wait: INPUT });
    assert.match(size.output ?? '', /^20 90$/m);
  } finally {
    await socketHost.close();
  }
});

test('run keeps its argv exactly: quoted, empty and glob-looking words; a command that fails at once says so', async () => {
  const dir = privateSocketDir();
  const work = tempDir('ptyjobs-run-');
  try {
    const touched = await runCli(dir, ['run', '--cwd', work, '--', 'touch', 'my file', '*']);
    assert.equal(touched.code, 0, touched.stderr);
    assert.match(touched.stdout, /^daemon:j\d+\n$/);
    await waitUntil(() => existsSync(join(work, 'my file')) && existsSync(join(work, '*')), 'the files');
    assert.equal(existsSync(join(work, 'my')), false);
    const script = await runCli(dir, ['run', '--cwd', work, '--', 'bash', '-c', 'for i in 1 2 3; do echo "$i" >> counted; done; printf "[%s]" "$1" > empty', 'arg0', '']);
    assert.equal(script.code, 0, script.stderr);
    await waitUntil(() => existsSync(join(work, 'empty')), 'the script');
    assert.equal(readFileSync(join(work, 'counted'), 'utf8'), '1\n2\n3\n');
    assert.equal(readFileSync(join(work, 'empty'), 'utf8'), '[]');
    const failing = await runCli(dir, ['run', '--', 'bash', '-c', 'echo broken >&2; exit 7']);
    assert.equal(failing.code, 7);
    assert.match(failing.stderr, /broken[\s\S]*ended at once \(exit 7\)/);
    const usage = await runCli(dir, ['run', '--cwd', '/nonexistent', '--', 'echo', 'hi']);
    assert.equal(usage.code, 2, usage.stderr);
    const badSignal = await runCli(dir, ['kill', '-s', 'BOGUS', 'daemon:j1']);
    assert.equal(badSignal.code, 2, badSignal.stderr);
  } finally {
    await runCli(dir, ['daemon', 'stop']);
  }
});
