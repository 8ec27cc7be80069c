// MCP over Streamable HTTP at /mcp: one McpServer per session over one job host (the process's
// own, or the shared daemon's), each session a client with its own cursors. Every request needs
// the bearer token; Host and Origin are checked (the SDK's host validation covers Host only).
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { HostApi } from '../host/api.js';
import type { Session } from '../host/session.js';
import { allowedHosts, hostAllowed, originAllowed, tokenMatches } from '../http/guard.js';
import { createServer } from './server.js';

/** A request body larger than this is refused (input of 16 MB fits). */
const MAX_BODY_BYTES = 24 * 1024 * 1024;

export interface HttpOptions {
  host: string;
  port: number;
  token: string;
  version: string;
  /** Each new MCP session gets its own Session on the host. */
  onSession?: (session: Session) => () => void;
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

export async function serveHttp(host: HostApi, options: HttpOptions): Promise<Server> {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const hosts = allowedHosts(options.port, options.host);
  const server = createHttpServer(async (request, response) => {
    if (!hostAllowed(request, hosts)) return fail(response, 403, `Host ${request.headers.host ?? '(none)'} is not this server's address.`);
    if (!originAllowed(request, hosts)) return fail(response, 403, `Origin ${request.headers.origin} may not use this server.`);
    if (new URL(request.url ?? '/', 'http://x').pathname !== '/mcp') return fail(response, 404, 'MCP is served at /mcp.');
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (!tokenMatches(bearer, options.token)) return fail(response, 401, 'Missing or wrong bearer token (PTYJOBS_HTTP_TOKEN, or the http-token file in the socket dir).', { 'www-authenticate': 'Bearer' });
    try {
      const body = request.method === 'POST' ? await readBody(request) : undefined;
      const sessionId = request.headers['mcp-session-id'];
      if (typeof sessionId === 'string') {
        const transport = sessions.get(sessionId);
        // As the spec says: an unknown session is 404, and the client starts a new one.
        if (!transport) return fail(response, 404, 'Session not found; initialize a new session.');
        return await transport.handleRequest(request, response, body);
      }
      if (request.method !== 'POST' || !isInitializeRequest(body)) return fail(response, 400, 'No mcp-session-id: the first request must be initialize.');
      const { server: mcp, session } = createServer(host, options.version);
      const forget = options.onSession?.(session);
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => void sessions.set(id, transport),
      });
      transport.onclose = () => {
        if (transport.sessionId) sessions.delete(transport.sessionId);
        forget?.();
      };
      await mcp.connect(transport);
      await transport.handleRequest(request, response, body);
    } catch (error) {
      if (!response.headersSent) fail(response, 400, `Bad request: ${(error as Error).message}`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return server;
}
