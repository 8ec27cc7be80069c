// The shared daemon: a job host for all of the user's fronts on daemon.sock. Its jobs outlive
// any front. It ends on `ptyjobs daemon stop` or SIGTERM (every job ended, as at shutdown), and
// by itself after PTYJOBS_DAEMON_IDLE_S with no running job and no connected client.
import { join } from 'node:path';
import { HOST_SETTINGS, settingName, type Config } from '../config.js';
import { describeHost } from '../host/info.js';
import { JobHost } from '../host/job-host.js';
import { JobManager } from '../jobs/manager.js';
import { DAEMON_SOCKET, ensureSocketDir } from '../socket/dir.js';
import { manageLifecycle } from '../process/lifecycle.js';
import { HOST_METHODS, type DaemonStatus } from '../protocol/methods.js';
import { holdDaemonLock } from '../socket/lock.js';
import { ControlServer, type Handler } from '../socket/server.js';
import { BoundedLog, DAEMON_LOG } from './log.js';

/** How often idleness is checked. */
const IDLE_CHECK_MS = 500;

export async function serveDaemon(config: Config, version: string): Promise<void> {
  const dir = config.socketDir;
  ensureSocketDir(dir);
  await holdDaemonLock(dir); // before anything else: a second daemon refuses here
  const log = new BoundedLog(join(dir, DAEMON_LOG));
  const say = (message: string) => log.write(message);
  const lifecycle = manageLifecycle({ stdio: false, killGraceMs: config.killGraceMs, log: say });

  const manager = new JobManager(config, say);
  const host = new JobHost(manager, config);
  const info = describeHost('daemon', version, () => null);
  const startedAt = Date.now();
  lifecycle.onStop(async (why) => {
    say(`${why}: ending ${manager.runningCount()} running jobs`);
    await control.close();
    await manager.closeAll();
    say('stopped');
  });
  const status = (): DaemonStatus => ({
    pid: process.pid,
    version,
    started_at: info().started_at,
    uptime_s: Math.round((Date.now() - startedAt) / 1000),
    jobs: manager.list().length,
    running: manager.runningCount(),
    clients: control.clientCount,
    log: log.path,
    settings: Object.fromEntries(HOST_SETTINGS.map((key) => [settingName(key), config[key]])),
  });
  const methods = new Map<string, Handler>([
    [HOST_METHODS.daemonStatus, async () => status()],
    // Answered before the daemon goes, so the caller knows it was heard; it then waits for the pid.
    [
      HOST_METHODS.daemonStop,
      async () => {
        setImmediate(() => void lifecycle.stop('daemon stop'));
        return { stopping: true, pid: process.pid };
      },
    ],
  ]);
  const control = new ControlServer(host, { path: join(dir, DAEMON_SOCKET), info, methods });
  await control.start();
  say(`ptyjobs ${version} daemon ${process.pid} listening on ${control.path}`);

  let idleSince = Date.now();
  setInterval(() => {
    if (manager.runningCount() > 0 || control.clientCount > 0) idleSince = Date.now();
    else if (Date.now() - idleSince >= config.daemonIdleS * 1000) void lifecycle.stop(`idle for ${config.daemonIdleS}s`);
  }, IDLE_CHECK_MS).unref();
  // The listening socket keeps the process alive until stop().
}
