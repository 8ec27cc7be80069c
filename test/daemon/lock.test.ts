// The daemon lock and the daemon's socket: exactly one daemon however it is started, a dead
// holder's lock taken at once, a lock that cannot be taken said as it is, and a live daemon's
// socket never taken by a second host.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { connectDaemon } from '../../src/daemon/start.js';
import { describeHost } from '../../src/host/info.js';
import { JobHost } from '../../src/host/job-host.js';
import { findShim } from '../../src/jobs/shim.js';
import { JobManager } from '../../src/jobs/manager.js';
import { tryDaemonLock } from '../../src/socket/lock.js';
import { ControlServer } from '../../src/socket/server.js';
import { processesMatching } from '../helpers/processes.js';
import { CLI, daemons, privateSocketDir, runCli } from '../helpers/socket.js';
import { waitUntil } from '../helpers/wait.js';

/** Above Linux's pid_max (4194304): never a live process. */
const DEAD_PID = 99_999_999;
const HELD = /Another ptyjobs daemon is running or starting in .* \(it holds .*daemon\.lock\)/;

/** Processes with an open descriptor on `path`. */
function holders(path: string): number[] {
  return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).filter((pid) => {
    try {
      return readdirSync(`/proc/${pid}/fd`).some((fd) => readlinkSync(`/proc/${pid}/fd/${fd}`) === path);
    } catch {
      return false;
    }
  }).map(Number);
}

interface ByHand {
  child: ChildProcess;
  stderr: () => string;
  /** The exit code once it exited, else undefined. */
  code: () => number | null | undefined;
}

