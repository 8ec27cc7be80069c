// Finding the user's daemon, or starting exactly one even when many fronts start at once (as
// tmux's client does): connect; if nobody answers, take the daemon lock (socket/lock.ts); connect
// again (someone may have started it meanwhile); only then start the daemon, handing it the lock
// to hold for its life. The daemon itself removes a dead socket (socket/claim.ts).
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HostConnection, HostError, type HelloExtras, nobodyAnswers } from '../socket/client.js';
import { DAEMON_SOCKET } from '../socket/dir.js';
import { INHERITED_LOCK_FD, tryDaemonLock } from '../socket/lock.js';
import { DAEMON_LOG } from './log.js';

/** How long a new daemon gets to listen, and a front to wait for another's lock. */
const START_TIMEOUT_MS = 10_000;
/** How often a waiting front tries the socket. */
const RETRY_MS = 25;
/** How often it tries the lock again while another holds it (each try spawns the shim; the holder may die mid-start). */
const LOCK_RETRY_MS = 250;

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
    if (nobodyAnswers(error)) return null;
    throw error; // a version mismatch, a daemon that does not answer: say so
  });
}

/** A connection to the daemon, started if none runs. `started` says whether this call started it. */
export async function connectDaemon(options: DaemonConnectOptions): Promise<{ connection: HostConnection; started: boolean }> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let lockTriedAt = -Infinity;
  for (;;) {
    const existing = await tryConnect(options);
    if (existing) return { connection: existing, started: false };
    const lockDue = Date.now() - lockTriedAt >= LOCK_RETRY_MS;
    if (lockDue) lockTriedAt = Date.now();
    const lock = lockDue ? await tryDaemonLock(options.dir) : null;
    if (lock) {
      try {
        const raced = await tryConnect(options); // always retry once with the lock held
        if (raced) return { connection: raced, started: false };
        const daemon = spawnDaemon(options, lock.fd);
        while (Date.now() < deadline) {
          const connection = await tryConnect(options);
          if (connection) return { connection, started: true };
          if (daemon.exitCode !== null || daemon.signalCode !== null) {
            throw new HostError(`The shared daemon exited (${daemon.signalCode ?? `code ${daemon.exitCode}`}) before it listened; see ${join(options.dir, DAEMON_LOG)}.`, 'no_daemon');
          }
          await sleep(RETRY_MS);
        }
        throw new HostError(`The shared daemon did not start within ${START_TIMEOUT_MS / 1000} s; see ${join(options.dir, DAEMON_LOG)}.`, 'no_daemon');
      } finally {
        lock.release();
      }
    }
    if (Date.now() > deadline) throw new HostError(`A shared daemon is starting or running (another ptyjobs holds its lock in ${options.dir}) but none answered within ${START_TIMEOUT_MS / 1000} s; see ${join(options.dir, DAEMON_LOG)}.`, 'no_daemon');
    await sleep(RETRY_MS);
  }
}

/** Starts the daemon detached; `lockFd` (the flock) becomes its fd 3, held for its life. */
function spawnDaemon(options: DaemonConnectOptions, lockFd: number | null): ChildProcess {
  const log = openSync(join(options.dir, DAEMON_LOG), 'a', 0o600);
  const stdio: StdioOptions = ['ignore', log, log];
  if (lockFd !== null) stdio[INHERITED_LOCK_FD] = lockFd;
  const child = spawn(process.execPath, options.spawnArgs, { detached: true, stdio, env: options.spawnEnv, cwd: options.dir });
  child.unref();
  closeSync(log);
  return child;
}
