// Builds an MCP server over a job host for one client; the transport is wired by the caller.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { HostApi } from '../host/api.js';
import { Session } from '../host/session.js';
import { compactSchema } from './compact-schema.js';
import { registerTools } from './tools.js';

export const SERVER_INSTRUCTIONS =
  'ptyjobs runs shell commands as background jobs in terminals. Start with execute; use wait (pattern, idle_ms, input, port, exit) instead of polling; ' +
  'type into REPLs and TUIs with interact; read with tail (screen) or output (by offset); stop with kill.';

export function createServer(host: HostApi, version: string, session = new Session()): { server: McpServer; session: Session } {
  const server = new McpServer({ name: 'ptyjobs', version }, { instructions: SERVER_INSTRUCTIONS, capabilities: { tools: {} } });
  // The client's name and version label the jobs it starts (`list`, `ptyjobs ls`).
  server.server.oninitialized = () => {
    const info = server.server.getClientVersion();
    if (info) session.client = { name: info.name, version: info.version };
  };
  registerTools(server, host, session);
  dropSchemaMarkers(server);
  return { server, session };
}

type Handler = (...args: unknown[]) => Promise<{ tools?: { inputSchema: Record<string, unknown>; outputSchema?: Record<string, unknown> }[] }>;

/**
 * The SDK marks every tool schema with "$schema" (a JSON Schema draft URL): 50 bytes a tool
 * that models read and clients do not need. Its list handler is private; if it moves, the
 * markers stay (test/mcp/tools.test.ts measures the definitions and notices).
 */
function dropSchemaMarkers(server: McpServer): void {
  const handlers = (server.server as unknown as { _requestHandlers?: Map<string, Handler> })._requestHandlers;
  const list = handlers?.get('tools/list');
  if (!handlers || !list) return;
  handlers.set('tools/list', async (...args) => {
    const result = await list(...args);
    for (const tool of result.tools ?? []) {
      compactSchema(tool.inputSchema);
      if (tool.outputSchema) compactSchema(tool.outputSchema);
    }
    return result;
  });
}