/** `ptyjobs daemon serve` as a person runs it, in the socket dir (so daemons() finds it). */
function serveByHand(dir: string): ByHand {
  const child = spawn(process.execPath, [CLI, 'daemon', 'serve'], { cwd: dir, env: { PATH: process.env.PATH, HOME: process.env.HOME, PTYJOBS_SOCKET_DIR: dir }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let code: number | null | undefined;
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.on('exit', (exitCode) => (code = exitCode));
  return { child, stderr: () => stderr, code: () => code };
}

async function answers(dir: string): Promise<boolean> {
  return (await runCli(dir, ['daemon', 'status'])).code === 0;
}

/** Ends every daemon of the dir (politely, then SIGKILL for any left, a failed test's included) and removes the dir. */
async function stopDaemons(dir: string): Promise<void> {
  await runCli(dir, ['daemon', 'stop']);
  for (const pid of daemons(dir)) process.kill(pid, 'SIGKILL');
  rmSync(dirname(dir), { recursive: true, force: true });
}

test('the shim is here: the lock below is the flock one', () => {
  assert.ok(findShim(), 'npm run build compiles native/shim.c');
});

test('the lock in one process: taken, held against a second try, free once released', async () => {
  const dir = privateSocketDir();
  try {
    const first = await tryDaemonLock(dir);
    assert.ok(first?.fd, 'a flock descriptor, to hand to a daemon');
    assert.equal(await tryDaemonLock(dir), null);
    first.release();
    const again = await tryDaemonLock(dir);
    assert.ok(again);
    again.release();
  } finally {
    rmSync(dirname(dir), { recursive: true, force: true });
  }
});

test('without a shim: an O_EXCL pid file, a dead holder broken, other errors said as they are', async () => {
  const dir = privateSocketDir();
  const pidLock = join(dir, 'daemon.pid-lock');
  try {
    const first = await tryDaemonLock(dir, null);
    assert.equal(first?.fd, null);
    assert.equal(readFileSync(pidLock, 'utf8'), String(process.pid));
    assert.equal(await tryDaemonLock(dir, null), null, 'held by a live pid');
    first!.release();
    writeFileSync(pidLock, String(DEAD_PID));
    assert.equal(await tryDaemonLock(dir, null), null, 'the dead holder\'s lock is broken, taken on the next try');
    const taken = await tryDaemonLock(dir, null);
    assert.ok(taken);
    taken.release();
    mkdirSync(pidLock);
    await assert.rejects(tryDaemonLock(dir, null), /Cannot take the daemon lock .*daemon\.pid-lock \(a directory: remove it\): EISDIR\./);
  } finally {
    rmSync(dirname(dir), { recursive: true, force: true });
  }
});

test('two daemons started by hand at once: one serves, the other exits 1 saying why', async () => {
  const dir = privateSocketDir();
  try {
    const pair = [serveByHand(dir), serveByHand(dir)];
    const loser = await waitUntil(() => pair.find((daemon) => daemon.code() !== undefined), 'one of the two to exit');
    assert.equal(loser!.code(), 1, loser!.stderr());
    assert.match(loser!.stderr(), HELD);
    const winner = pair.find((daemon) => daemon !== loser)!;
    await waitUntil(() => answers(dir), 'the other to answer');
    assert.equal(winner.code(), undefined, 'the winner runs on');
    assert.deepEqual(daemons(dir), [winner.child.pid]);
  } finally {
    await stopDaemons(dir);
  }
});

test('ten fronts started at once make one daemon, and each of them reaches it', async () => {
  const dir = privateSocketDir();
  try {
    const starts = await Promise.all(Array.from({ length: 10 }, () => runCli(dir, ['daemon', 'start'])));
    for (const start of starts) assert.equal(start.code, 0, start.stderr);
    const running = daemons(dir);
    assert.equal(running.length, 1);
    for (const start of starts) assert.match(start.stdout, new RegExp(`^shared daemon ${running[0]} runs `));
    assert.deepEqual(holders(join(dir, 'daemon.lock')), running, 'the daemon holds the lock, no front does');
  } finally {
    await stopDaemons(dir);
  }
});

test('a lock whose holder was SIGKILLed is free at once, and its dead socket is replaced', async () => {
  const dir = privateSocketDir();
  try {
    assert.equal((await runCli(dir, ['daemon', 'start'])).code, 0);
    const [killed] = daemons(dir);
    process.kill(killed, 'SIGKILL');
    await waitUntil(() => !daemons(dir).includes(killed), 'the daemon to be gone');
    assert.ok(existsSync(join(dir, 'daemon.sock')), 'a SIGKILLed daemon leaves its socket');
    const next = serveByHand(dir); // by hand: it takes the lock itself, or exits saying it is held
    await waitUntil(async () => next.code() !== undefined || (await answers(dir)), 'the new daemon to answer');
    assert.equal(next.code(), undefined, next.stderr());
    assert.deepEqual(daemons(dir), [next.child.pid]);
  } finally {
    await stopDaemons(dir);
  }
});

test('a lock file that cannot be opened is said as it is, at once, by a front and by a daemon', async () => {
  const dir = privateSocketDir();
  try {
    mkdirSync(join(dir, 'daemon.lock')); // open(O_RDWR) fails with EISDIR, even as root
    const start = await runCli(dir, ['daemon', 'start']);
    assert.equal(start.code, 1);
    assert.match(start.stderr, /Cannot take the daemon lock .*daemon\.lock \(a directory: remove it\): EISDIR\./);
    const byHand = serveByHand(dir);
    await waitUntil(() => byHand.code() !== undefined, 'the daemon to refuse');
    assert.equal(byHand.code(), 1);
    assert.match(byHand.stderr(), /Cannot take the daemon lock .*EISDIR/);
    rmSync(join(dir, 'daemon.lock'), { recursive: true });
    symlinkSync(join(dir, 'elsewhere'), join(dir, 'daemon.lock')); // never followed
    const symlinked = await runCli(dir, ['daemon', 'start']);
    assert.match(symlinked.stderr, /daemon\.lock \(a symlink, refused: remove it\): ELOOP\./);
    assert.equal(existsSync(join(dir, 'elsewhere')), false);
    assert.deepEqual(daemons(dir), []);
  } finally {
    await stopDaemons(dir);
  }
});

test('a daemon that exits before it listens is said at once, and its lock is free again', async () => {
  const dir = privateSocketDir();
  try {
    const failing = { dir, version: 'test', client: { name: 'test', version: '1' }, hello: {}, spawnArgs: ['-e', 'process.exit(3)'], spawnEnv: process.env };
    await assert.rejects(connectDaemon(failing), /The shared daemon exited \(code 3\) before it listened; see .*daemon\.log\./);
    const lock = await tryDaemonLock(dir);
    assert.ok(lock, 'neither the front nor the dead daemon holds it');
    lock.release();
  } finally {
    rmSync(dirname(dir), { recursive: true, force: true });
  }
});

test('a second host never takes the socket of a live daemon', async () => {
  const dir = privateSocketDir();
  const request = loadConfig([], { PATH: process.env.PATH, HOME: process.env.HOME, PTYJOBS_WORKING_DIR: dir });
  assert.equal(request.kind, 'serve');
  const config = request.config;
  const manager = new JobManager(config);
  try {
    assert.equal((await runCli(dir, ['daemon', 'start'])).code, 0);
    const intruder = new ControlServer(new JobHost(manager, config), { path: join(dir, 'daemon.sock'), info: describeHost('embedded', 'test', () => null) });
    await assert.rejects(intruder.start(), /the shared daemon on .*daemon\.sock is running \(it answers\)/);
    await intruder.close(); // a server that never listened leaves the path alone
    assert.ok(await answers(dir), 'the daemon still answers on its socket');
  } finally {
    await manager.closeAll();
    await stopDaemons(dir);
  }
});

test('jobs do not inherit the daemon lock: only the daemon holds it', async () => {
  const dir = privateSocketDir();
  try {
    const run = await runCli(dir, ['run', '--', 'sleep', '7301']);
    assert.equal(run.code, 0, run.stderr);
    await waitUntil(() => processesMatching('sleep 7301').length === 1, 'the job to start');
    assert.deepEqual(holders(join(dir, 'daemon.lock')), daemons(dir));
  } finally {
    await stopDaemons(dir);
  }
});
