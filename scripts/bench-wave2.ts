// Benchmark parts for people, the shared daemon and the browser: attach (first screen,
// keystroke echo) beside tmux attach, what a watcher costs the agent under floods, a front's
// interact round trip beside embedded, front start-up, daemon cold start, output to visible in
// the browser page, and interact over HTTP beside stdio.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Terminal } from '@xterm/headless';
import nodePty from 'node-pty';
import { chromium } from 'playwright-core';
import { loadConfig } from '../src/config.js';
import { describeHost } from '../src/host/info.js';
import { JobHost } from '../src/host/job-host.js';
import { Session } from '../src/host/session.js';
import type { Job } from '../src/jobs/job.js';
import { JobManager } from '../src/jobs/manager.js';
import { ensureSocketDir } from '../src/socket/dir.js';
import { ControlServer } from '../src/socket/server.js';
import { BRACKET_ECHO, mcpClient, median, now, percentile, sleep, summary } from './bench-stats.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(ROOT, 'dist', 'ptyjobs.mjs');
const { Terminal: HeadlessTerminal } = createRequire(import.meta.url)('@xterm/headless') as { Terminal: typeof Terminal };
const TMUX = `ptyjobs-bench-people-${process.pid}`;

function socketDir(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'ptyjobs-bench-')), 'sockets');
  ensureSocketDir(dir);
  return dir;
}

async function embeddedHost(dir: string) {
  const request = loadConfig([], { PATH: process.env.PATH, HOME: process.env.HOME, SHELL: '/bin/bash', PTYJOBS_MAX_JOBS: '50' });
  if (request.kind !== 'serve') throw new Error('config');
  const manager = new JobManager(request.config);
  const host = new JobHost(manager, request.config);
  const session = new Session();
  host.attachSession(session);
  const control = new ControlServer(host, { path: join(dir, `${process.pid}.sock`), info: describeHost('embedded', 'bench', () => session.client) });
  await control.start();
  return { manager, host, session, control, close: async () => (await control.close(), await manager.closeAll()) };
}

/** A person's terminal: a command in a pty, drawn by a headless xterm; resolves when `done(rows)`. */
function personTerminal(command: string, args: string[], env: NodeJS.ProcessEnv) {
  const term = new HeadlessTerminal({ cols: 100, rows: 30, allowProposedApi: true, logLevel: 'off' });
  const pty = nodePty.spawn(command, args, { cols: 100, rows: 30, env: env as Record<string, string> });
  const watchers = new Set<() => void>();
  pty.onData((data) => term.write(data, () => watchers.forEach((check) => check())));
  term.onData((answer) => pty.write(answer));
  const screenText = () => {
    const buffer = term.buffer.active;
    let text = '';
    for (let row = 0; row < term.rows; row++) text += `${buffer.getLine(buffer.baseY + row)?.translateToString(true) ?? ''}\n`;
    return text;
  };
  const until = (predicate: (text: string) => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (predicate(screenText())) {
          watchers.delete(check);
          resolve();
        }
      };
      watchers.add(check);
      check();
    });
  return { pty, until, dispose: () => (pty.kill('SIGKILL'), term.dispose()) };
}

/** Keystrokes typed into the person's pty until each shows on their screen. */
async function keystrokes(person: ReturnType<typeof personTerminal>, samples: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    const token = `k${i}q`;
    const started = now();
    person.pty.write(token);
    await person.until((text) => text.includes(token));
    latencies.push(now() - started);
    if (i % 10 === 9) person.pty.write('\r');
  }
  return latencies;
}

