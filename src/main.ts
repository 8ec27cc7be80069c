#!/usr/bin/env node
// The ptyjobs command: settings → job manager → MCP server on stdio. Every job is ended when
// the client goes away (stdin closes) or the server is told to stop by a signal.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { ConfigError, helpText, loadConfig } from './config.js';
import { JobHost } from './host/job-host.js';
import { JobManager } from './jobs/manager.js';
import { createServer } from './mcp/server.js';
import { packageRoot } from './package-root.js';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

async function main(): Promise<void> {
  const version = packageVersion();
  let request;
  try {
    request = loadConfig(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`ptyjobs: ${error.message}`);
    process.exit(2);
  }
  if (request.kind === 'help') {
    console.log(helpText(version));
    return;
  }
  if (request.kind === 'version') {
    console.log(version);
    return;
  }

  for (const warning of request.warnings) console.error(warning);
  const manager = new JobManager(request.config);
  const host = new JobHost(manager, request.config);
  const { server, session } = createServer(host, version);
  host.attachSession(session);
  let stopping = false;
  const shutdown = async (why: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`ptyjobs: ${why}; ending all jobs`);
    try {
      await manager.closeAll();
      await server.close();
    } finally {
      process.exit(0);
    }
  };
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => void shutdown(signal));
  process.stdin.on('end', () => void shutdown('stdin closed'));
  process.stdin.on('close', () => void shutdown('stdin closed'));
  process.stdout.on('error', () => void shutdown('stdout closed'));
  // A bug in one request must not take every job down with it.
  process.on('uncaughtException', (error) => console.error('ptyjobs: internal error:', error));
  process.on('unhandledRejection', (error) => console.error('ptyjobs: internal error:', error));

  await server.connect(new StdioServerTransport());
  console.error(`ptyjobs ${version}: serving on stdio`);
}

void main();
