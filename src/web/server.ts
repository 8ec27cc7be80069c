// `ptyjobs web`: every job of every host of this user in a browser, each a live terminal. An
// HTTP + WebSocket server on loopback that owns no jobs: a client of the hosts' control sockets.
// The page is served without the token and shows nothing until the token (from the URL's
// fragment) comes with each API call and WebSocket upgrade; Host is checked on every request,
// Origin on every upgrade; no CORS. Read-only unless --writable.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { liveHosts, PERSON_SESSION, type LiveHost } from '../socket/hosts.js';
import type { JobWire } from '../host/schema.js';
import { allowedHosts, hostAllowed, newToken, originAllowed, tokenMatches } from '../http/guard.js';
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

const requireLazily = createRequire(import.meta.url);
/** xterm.js and its stylesheet, from the package's own dependency. */
function xtermFile(name: 'lib/xterm.js' | 'css/xterm.css'): Buffer {
  return readFileSync(requireLazily.resolve(`@xterm/xterm/${name}`));
}

export async function serveWeb(options: WebOptions): Promise<WebServer> {
  const token = newToken();
  let hosts = new Set<string>();
  const jobsOfAllHosts = async (): Promise<(JobWire & { label: string })[]> => {
    const live = await liveHosts(options.socketDir, options.version, () => {});
    try {
      const lists = await Promise.all(live.map(async (host) => (await host.host.jobs(PERSON_SESSION)).jobs.map((job) => ({ ...job, label: `${host.label}:${job.job_id}` }))));
      return lists.flat();
    } finally {
      for (const host of live) host.connection.close();
    }
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

  /** One browser terminal: a connection of its own to the job's host, so backpressure stays its own. */
  const view = async (ws: WebSocket, label: string) => {
    const fail = (message: string) => {
      ws.send(JSON.stringify({ type: 'error', message }));
      ws.close();
    };
    const colon = label.lastIndexOf(':');
    const live: LiveHost[] = await liveHosts(options.socketDir, options.version, () => {});
    const target = live.find((host) => host.label === label.slice(0, colon));
    for (const host of live) if (host !== target) host.connection.close();
    if (!target) return fail(`no host ${label.slice(0, colon)}`);
    const connection = target.connection;
    let paused = false;
    const relieve = setInterval(() => {
      if (paused && ws.bufferedAmount < BROWSER_RESUME_BYTES) {
        paused = false;
        connection.resumeReading();
      }
    }, BACKPRESSURE_POLL_MS);
    try {
      const { viewer: stream } = await target.host.attach(PERSON_SESSION, { job_id: label.slice(colon + 1), mode: options.writable ? 'attach' : 'watch' }, {
        backlogBytes: 0,
        write: (bytes) => {
          ws.send(bytes);
          if (!paused && ws.bufferedAmount > BROWSER_MAX_BUFFERED_BYTES) {
            paused = true;
            connection.pauseReading();
          }
        },
        ended: (job) => {
          ws.send(JSON.stringify({ type: 'exit', job }));
          ws.close();
        },
      });
      ws.on('message', (data, isBinary) => {
        if (options.writable && !isBinary) stream.input(Buffer.from(data.toString(), 'utf8'));
      });
      ws.on('close', () => {
        stream.detach();
        connection.close();
        clearInterval(relieve);
      });
      connection.onClose(() => ws.close());
    } catch (error) {
      clearInterval(relieve);
      connection.close();
      fail((error as Error).message);
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
      server.closeAllConnections();
      v6.closeAllConnections();
      await Promise.all([new Promise((resolve) => server.close(resolve)), new Promise((resolve) => v6.close(resolve))]);
    },
  };
}
