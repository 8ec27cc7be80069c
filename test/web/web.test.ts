// ptyjobs web in a real browser (Debian's chromium through playwright-core): the job list, a
// job's live terminal against the job's own screen, read-only unless --writable, and refusals
// without the token, with a foreign Host or Origin.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import WebSocket from 'ws';
import { tempDir } from '../helpers/paths.js';
import { CLI, privateSocketDir, type SocketHost, startSocketHost } from '../helpers/socket.js';
import { waitUntil } from '../helpers/wait.js';
import { INPUT } from '../helpers/host.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function startWeb(dir: string, writable: boolean): Promise<{ url: string; port: number; token: string; process: ChildProcess }> {
  const child = spawn(process.execPath, [CLI, 'web', ...(writable ? ['--writable'] : [])], { env: { PATH: process.env.PATH, HOME: process.env.HOME, PTYJOBS_SOCKET_DIR: dir } });
  let out = '';
  child.stdout!.on('data', (chunk) => (out += chunk));
  const url = await waitUntil(() => /^http:\/\/127\.0\.0\.1:\d+\/#t=\S+/m.exec(out)?.[0], 'the URL');
  return { url: url!, port: Number(/:(\d+)\//.exec(url!)![1]), token: url!.split('#t=')[1], process: child };
}

async function browse(): Promise<Browser> {
  // playwright gives every launch a fresh, empty profile of its own.
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Rows of the page's terminal, as the job's screen reports them (trimmed, trailing empty rows dropped). */
const PAGE_ROWS = () => {
  const term = (window as unknown as { ptyjobsTerm?: { rows: number; buffer: { active: { baseY: number; getLine(y: number): { translateToString(trim: boolean): string } | undefined } } } }).ptyjobsTerm;
  if (!term) return null;
  const buffer = term.buffer.active;
  const rows: string[] = [];
  for (let y = 0; y < term.rows; y++) rows.push((buffer.getLine(buffer.baseY + y)?.translateToString(true) ?? '').trimEnd());
  while (rows.length && rows[rows.length - 1] === '') rows.pop();
  return rows;
};

test('the page lists jobs and shows a job\'s terminal as its screen, live; keys reach it only with --writable', async () => {
  const dir = privateSocketDir();
  const socketHost: SocketHost = await startSocketHost(dir);
  const { host, session, manager } = socketHost;
  const shots = tempDir('ptyjobs-shots-');
  const file = join(tempDir('ptyjobs-web-'), 'known.txt');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(file, 'a known file\nwith two lines\n');
  const browser = await browse();
  let web = await startWeb(dir, false);
  try {
    const vim = await host.execute(session, { command: `vim -u NONE -N ${file}`, rows: 12, cols: 60, wait: { pattern: '^a known file', timeout_ms: 15_000 } });
    await host.wait(session, { job_id: vim.job.job_id, idle_ms: 300 }); // vim has drawn all of it
    const shell = await host.execute(session, { command: "env PS1='$ ' bash --norc -i", rows: 10, cols: 60, wait: INPUT });
    const page = await browser.newPage();
    await page.goto(web.url);
    const label = `${process.pid}:${vim.job.job_id}`;
    await page.locator(`.job[data-label="${label}"]`).waitFor({ timeout: 15_000 });
    assert.match(await page.locator('#list').innerText(), /running/);
    await page.locator(`.job[data-label="${label}"]`).click();
    const jobScreen = (await manager.get(vim.job.job_id).snapshot()).lines;
    await page.addScriptTag({ content: `window.ptyjobsRows = ${PAGE_ROWS.toString()};` });
    await page.waitForFunction((expected) => JSON.stringify((window as unknown as { ptyjobsRows: () => string[] }).ptyjobsRows()) === expected, JSON.stringify(jobScreen), { timeout: 15_000 });
    assert.equal((await host.status(session, { job_id: vim.job.job_id })).job.viewers, 1, 'the browser counts as a viewer');
    await page.screenshot({ path: join(shots, 'vim.png') });

    // Live: new output shows within a deadline. Read-only: keys typed in the page do not reach the job.
    await page.locator(`.job[data-label="${process.pid}:${shell.job.job_id}"]`).click();
    await page.waitForFunction(() => (window as unknown as { ptyjobsRows: () => string[] }).ptyjobsRows().includes('$'), undefined, { timeout: 15_000 });
    await host.interact(session, { job_id: shell.job.job_id, input: 'echo live-$((6*7))\n', wait: INPUT });
    await page.waitForFunction(() => (window as unknown as { ptyjobsRows: () => string[] }).ptyjobsRows().includes('live-42'), undefined, { timeout: 5000 });
    await page.locator('#terminal').click();
    await page.keyboard.type('echo from-page\n');
    const quiet = await host.wait(session, { job_id: shell.job.job_id, idle_ms: 500 });
    assert.doesNotMatch(quiet.output ?? '', /from-page/);

    web.process.kill('SIGTERM');
    web = await startWeb(dir, true);
    const writable = await browser.newPage();
    await writable.goto(web.url);
    await writable.locator(`.job[data-label="${process.pid}:${shell.job.job_id}"]`).click();
    await writable.addScriptTag({ content: `window.ptyjobsRows = ${PAGE_ROWS.toString()};` });
    await writable.waitForFunction(() => (window as unknown as { ptyjobsRows: () => string[] }).ptyjobsRows().some((row) => row.includes('live-42')), undefined, { timeout: 15_000 });
    await writable.locator('#terminal').click();
    await writable.keyboard.type('echo from-page-$((1+1))\n');
    const typed = await host.wait(session, { job_id: shell.job.job_id, pattern: 'from-page-2', timeout_ms: 10_000 });
    assert.equal(typed.reason, 'pattern');
    await writable.screenshot({ path: join(shots, 'writable.png') });
    console.error(`web screenshots in ${shots}`);
  } finally {
    web.process.kill('SIGTERM');
    await browser.close();
    await socketHost.close();
  }
});

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

function upgrade(port: number, path: string, origin: string): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { origin });
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
    ws.on('error', () => resolve('error'));
  });
}