export async function peopleBench(quick: boolean) {
  const rounds = quick ? 3 : 7;
  const samples = quick ? 30 : 100;
  const dir = socketDir();
  const embedded = await embeddedHost(dir);
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, PTYJOBS_SOCKET_DIR: dir, TERM: 'xterm-256color' };
  const job = await embedded.host.execute(embedded.session, { command: "printf 'ready\\n'; stty raw -echo; exec cat", cols: 100, rows: 30, wait: { pattern: 'ready' } });
  const firstScreen: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const started = now();
    const person = personTerminal(process.execPath, [CLI, 'attach', job.job.job_id], env);
    await person.until((text) => text.startsWith('ready'));
    firstScreen.push(now() - started);
    person.dispose();
    await sleep(100);
  }
  const attached = personTerminal(process.execPath, [CLI, 'attach', job.job.job_id], env);
  await attached.until((text) => text.startsWith('ready'));
  console.error('people: keystrokes through attach');
  const throughAttach = await keystrokes(attached, samples);
  attached.dispose();

  let tmux: { first_screen_ms: number; keystroke: ReturnType<typeof summary> } | null = null;
  if (spawnSync('tmux', ['-V']).status === 0) {
    execFileSync('tmux', ['-L', TMUX, 'new-session', '-d', '-x', '100', '-y', '30', '-s', 'p', "printf 'ready\\n'; stty raw -echo; exec cat"]);
    const tmuxFirst: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const started = now();
      const person = personTerminal('tmux', ['-L', TMUX, 'attach', '-t', 'p'], env);
      await person.until((text) => text.startsWith('ready'));
      tmuxFirst.push(now() - started);
      person.dispose();
      await sleep(100);
    }
    const person = personTerminal('tmux', ['-L', TMUX, 'attach', '-t', 'p'], env);
    await person.until((text) => text.startsWith('ready'));
    tmux = { first_screen_ms: +median(tmuxFirst).toFixed(1), keystroke: summary(await keystrokes(person, samples)) };
    person.dispose();
    spawnSync('tmux', ['-L', TMUX, 'kill-server']);
  }

  // What a watcher on one of three floods costs the agent's keystrokes.
  const floods = await Promise.all([1, 2, 3].map(() => embedded.host.execute(embedded.session, { command: 'yes' })));
  const echo = embedded.manager.get((await embedded.host.execute(embedded.session, { command: 'stty raw -echo; exec cat', cols: 80, rows: 24, wait: { input: true } })).job.job_id);
  const agentKeys = () => engineKeystrokes(echo, samples * 3);
  console.error('people: keystrokes under 3 floods, no watcher');
  const withoutWatcher = await agentKeys();
  console.error('people: the same with a watcher');
  // The watcher is a person's `ptyjobs watch` in a pty of its own (its screen is not drawn here).
  const watcher = nodePty.spawn(process.execPath, [CLI, 'watch', floods[0].job.job_id], { cols: 100, rows: 30, env: env as Record<string, string> });
  watcher.onData(() => undefined);
  await waitUntilViewed(embedded.manager.get(floods[0].job.job_id));
  const withWatcher = await agentKeys();
  watcher.kill('SIGKILL');
  await embedded.close();
  const result = {
    attach_first_screen_ms: +median(firstScreen).toFixed(1),
    attach_keystroke: summary(throughAttach),
    tmux_attach: tmux,
    agent_keystroke_3_floods: summary(withoutWatcher),
    agent_keystroke_3_floods_watched: summary(withWatcher),
    watcher_p99_cost: +(percentile(withWatcher, 99) / percentile(withoutWatcher, 99)).toFixed(2),
  };
  console.error(`people: ${JSON.stringify(result)}`);
  return result;
}

async function waitUntilViewed(job: Job): Promise<void> {
  while (job.viewers === 0) await sleep(20);
}

/** Keystroke → visible on the job's screen (the engine's own measure). */
async function engineKeystrokes(job: Job, samples: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    // Each run of 60 keys starts on a fresh line (also a second run on the same job).
    if (i % 60 === 0 && job.screen.snapshot().cursor.col !== 0) await typeAndWait(job, '\r\n', (col) => col === 0);
    const started = now();
    await typeAndWait(job, String.fromCharCode(97 + (i % 26)), (col) => col === (i % 60) + 1);
    latencies.push(now() - started);
  }
  return latencies;
}

function typeAndWait(job: Job, data: string, done: (col: number) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const unsubscribe = job.onChange(() => {
      if (done(job.screen.snapshot().cursor.col)) {
        unsubscribe();
        resolve();
      }
    });
    job.write(data);
  });
}


/** interact round trips until the echo of a token shows. */
async function roundTrips(client: Client, samples: number): Promise<number[]> {
  const run = (await client.callTool({ name: 'execute', arguments: { command: BRACKET_ECHO, wait: { pattern: 'ready' } } })) as unknown as { structuredContent: { job: { job_id: string } } };
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    const token = `k${i}z`;
    const started = now();
    await client.callTool({ name: 'interact', arguments: { job_id: run.structuredContent.job.job_id, input: token, wait: { pattern: `${token}\\]`, timeout_ms: 5000 } } });
    latencies.push(now() - started);
  }
  await client.callTool({ name: 'kill', arguments: { job_id: run.structuredContent.job.job_id, signal: 'KILL' } });
  return latencies;
}

