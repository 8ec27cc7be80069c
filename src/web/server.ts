// `ptyjobs web`: every job of every host of this user in a browser, each a live terminal. An
// HTTP + WebSocket server on loopback that owns no jobs: a client of the hosts' control sockets.
// The page is served without the token and shows nothing until the token (from the URL's
// fragment) comes with each API call and WebSocket upgrade; Host is checked on every request,
// Origin on every upgrade; no CORS. Read-only unless --writable.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { JobWire } from '../host/schema.js';
import { allowedHosts, hostAllowed, newToken, originAllowed, tokenMatches } from '../http/guard.js';
import { HostConnection, HostError, type StreamHandlers } from '../socket/client.js';
import { hostSockets } from '../socket/dir.js';
import { PERSON_SESSION } from '../socket/hosts.js';
import { RemoteHost } from '../socket/remote-host.js';
import { PAGE_HTML } from './page.js';

/** A browser that has this much unsent is behind: the host is left to skip it ahead (see host/viewers). */
const BROWSER_MAX_BUFFERED_BYTES = 256 * 1024;
const BROWSER_RESUME_BYTES = 64 * 1024;
const BACKPRESSURE_POLL_MS = 50;

export interface WebOptions {
  port: number;
  writable: boolean;
  socketDir: string;
  version: string;
}

export interface WebServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

// --- The only place that speaks the control-socket client API. ---

/** How this server names itself in its hello to each host. */
const WEB_CLIENT_NAME = 'ptyjobs-web';
/**
 * With no page polling for this long, the kept connections are closed: each counts as a client
 * of its host, and would keep an idle shared daemon from exiting while `ptyjobs web` runs.
 */
const POOL_IDLE_MS = 10_000;

/** A browser's view of one job. */
interface JobView {
  input(data: Buffer): void;
  /** Stops reading from the host, which skips this viewer ahead once the browser catches up. */
  pause(): void;
  resume(): void;
  onHostGone(listener: () => void): void;
  close(): void;
}

interface PooledHost {
  connection: HostConnection;
  host: RemoteHost;
  /** How jobs of this host are named: its pid, or "daemon". */
  label: string;
  path: string;
}

/**
 * Every host's connection kept across polls: opened when its socket appears, dropped when it
 * closes or its socket goes, all closed when no page has polled for POOL_IDLE_MS.
 */
class HostPool {
  private readonly byPath = new Map<string, Promise<PooledHost | null>>();
  private readonly warned = new Set<string>();
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dir: string,
    private readonly version: string,
  ) {}

  /** The hosts whose sockets are in the dir now. Stale sockets are left for the CLI's liveHosts to remove. */
  async live(): Promise<PooledHost[]> {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.close(), POOL_IDLE_MS).unref();
    const present = new Set(hostSockets(this.dir));
    for (const [path, entry] of this.byPath) {
      if (present.has(path)) continue;
      this.byPath.delete(path);
      void entry.then((host) => host?.connection.close());
    }
    for (const path of present) if (!this.byPath.has(path)) this.open(path);
    return (await Promise.all(this.byPath.values())).filter((host): host is PooledHost => host !== null);
  }

  async jobs(pooled: PooledHost): Promise<JobWire[]> {
    return (await pooled.host.jobs(PERSON_SESSION)).jobs;
  }

  /**
   * Attaches to the job over a connection of its own, so its backpressure pauses no one else;
   * watches when read-only or when the job has ended (its last screen, then its exit).
   */
  async view(host: PooledHost, job: JobWire, writable: boolean, handlers: StreamHandlers): Promise<JobView> {
    const connection = await this.connect(host.path);
    const attach = async (mode: 'attach' | 'watch') => (await connection.attach({ job_id: job.job_id, mode }, handlers)).stream;
    try {
      const stream = await attach(writable && job.status === 'running' ? 'attach' : 'watch').catch((error: HostError) => {
        if (error.code === 'not_running') return attach('watch'); // it ended since the list
        throw error;
      });
      return {
        input: stream.input,
        pause: () => connection.pauseReading(),
        resume: () => connection.resumeReading(),
        onHostGone: (listener) => connection.onClose(listener),
        close: () => {
          stream.detach();
          connection.close();
        },
      };
    } catch (error) {
      connection.close();
      throw error;
    }
  }

  close(): void {
    clearTimeout(this.idleTimer);
    for (const entry of this.byPath.values()) void entry.then((host) => host?.connection.close());
    this.byPath.clear();
  }

  private connect(path: string): Promise<HostConnection> {
    return HostConnection.connect(path, { name: WEB_CLIENT_NAME, version: this.version }, this.version);
  }

  private open(path: string): void {
    const forget = () => this.byPath.get(path) === entry && this.byPath.delete(path);
    const entry = this.connect(path).then(
      (connection) => {
        connection.onClose(forget);
        return { connection, host: new RemoteHost(async () => ({ connection })), label: connection.info.kind === 'daemon' ? 'daemon' : String(connection.info.pid), path };
      },
      (error: HostError) => {
        forget(); // tried again on the next poll
        if (error.code === 'protocol_mismatch' && !this.warned.has(path)) {
          this.warned.add(path);
          console.error(`ptyjobs web: skipping ${path}: ${error.message}`);
        }
        return null;
      },
    );
    this.byPath.set(path, entry);
  }
}

// --- end of the control-socket client API. ---

