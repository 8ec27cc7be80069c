// Clients trust only the user's own socket dir and sockets: another local user who pre-creates
// the dir (open to everyone) with a fake host, or links it elsewhere, gets nothing sent to it.
// Runs as root (as CI does) with a throwaway second user; skipped otherwise.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../helpers/paths.js';
import { CLI } from '../helpers/socket.js';
import { waitUntil } from '../helpers/wait.js';

const isRoot = process.getuid?.() === 0;

/** A fake job host that logs every byte it receives and answers like a host with one job. */
const FAKE_HOST = `
const net = require('node:net'), fs = require('node:fs');
const [, , path, log] = process.argv;
net.createServer((socket) => {
  socket.on('data', (chunk) => {
    fs.appendFileSync(log, chunk);
    socket.write(JSON.stringify({ type: 'hello', protocol: 2, version: '0.1.0', host: { host_id: 'x', pid: 4242, kind: 'embedded', client: null, cwd: '/', started_at: new Date().toISOString(), version: '0.1.0' } }) + '\\n');
  });
}).listen(path, () => { fs.chmodSync(path, 0o777); fs.writeFileSync(log + '.ready', ''); });
`;

test('a socket dir planted by another user is refused by every client, and the fake host receives nothing', { skip: !isRoot && 'needs root to add a second user' }, async () => {
  const user = `ptyjobs-t${process.pid}`;
  assert.equal(spawnSync('useradd', ['-M', '-s', '/usr/sbin/nologin', user]).status, 0, 'useradd');
  const tmp = tempDir('ptyjobs-trust-');
  chmodSync(tmp, 0o1777); // like /tmp: anyone may create entries
  const [uid, gid] = ['-u', '-g'].map((flag) => Number(spawnSync('id', [flag, user], { encoding: 'utf8' }).stdout));
  const planted = join(tmp, `ptyjobs-${process.getuid!()}`);
  mkdirSync(planted, { mode: 0o777 });
  chmodSync(planted, 0o777);
  chownSync(planted, uid, gid);
  const script = join(tmp, 'fake-host.cjs');
  writeFileSync(script, FAKE_HOST);
  chmodSync(script, 0o644);
  const received = join(tmp, 'received');
  writeFileSync(received, '');
  chownSync(received, uid, gid);
  chmodSync(tmp, 0o1777);
  const fakes = ['4242.sock', 'daemon.sock'].map((name) => spawn('runuser', ['-u', user, '--', process.execPath, script, join(planted, name), received], { stdio: 'ignore' }));
  const env = { PATH: process.env.PATH!, HOME: process.env.HOME!, TMPDIR: tmp };
  const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8', input: '' });
  try {
    await waitUntil(() => existsSync(`${received}.ready`), 'the fake host to listen');
    await waitUntil(() => existsSync(join(planted, 'daemon.sock')), 'the fake daemon to listen');
    for (const args of [['ls'], ['ls', '--json'], ['tail', 'j1'], ['kill', 'j1'], ['daemon', 'status'], ['daemon', 'stop'], ['run', '--', 'true']]) {
      const result = cli(...args);
      assert.equal(result.status, 2, `${args.join(' ')}: ${result.stdout}${result.stderr}`);
      assert.match(result.stderr, /unsafe socket dir .* belongs to uid \d+, not to you|unsafe permissions/, args.join(' '));
      assert.doesNotMatch(result.stdout, /4242|j1/);
    }
    assert.equal(readFileSync(received, 'utf8'), '', 'nothing was sent to the fake host');
    // A link to elsewhere is refused too, even when it points at a dir of the user's own.
    rmSync(planted, { recursive: true, force: true });
    const own = tempDir('ptyjobs-own-');
    chmodSync(own, 0o700);
    symlinkSync(own, planted);
    const linked = cli('ls');
    assert.equal(linked.status, 2);
    assert.match(linked.stderr, /is not a directory/);
  } finally {
    for (const fake of fakes) fake.kill('SIGKILL');
    spawnSync('pkill', ['-KILL', '-u', user]);
    spawnSync('userdel', [user]);
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('a socket in the user\'s private dir that belongs to someone else is skipped, not spoken to', { skip: !isRoot && 'needs root to chown' }, async () => {
  const dir = join(tempDir('ptyjobs-own-'), 'sockets');
  mkdirSync(dir, { mode: 0o700 });
  const received = join(dir, '..', 'received');
  writeFileSync(received, '');
  const script = join(dir, '..', 'fake-host.cjs');
  writeFileSync(script, FAKE_HOST);
  const fake = spawn(process.execPath, [script, join(dir, '4242.sock'), received], { stdio: 'ignore' });
  try {
    await waitUntil(() => existsSync(`${received}.ready`), 'the fake host to listen');
    chownSync(join(dir, '4242.sock'), 65534, 65534);
    const result = spawnSync(process.execPath, [CLI, 'ls'], { env: { PATH: process.env.PATH!, HOME: process.env.HOME!, PTYJOBS_SOCKET_DIR: dir }, encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, /skipping .*4242\.sock: .* belongs to uid 65534, not to you/);
    assert.match(result.stdout, /no ptyjobs server is running/);
    assert.equal(readFileSync(received, 'utf8'), '');
  } finally {
    fake.kill('SIGKILL');
  }
});
