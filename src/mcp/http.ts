// MCP over Streamable HTTP at /mcp: one McpServer per session over one job host (the process's
// own, or the shared daemon's), each session a client with its own cursors. Every request needs
// the bearer token; Host and Origin are checked (the SDK's host validation covers Host only).
// Sessions expire when idle and are capped; a request must arrive within a deadline (HTTP_LIMITS).
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { HostApi } from '../host/api.js';
import type { Session } from '../host/session.js';
import { allowedHosts, hostAllowed, originAllowed, tokenMatches } from '../http/guard.js';
import { createServer } from './server.js';

/** A request body larger than this is refused (input of 16 MB fits). */
const MAX_BODY_BYTES = 24 * 1024 * 1024;
/** How often Node checks connections against the receive deadline (the deadline's granularity). */
const RECEIVE_CHECK_INTERVAL_MS = 1000;
/** What a client refused for lack of room is told to wait before it tries again. */
const BUSY_RETRY_AFTER_S = 5;

/**
 * Deadlines and caps of the HTTP front (tests pass lower ones). A session holds an McpServer
 * and the client's cursors (~75 KB); one the client never closed would otherwise stay forever.
 */
export interface HttpLimits {
  /**
   * A session with no request (and no open event stream) for this long is closed; its next
   * request gets 404 and the client initializes a new one: its jobs live on, its cursors start over.
   */
  sessionIdleMs: number;
  /** Sessions alive at once; a new one past this closes the least recently used idle one (503 when none is idle). */
  maxSessions: number;
  /** A request's headers and body must arrive within this, else 408 and the connection is closed. */
  receiveMs: number;
}

export const HTTP_LIMITS: HttpLimits = {
  sessionIdleMs: 60 * 60_000,
  maxSessions: 100,
  receiveMs: 30_000,
};

export interface HttpOptions {
  host: string;
  port: number;
  token: string;
  version: string;
  /** Each new MCP session gets its own Session on the host. */
  onSession?: (session: Session) => () => void;
  limits?: Partial<HttpLimits>;
}

/** An MCP session of this server, with what its expiry needs. */
interface LiveSession {
  mcp: McpServer;
  transport: StreamableHTTPServerTransport;
  /** Requests (and open event streams) not yet answered: a busy session never expires. */
  inFlight: number;
  lastUsed: number;
  idleTimer?: NodeJS.Timeout;
}

function fail(response: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify({ jsonrpc: '2.0', error: { code: status === 404 ? -32001 : -32000, message }, id: null }));
}

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error(`request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

/** The token of `Authorization: Bearer T`; the scheme in any case, as RFC 7235 says. */
function bearerToken(header: string | undefined): string | undefined {
  return /^bearer +(\S+) *$/i.exec(header ?? '')?.[1];
}

export async function serveHttp(host: HostApi, options: HttpOptions): Promise<Server> {
  const limits: HttpLimits = { ...HTTP_LIMITS, ...options.limits };
  const live = new Set<LiveSession>();
  const sessions = new Map<string, LiveSession>();
  const hosts = allowedHosts(options.port, options.host);

  const expire = (entry: LiveSession) => void entry.mcp.close(); // its transport's onclose forgets it
  /** Counts a request against the session's idleness until its response is done. */
  const use = (entry: LiveSession, response: ServerResponse) => {
    entry.inFlight++;
    clearTimeout(entry.idleTimer);
    response.once('close', () => {
      if (!live.has(entry)) return; // closed meanwhile
      entry.lastUsed = Date.now();
      if (--entry.inFlight === 0) entry.idleTimer = setTimeout(() => expire(entry), limits.sessionIdleMs).unref();
    });
  };
  /** Makes room for one more session: false when every session is busy. */
  const roomForOne = () => {
    if (live.size < limits.maxSessions) return true;
    const idle = [...live].filter((entry) => entry.inFlight === 0).sort((a, b) => a.lastUsed - b.lastUsed);
    if (idle.length === 0) return false;
    expire(idle[0]);
    return true;
  };

  // Node answers 408 and closes the connection when headers or body miss the deadline.
  const deadlines = { requestTimeout: limits.receiveMs, headersTimeout: limits.receiveMs, connectionsCheckingInterval: Math.min(RECEIVE_CHECK_INTERVAL_MS, limits.receiveMs) };
  const server = createHttpServer(deadlines, async (request, response) => {
    if (!hostAllowed(request, hosts)) return fail(response, 403, `Host ${request.headers.host ?? '(none)'} is not this server's address.`);
    if (!originAllowed(request, hosts)) return fail(response, 403, `Origin ${request.headers.origin} may not use this server.`);
    if (new URL(request.url ?? '/', 'http://x').pathname !== '/mcp') return fail(response, 404, 'MCP is served at /mcp.');
    if (!tokenMatches(bearerToken(request.headers.authorization), options.token)) return fail(response, 401, 'Missing or wrong bearer token (PTYJOBS_HTTP_TOKEN, or the http-token file in the socket dir).', { 'www-authenticate': 'Bearer' });
    try {
      const body = request.method === 'POST' ? await readBody(request) : undefined;
      const sessionId = request.headers['mcp-session-id'];
      if (typeof sessionId === 'string') {
        const entry = sessions.get(sessionId);
        // As the spec says: an unknown (or expired) session is 404, and the client starts a new one.
        if (!entry) return fail(response, 404, 'Session not found; initialize a new session.');
        use(entry, response);
        return await entry.transport.handleRequest(request, response, body);
      }
      if (request.method !== 'POST' || !isInitializeRequest(body)) return fail(response, 400, 'No mcp-session-id: the first request must be initialize.');
      if (!roomForOne()) return fail(response, 503, `${limits.maxSessions} sessions are busy; try again when one is done.`, { 'retry-after': String(BUSY_RETRY_AFTER_S) });
      const { server: mcp, session } = createServer(host, options.version);
      const forget = options.onSession?.(session);
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => void sessions.set(id, entry),
      });
      const entry: LiveSession = { mcp, transport, inFlight: 0, lastUsed: Date.now() };
      live.add(entry);
      transport.onclose = () => {
        clearTimeout(entry.idleTimer);
        live.delete(entry);
        if (transport.sessionId) sessions.delete(transport.sessionId);
        forget?.();
      };
      await mcp.connect(transport);
      use(entry, response);
      await transport.handleRequest(request, response, body);
      if (!transport.sessionId) expire(entry); // the initialize was refused: no session to keep
    } catch (error) {
      if (!response.headersSent) fail(response, 400, `Bad request: ${(error as Error).message}`);
    }
  });
  server.on('close', () => [...live].forEach(expire));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return server;
}