const requireLazily = createRequire(import.meta.url);
/** xterm.js and its stylesheet, from the package's own dependency. */
function xtermFile(name: 'lib/xterm.js' | 'css/xterm.css'): Buffer {
  return readFileSync(requireLazily.resolve(`@xterm/xterm/${name}`));
}

function bytesOf(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

export async function serveWeb(options: WebOptions): Promise<WebServer> {
  const token = newToken();
  const pool = new HostPool(options.socketDir, options.version);
  let hosts = new Set<string>();
  const jobsOfAllHosts = async (): Promise<(JobWire & { label: string })[]> => {
    const lists = await Promise.all(
      (await pool.live()).map(async (host) => {
        try {
          return (await pool.jobs(host)).map((job) => ({ ...job, label: `${host.label}:${job.job_id}` }));
        } catch {
          return []; // the host went away during the poll
        }
      }),
    );
    return lists.flat();
  };
  const send = (response: ServerResponse, status: number, type: string, body: string | Buffer) => {
    response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    response.end(body);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    if (!hostAllowed(request, hosts)) return send(response, 403, 'text/plain', 'wrong Host\n');
    const url = new URL(request.url ?? '/', 'http://x');
    if (url.pathname === '/') return send(response, 200, 'text/html; charset=utf-8', PAGE_HTML);
    if (url.pathname === '/xterm.js') return send(response, 200, 'text/javascript', xtermFile('lib/xterm.js'));
    if (url.pathname === '/xterm.css') return send(response, 200, 'text/css', xtermFile('css/xterm.css'));
    // Browsers ask for it on every load; no icon, and nothing about this server.
    if (url.pathname === '/favicon.ico') return send(response, 204, 'text/plain', '');
    if (!tokenMatches(url.searchParams.get('t'), token)) return send(response, 401, 'text/plain', 'missing or wrong token\n');
    if (url.pathname === '/api/jobs') return send(response, 200, 'application/json', JSON.stringify({ jobs: await jobsOfAllHosts(), writable: options.writable }));
    send(response, 404, 'text/plain', 'not found\n');
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error) => send(response, 500, 'text/plain', `${(error as Error).message}\n`));
  });
  const sockets = new WebSocketServer({ noServer: true });
  // Authenticated here, in the upgrade, as ws's docs advise: a refused upgrade never becomes a socket.
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', 'http://x');
    const refuse = (status: string) => {
      socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
      socket.destroy();
    };
    if (!hostAllowed(request, hosts)) return refuse('403 Forbidden');
    if (!originAllowed(request, hosts, true)) return refuse('403 Forbidden');
    if (url.pathname !== '/ws' || !tokenMatches(url.searchParams.get('t'), token)) return refuse('401 Unauthorized');
    sockets.handleUpgrade(request, socket, head, (ws) => void view(ws, url.searchParams.get('job') ?? ''));
  });

  /** One browser terminal. The browser may leave at any await: what was opened by then is released, so no viewer outlives its page. */
  const view = async (ws: WebSocket, label: string) => {
    let gone = false;
    let jobView: JobView | null = null;
    let relieve: NodeJS.Timeout | undefined;
    const release = () => {
      clearInterval(relieve);
      jobView?.close();
      jobView = null;
    };
    ws.on('close', () => {
      gone = true;
      release();
    });
    const fail = (message: string) => {
      if (gone) return;
      ws.send(JSON.stringify({ type: 'error', message }));
      ws.close();
    };
    const colon = label.lastIndexOf(':');
    const [hostLabel, jobId] = [label.slice(0, colon), label.slice(colon + 1)];
    try {
      const host = (await pool.live()).find((candidate) => candidate.label === hostLabel);
      if (!host) return fail(`no host ${hostLabel}`);
      const job = (await pool.jobs(host)).find((candidate) => candidate.job_id === jobId);
      if (!job) return fail(`no job ${label}`);
      if (gone) return;
      let paused = false;
      const opened = await pool.view(host, job, options.writable, {
        data: (bytes) => {
          ws.send(bytes);
          if (jobView && !paused && ws.bufferedAmount > BROWSER_MAX_BUFFERED_BYTES) {
            paused = true;
            jobView.pause();
          }
        },
        exit: (ended) => {
          ws.send(JSON.stringify({ type: 'exit', job: ended }));
          ws.close();
        },
      });
      jobView = opened;
      if (gone) return release();
      opened.onHostGone(() => ws.close());
      relieve = setInterval(() => {
        if (paused && ws.bufferedAmount < BROWSER_RESUME_BYTES) {
          paused = false;
          opened.resume();
        }
      }, BACKPRESSURE_POLL_MS);
      ws.on('message', (data, isBinary) => {
        // The page sends keys as text frames: their UTF-8 bytes go to the job as they are.
        if (options.writable && !isBinary) opened.input(bytesOf(data));
      });
    } catch (error) {
      fail((error as Error).message);
      release();
    }
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  hosts = allowedHosts(port, '127.0.0.1');
  // The same port on ::1, where the machine has IPv6 loopback.
  const v6 = createServer((request, response) => server.emit('request', request, response));
  v6.on('upgrade', (...args) => server.emit('upgrade', ...args));
  await new Promise<void>((resolve) => {
    v6.once('error', () => resolve());
    v6.listen(port, '::1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${port}/#t=${token}`,
    port,
    close: async () => {
      for (const ws of sockets.clients) ws.terminate();
      pool.close();
      server.closeAllConnections();
      v6.closeAllConnections();
      await Promise.all([new Promise((resolve) => server.close(resolve)), new Promise((resolve) => v6.close(resolve))]);
    },
  };
}
