// Builds an MCP server over a job host for one client; the transport is wired by the caller.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { HostApi } from '../host/api.js';
import { Session } from '../host/session.js';
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
  return { server, session };
}