test('without the token, with a wrong one, a foreign Host or Origin: refused, and nothing reaches the job', async () => {
  const dir = privateSocketDir();
  const socketHost = await startSocketHost(dir);
  const web = await startWeb(dir, true);
  try {
    const { host, session } = socketHost;
    const shell = await host.execute(session, { command: "env PS1='$ ' bash --norc -i", wait: INPUT });
    const job = `${process.pid}:${shell.job.job_id}`;
    assert.equal(await get(web.port, '/'), 200, 'the page itself needs no token');
    assert.equal(await get(web.port, '/favicon.ico'), 204, 'the browser\'s icon request: no token, no content');
    assert.equal(await get(web.port, '/api/jobs'), 401);
    assert.equal(await get(web.port, '/api/jobs?t=wrong'), 401);
    assert.equal(await get(web.port, `/api/jobs?t=${web.token}`), 200);
    assert.equal(await get(web.port, `/api/jobs?t=${web.token}`, { host: 'evil.example' }), 403);
    assert.equal(await get(web.port, '/', { host: `evil.example:${web.port}` }), 403);
    const own = `http://127.0.0.1:${web.port}`;
    assert.equal(await upgrade(web.port, `/ws?job=${job}`, own), '401');
    assert.equal(await upgrade(web.port, `/ws?t=wrong&job=${job}`, own), '401');
    assert.equal(await upgrade(web.port, `/ws?t=${web.token}&job=${job}`, 'http://evil.example'), '403');
    assert.equal(await upgrade(web.port, `/ws?t=${web.token}&job=${job}`, own), 'open');
    const quiet = await host.wait(session, { job_id: shell.job.job_id, idle_ms: 300 });
    assert.equal(quiet.output, '', 'no refused request typed anything');
  } finally {
    web.process.kill('SIGTERM');
    await socketHost.close();
  }
});

