// The server modes: MCP on stdio as an embedded job host with a control socket, as a front of
// the shared daemon (--shared), or over Streamable HTTP (--http). Loaded by main.ts only when it
// serves (for stdio, once the stdio front has answered initialize and tools/list), so a CLI
// command does not load the MCP server. How the process ends is process/lifecycle.ts's.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { daemonArgs, daemonEnv, type Config } from './config.js';
import type { HostApi } from './host/api.js';
import { describeHost } from './host/info.js';
import { JobHost } from './host/job-host.js';
import type { Session } from './host/session.js';
import { JobManager } from './jobs/manager.js';
import { createServer } from './mcp/server.js';
import type { Lifecycle } from './process/lifecycle.js';
import { log } from './util/log.js';
import type { StdioFront } from './process/stdio-front.js';
import { ensureSocketDir } from './socket/dir.js';
import { ControlServer } from './socket/server.js';

/** The control socket, or null (turned off, or an unsafe socket dir: then the server runs without it). */
async function startControlSocket(config: Config, host: JobHost, info: ReturnType<typeof describeHost>): Promise<ControlServer | null> {
  if (!config.socket) return null;
  try {
    ensureSocketDir(config.socketDir);
    const control = new ControlServer(host, { path: join(config.socketDir, `${process.pid}.sock`), info });
    await control.start();
    return control;
  } catch (error) {
    log(`ptyjobs: no control socket (ptyjobs ls and attach will not see these jobs): ${(error as Error).message}`);
    return null;
  }
}

/** MCP on stdio with the jobs in this process; they end when the client leaves. */
export async function serve(config: Config, version: string, front: StdioFront, lifecycle: Lifecycle): Promise<void> {
  const manager = new JobManager(config);
  const host = new JobHost(manager, config);
  const { server, session } = createServer(host, version);
  host.attachSession(session);
  const control = await startControlSocket(config, host, describeHost('embedded', version, () => session.client));
  lifecycle.onStop(async (why) => {
    log(`ptyjobs: ${why}; ending all jobs`);
    await control?.close();
    await manager.closeAll();
    await server.close();
  });
  await server.connect(front.transport);
  log(`ptyjobs ${version}: serving on stdio${control ? `; control socket ${control.path}` : ''}`);
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** --http: MCP over Streamable HTTP until a signal; jobs in this process (or the shared daemon). */
export async function serveOverHttp(config: Config, version: string, lifecycle: Lifecycle): Promise<void> {
  const address = config.http!;
  if (!LOOPBACK.has(address.host)) {
    if (!config.httpAllowRemote) {
      log(`ptyjobs: --http ${address.host}:${address.port} is not a loopback address; anyone who reaches it with the token can run commands as you. Add --http-allow-remote to mean it.`);
      process.exit(2);
    }
    log(`ptyjobs: warning: serving MCP on ${address.host}:${address.port}, reachable from other machines; keep the token secret.`);
  }
  const dir = config.socketDir;
  let host: HostApi;
  let closeHost = async () => {};
  let onSession: ((session: Session) => () => void) | undefined;
  const [{ DaemonFront }, { newToken }, { serveHttp }] = await Promise.all([import('./daemon/front.js'), import('./http/guard.js'), import('./mcp/http.js')]);
  if (config.shared) {
    ensureSocketDir(dir);
    host = new DaemonFront({ config, version, dir, client: () => ({ name: 'http', version: '' }), spawnArgs: daemonArgs(config), spawnEnv: daemonEnv(config), warn: log });
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
  let tokenFile: string | null = null;
  if (!config.httpToken) {
    ensureSocketDir(dir);
    tokenFile = join(dir, `http-token-${address.port}`);
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    log(`ptyjobs: bearer token (also in ${tokenFile}): ${token}`);
  }
  const server = await serveHttp(host, { host: address.host, port: address.port, token, version, onSession });
  lifecycle.onStop(async (why) => {
    log(`ptyjobs: ${why}; stopping`);
    if (tokenFile) rmSync(tokenFile, { force: true });
    server.close();
    server.closeAllConnections();
    await closeHost();
  });
  const shown = address.host.includes(':') ? `[${address.host}]` : address.host;
  log(`ptyjobs ${version}: serving MCP on http://${shown}:${address.port}/mcp`);
}

/** --shared: MCP on stdio as a front of the user's daemon; leaving ends no job. */
export async function serveFront(config: Config, version: string, front: StdioFront, lifecycle: Lifecycle): Promise<void> {
  ensureSocketDir(config.socketDir);
  const { DaemonFront } = await import('./daemon/front.js');
  const sessionHolder: { session: Session | null } = { session: null };
  const remote = new DaemonFront({
    config, version, dir: config.socketDir,
    client: () => sessionHolder.session?.client ?? { name: 'unknown', version: '' },
    spawnArgs: daemonArgs(config),
    spawnEnv: daemonEnv(config),
    warn: log,
  });
  const { server, session } = createServer(remote, version);
  sessionHolder.session = session;
  lifecycle.onStop((why) => log(`ptyjobs: ${why}; the jobs stay in the shared daemon`));
  await server.connect(front.transport);
  log(`ptyjobs ${version}: serving on stdio, a front of the shared daemon in ${config.socketDir}`);
}
