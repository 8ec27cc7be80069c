// Finding the user's daemon, or starting exactly one even when many fronts start at once (as
// tmux's client does): connect; if nobody answers, take the lock; connect again (someone may
// have started it meanwhile); only then remove a stale socket and start the daemon; release the
// lock once it listens.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HostConnection, HostError, type HelloExtras } from '../socket/client.js';
import { DAEMON_SOCKET, removeStale } from '../socket/dir.js';
import { DAEMON_LOG } from './log.js';
import { isAlive } from '../jobs/signals.js';

const LOCK_FILE = 'daemon.lock';
/** How long a new daemon gets to listen, and a front to wait for another's lock. */
const START_TIMEOUT_MS = 10_000;
const RETRY_MS = 25;

export interface DaemonConnectOptions {
  dir: string;
  version: string;
  client: { name: string; version: string };
  hello: HelloExtras;
  /** argv for `node <entry> daemon serve …` and its environment (the starting front's settings). */
  spawnArgs: string[];
  spawnEnv: NodeJS.ProcessEnv;
}

function tryConnect(options: DaemonConnectOptions): Promise<HostConnection | null> {
  return HostConnection.connect(join(options.dir, DAEMON_SOCKET), options.client, options.version, options.hello).catch((error: HostError) => {
    if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED') return null;
    throw error; // a version mismatch, a daemon that does not answer: say so
  });
}


/** Takes the lock file (O_EXCL); a lock whose holder died is broken. Returns a release function or null if held. */
function takeLock(dir: string): (() => void) | null {
  const path = join(dir, LOCK_FILE);
  try {
    const fd = openSync(path, 'wx', 0o600);
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return () => removeStale(path);
  } catch {
    const holder = Number(readFileSafe(path));
    if (holder && !isAlive(holder)) removeStale(path);
    return null;
  }
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** A connection to the daemon, started if none runs. `started` says whether this call started it. */
export async function connectDaemon(options: DaemonConnectOptions): Promise<{ connection: HostConnection; started: boolean }> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const existing = await tryConnect(options);
    if (existing) return { connection: existing, started: false };
    const release = takeLock(options.dir);
    if (release) {
      try {
        const raced = await tryConnect(options); // always retry once with the lock held
        if (raced) return { connection: raced, started: false };
        removeStale(join(options.dir, DAEMON_SOCKET));
        spawnDaemon(options);
        while (Date.now() < deadline) {
          const connection = await tryConnect(options);
          if (connection) return { connection, started: true };
          await sleep(RETRY_MS);
        }
        throw new HostError(`The shared daemon did not start within ${START_TIMEOUT_MS / 1000} s; see ${join(options.dir, DAEMON_LOG)}.`, 'no_daemon');
      } finally {
        release();
      }
    }
    if (Date.now() > deadline) throw new HostError(`Another ptyjobs holds ${join(options.dir, LOCK_FILE)} and no daemon came up; remove the file if no ptyjobs is starting.`, 'no_daemon');
    await sleep(RETRY_MS);
  }
}

function spawnDaemon(options: DaemonConnectOptions): void {
  const log = openSync(join(options.dir, DAEMON_LOG), 'a', 0o600);
  const child = spawn(process.execPath, options.spawnArgs, { detached: true, stdio: ['ignore', log, log], env: options.spawnEnv, cwd: options.dir });
  child.unref();
  closeSync(log);
}
