// The server modes: MCP on stdio as an embedded job host with a control socket, as a front of
// the shared daemon (--shared), or over Streamable HTTP (--http). Loaded by main.ts only when it
// serves, so a CLI command does not load the MCP server.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Config } from './config.js';
import type { HostApi } from './host/api.js';
import { describeHost } from './host/info.js';
import { JobHost } from './host/job-host.js';
import type { Session } from './host/session.js';
import { JobManager } from './jobs/manager.js';
import { createServer } from './mcp/server.js';
import { ensureSocketDir, resolveSocketDir } from './socket/dir.js';
import { ControlServer } from './socket/server.js';

/** The control socket, or null (turned off, or an unsafe socket dir: then the server runs without it). */
async function startControlSocket(config: Config, host: JobHost, info: ReturnType<typeof describeHost>): Promise<ControlServer | null> {
  if (!config.socket) return null;
  const dir = resolveSocketDir(config.socketDir, process.env);
  try {
    ensureSocketDir(dir);
    const control = new ControlServer(host, { path: join(dir, `${process.pid}.sock`), info });
    await control.start();
    return control;
  } catch (error) {
    console.error(`ptyjobs: no control socket (ptyjobs ls and attach will not see these jobs): ${(error as Error).message}`);
    return null;
  }
}

export async function serve(config: Config, warnings: string[], version: string): Promise<void> {
  for (const warning of warnings) console.error(warning);
  const manager = new JobManager(config);
  const host = new JobHost(manager, config);
  const { server, session } = createServer(host, version);
  host.attachSession(session);
  const control = await startControlSocket(config, host, describeHost('embedded', version, () => session.client));
  let stopping = false;
  const shutdown = async (why: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`ptyjobs: ${why}; ending all jobs`);
    try {
      await control?.close();
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
  console.error(`ptyjobs ${version}: serving on stdio${control ? `; control socket ${control.path}` : ''}`);
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** --http: MCP over Streamable HTTP until a signal; jobs in this process (or the shared daemon). */
export async function serveOverHttp(config: Config, warnings: string[], version: string, argv: string[]): Promise<void> {
  const address = config.http!;
  if (!LOOPBACK.has(address.host)) {
    if (!config.httpAllowRemote) {
      console.error(`ptyjobs: --http ${address.host}:${address.port} is not a loopback address; anyone who reaches it with the token can run commands as you. Add --http-allow-remote to mean it.`);
      process.exit(2);
    }
    console.error(`ptyjobs: warning: serving MCP on ${address.host}:${address.port}, reachable from other machines; keep the token secret.`);
  }
  for (const warning of warnings) console.error(warning);
  const dir = resolveSocketDir(config.socketDir, process.env);
  let host: HostApi;
  let closeHost = async () => {};
  let onSession: ((session: Session) => () => void) | undefined;
  const [{ DaemonFront }, { daemonSpawnArgs }, { newToken }, { serveHttp }] = await Promise.all([
    import('./daemon/front.js'), import('./daemon/spawn-args.js'), import('./http/guard.js'), import('./mcp/http.js'),
  ]);
  if (config.shared) {
    ensureSocketDir(dir);
    host = new DaemonFront({ config, version, dir, client: () => ({ name: 'http', version: '' }), spawnArgs: daemonSpawnArgs(argv.filter((arg) => !arg.startsWith('--http'))), warn: (m) => console.error(m) });
  } else {
    const manager = new JobManager(config);
    const jobHost = new JobHost(manager, config);
    const control = await startControlSocket(config, jobHost, describeHost('embedded', version, () => ({ name: 'http', version: '' })));
    host = jobHost;
    onSession = (session) => jobHost.attachSession(session);
    closeHost = async () => {
      await control?.close();
      await manager.closeAll();
    };
  }
  const token = config.httpToken ?? newToken();
  if (!config.httpToken) {
    ensureSocketDir(dir);
    const file = join(dir, `http-token-${address.port}`);
    writeFileSync(file, `${token}\n`, { mode: 0o600 });
    console.error(`ptyjobs: bearer token (also in ${file}): ${token}`);
  }
  const server = await serveHttp(host, { host: address.host, port: address.port, token, version, onSession });
  const stop = async (why: string) => {
    console.error(`ptyjobs: ${why}; stopping`);
    server.close();
    server.closeAllConnections();
    await closeHost();
    process.exit(0);
  };
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => void stop(signal));
  process.on('uncaughtException', (error) => console.error('ptyjobs: internal error:', error));
  process.on('unhandledRejection', (error) => console.error('ptyjobs: internal error:', error));
  const shown = address.host.includes(':') ? `[${address.host}]` : address.host;
  console.error(`ptyjobs ${version}: serving MCP on http://${shown}:${address.port}/mcp`);
}

/** --shared: MCP on stdio as a front of the user's daemon; leaving ends no job. */
export async function serveFront(config: Config, warnings: string[], version: string, argv: string[]): Promise<void> {
  for (const warning of warnings) console.error(warning);
  const dir = resolveSocketDir(config.socketDir, process.env);
  ensureSocketDir(dir);
  const [{ DaemonFront }, { daemonSpawnArgs }] = await Promise.all([import('./daemon/front.js'), import('./daemon/spawn-args.js')]);
  const sessionHolder: { session: Session | null } = { session: null };
  const remote = new DaemonFront({
    config, version, dir,
    client: () => sessionHolder.session?.client ?? { name: 'unknown', version: '' },
    spawnArgs: daemonSpawnArgs(argv),
    warn: (message) => console.error(message),
  });
  const { server, session } = createServer(remote, version);
  sessionHolder.session = session;
  const leave = (why: string) => {
    console.error(`ptyjobs: ${why}; the jobs stay in the shared daemon`);
    process.exit(0);
  };
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => leave(signal));
  process.stdin.on('end', () => leave('stdin closed'));
  process.stdout.on('error', () => leave('stdout closed'));
  process.on('uncaughtException', (error) => console.error('ptyjobs: internal error:', error));
  process.on('unhandledRejection', (error) => console.error('ptyjobs: internal error:', error));
  await server.connect(new StdioServerTransport());
  console.error(`ptyjobs ${version}: serving on stdio, a front of the shared daemon in ${dir}`);
}

