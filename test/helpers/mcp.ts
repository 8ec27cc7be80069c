// A real MCP client connected in memory to a fresh server, and calling tools through it.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { JobHost } from '../../src/host/job-host.js';
import { JobManager } from '../../src/jobs/manager.js';
import { createServer } from '../../src/mcp/server.js';
import { makeConfig } from './host.js';

/** A real MCP client connected in memory to a fresh server. */
export async function connectClient(env: Record<string, string> = {}, clientOptions: ConstructorParameters<typeof Client>[1] = undefined): Promise<{ client: Client; manager: JobManager; host: JobHost; close: () => Promise<void> }> {
  const config = makeConfig(env);
  const manager = new JobManager(config);
  const host = new JobHost(manager, config);
  const { server, session } = createServer(host, 'test');
  host.attachSession(session);
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'ptyjobs-test', version: '0' }, clientOptions);
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  return {
    client,
    manager,
    host,
    close: async () => {
      await client.close();
      await manager.closeAll();
      await server.close();
    },
  };
}

/** Calls a tool and returns its result (typed loosely for assertions). */
export async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult & { structuredContent?: any }> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult & { structuredContent?: any };
}

export function textOf(result: CallToolResult): string {
  return result.content.map((block) => (block.type === 'text' ? block.text : '')).join('\n');
}
