// Builds the MCP server over a job manager; the transport is wired by the caller.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { JobManager } from '../jobs/manager.js';
import { registerTools } from './tools.js';

export const SERVER_INSTRUCTIONS =
  'ptyjobs runs shell commands as background jobs in pseudo-terminals. Start with execute; ' +
  'use wait (pattern, idle_ms, input, port, exit) instead of polling; type into REPLs and TUIs with interact; read with tail (screen) or output (incremental); stop with kill.';

export function createServer(manager: JobManager, version: string): McpServer {
  const server = new McpServer({ name: 'ptyjobs', version }, { instructions: SERVER_INSTRUCTIONS, capabilities: { tools: {} } });
  registerTools(server, manager);
  return server;
}