test('an ended job shows its last screen and how it ended; non-ASCII keys typed in the page reach the job as their UTF-8 bytes', async () => {
  const dir = privateSocketDir();
  const socketHost = await startSocketHost(dir);
  const { host, session } = socketHost;
  const browser = await browse();
  const web = await startWeb(dir, true);
  try {
    const failed = await host.execute(session, { command: 'echo last-words; exit 3', wait: { exit: true, timeout_ms: 15_000 } });
    assert.equal(failed.reason, 'exit');
    const reader = await host.execute(session, { command: 'python3 -c "import sys; print(repr(sys.stdin.buffer.readline()))"', wait: INPUT });
    const page = await browser.newPage();
    await page.goto(web.url);
    await page.addScriptTag({ content: `window.ptyjobsRows = ${PAGE_ROWS.toString()};` });

    await page.locator(`.job[data-label="${process.pid}:${failed.job.job_id}"]`).click();
    await page.waitForFunction(() => (window as unknown as { ptyjobsRows: () => string[] | null }).ptyjobsRows()?.includes('last-words'), undefined, { timeout: 15_000 });
    assert.equal(await page.locator('#banner').innerText(), `${process.pid}:${failed.job.job_id} ended (exit 3): echo last-words; exit 3`);

    await page.locator(`.job[data-label="${process.pid}:${reader.job.job_id}"]`).click();
    await page.locator('#banner').filter({ hasText: 'your keys go to the job' }).waitFor({ timeout: 15_000 });
    await page.locator('#terminal').click();
    await page.keyboard.type('é 日本 😀');
    await page.keyboard.press('Enter');
    const read = await host.wait(session, { job_id: reader.job.job_id, pattern: "^b'.*'$", timeout_ms: 15_000 });
    assert.equal(read.reason, 'pattern', read.output);
    assert.match(read.output ?? '', /^b'\\xc3\\xa9 \\xe6\\x97\\xa5\\xe6\\x9c\\xac \\xf0\\x9f\\x98\\x80\\n'$/m);
  } finally {
    web.process.kill('SIGTERM');
    await browser.close();
    await socketHost.close();
  }
});

/** Inodes of the connections a host has accepted on its socket (Linux lists them with the socket's path). */
function acceptedConnections(socketPath: string): string[] {
  const LISTENING = '00010000';
  return readFileSync('/proc/self/net/unix', 'utf8')
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[7] === socketPath && fields[3] !== LISTENING)
    .map((fields) => fields[6]);
}

function jobsOf(port: number, token: string): Promise<{ jobs: { label: string; viewers: number }[] }> {
  return fetch(`http://127.0.0.1:${port}/api/jobs?t=${token}`).then((response) => response.json() as Promise<{ jobs: { label: string; viewers: number }[] }>);
}

test('polls reuse one connection per host (dropped when its socket goes, opened again when it is back), and a page closed before its attach completes leaves no viewer and no connection', async () => {
  const dir = privateSocketDir();
  const socketHost = await startSocketHost(dir);
  const { host, session, control } = socketHost;
  const web = await startWeb(dir, false);
  try {
    const shell = await host.execute(session, { command: "env PS1='$ ' bash --norc -i", wait: INPUT });
    const label = `${process.pid}:${shell.job.job_id}`;
    assert.deepEqual((await jobsOf(web.port, web.token)).jobs.map((job) => job.label), [label]);
    const kept = await waitUntil(() => (acceptedConnections(control.path).length === 1 ? acceptedConnections(control.path) : null), 'one connection from the web');
    for (let poll = 0; poll < 5; poll++) assert.equal((await jobsOf(web.port, web.token)).jobs.length, 1);
    assert.deepEqual(acceptedConnections(control.path), kept, 'the same connection served every poll');

    const QUICK_PAGES = 20;
    await Promise.all(
      Array.from({ length: QUICK_PAGES }, () => new Promise<void>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${web.port}/ws?t=${web.token}&job=${label}`, { origin: `http://127.0.0.1:${web.port}` });
        ws.on('open', () => ws.close());
        ws.on('close', () => resolve());
      })),
    );
    // What stays is at most the list's kept connection (closed itself after 10 s without a poll).
    await waitUntil(async () => (await host.status(session, { job_id: shell.job.job_id })).job.viewers === 0 && control.clientCount <= 1, 'the viewers and their connections to go', 15_000);

    // The host goes (its socket with it): dropped from the list; back at the same path: connected again.
    await control.close();
    assert.deepEqual((await jobsOf(web.port, web.token)).jobs, []);
    await control.start();
    assert.deepEqual((await jobsOf(web.port, web.token)).jobs.map((job) => job.label), [label]);
  } finally {
    web.process.kill('SIGTERM');
    await socketHost.close();
  }
});