export async function sharedBench(quick: boolean) {
  const samples = quick ? 30 : 100;
  const dir = socketDir();
  const shared = { PTYJOBS_SOCKET_DIR: dir, PTYJOBS_SHARED: '1' };
  // Cold: the first call of the first front starts the daemon.
  const coldStarted = now();
  const first = await mcpClient(shared);
  await first.client.callTool({ name: 'list', arguments: {} });
  const coldFirstCall = now() - coldStarted;
  const front = await roundTrips(first.client, samples);
  await first.client.close();
  const embeddedLink = await mcpClient({ PTYJOBS_SOCKET_DIR: dir });
  const embedded = await roundTrips(embeddedLink.client, samples);
  await embeddedLink.client.close();
  const starts: number[] = [];
  const bare: number[] = [];
  for (let round = 0; round < (quick ? 3 : 7); round++) {
    let started = now();
    await new Promise((resolve) => spawn(process.execPath, ['-e', '0']).on('exit', resolve));
    bare.push(now() - started);
    started = now();
    const link = await mcpClient(shared);
    await link.client.listTools();
    starts.push(now() - started);
    await link.client.close();
  }
  spawnSync(process.execPath, [CLI, 'daemon', 'stop'], { env: { ...process.env, PTYJOBS_SOCKET_DIR: dir } });
  const result = {
    interact_front: summary(front),
    interact_embedded: summary(embedded),
    front_to_embedded_p50: +(median(front) / median(embedded)).toFixed(2),
    front_start_to_tools_list_ms: +median(starts).toFixed(1),
    bare_node_ms: +median(bare).toFixed(1),
    cold_daemon_first_call_ms: +coldFirstCall.toFixed(1),
  };
  console.error(`shared: ${JSON.stringify(result)}`);
  return result;
}

export async function webBench(quick: boolean) {
  const samples = quick ? 20 : 60;
  const dir = socketDir();
  const embedded = await embeddedHost(dir);
  const job = await embedded.host.execute(embedded.session, { command: 'stty raw -echo; exec cat', cols: 80, rows: 24, wait: { input: true } });
  const web = spawn(process.execPath, [CLI, 'web'], { env: { PATH: process.env.PATH, HOME: process.env.HOME, PTYJOBS_SOCKET_DIR: dir } });
  let out = '';
  web.stdout.on('data', (chunk) => (out += chunk));
  while (!/#t=\S+/.test(out)) await sleep(20);
  const url = out.trim().split('\n')[0];
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const page = await browser.newPage();
  await page.goto(url);
  await page.locator(`.job[data-label="${process.pid}:${job.job.job_id}"]`).click();
  await page.waitForFunction(() => (window as unknown as { ptyjobsTerm?: unknown }).ptyjobsTerm !== undefined);
  const visible: number[] = [];
  const liveJob = embedded.manager.get(job.job.job_id);
  for (let i = 0; i < samples; i++) {
    const token = `w${i}v`;
    const started = now();
    liveJob.write(token + (i % 10 === 9 ? '\r\n' : ''));
    await page.waitForFunction(
      (wanted) => {
        const term = (window as unknown as { ptyjobsTerm: { rows: number; buffer: { active: { baseY: number; getLine(y: number): { translateToString(): string } | undefined } } } }).ptyjobsTerm;
        for (let y = 0; y < term.rows; y++) if (term.buffer.active.getLine(term.buffer.active.baseY + y)?.translateToString().includes(wanted)) return true;
        return false;
      },
      token,
      { polling: 'raf' },
    );
    visible.push(now() - started);
  }
  await browser.close();
  web.kill('SIGTERM');
  await embedded.close();

  // interact over HTTP beside stdio.
  const port = 20000 + Math.floor(Math.random() * 20000);
  const httpServer = spawn(process.execPath, [CLI, '--http', String(port)], { env: { PATH: process.env.PATH, HOME: process.env.HOME, SHELL: '/bin/bash', PTYJOBS_HTTP_TOKEN: 'bench-token', PTYJOBS_SOCKET_DIR: dir }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  httpServer.stderr.on('data', (chunk) => (stderr += chunk));
  while (!stderr.includes('serving MCP on')) await sleep(20);
  const client = new Client({ name: 'bench-http', version: '0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`), { requestInit: { headers: { Authorization: 'Bearer bench-token' } } }));
  const overHttp = await roundTrips(client, quick ? 30 : 100);
  await client.close();
  httpServer.kill('SIGTERM');
  const stdio = await mcpClient({ PTYJOBS_SOCKET_DIR: dir });
  const overStdio = await roundTrips(stdio.client, quick ? 30 : 100);
  await stdio.client.close();
  const result = {
    output_to_visible_in_browser: summary(visible),
    interact_http: summary(overHttp),
    interact_stdio: summary(overStdio),
    http_to_stdio_p50: +(median(overHttp) / median(overStdio)).toFixed(2),
  };
  console.error(`web: ${JSON.stringify(result)}`);
  return result;
}
