// The shared daemon's lock, as tmux keeps its own: flock(2) on daemon.lock in the socket dir.
// The kernel drops a flock when the last descriptor of its open file goes, so a holder that dies
// (even by SIGKILL) frees it at once and nothing is ever "stale". Holding it means "a daemon is
// alive or being started": a front takes it, hands its descriptor to the daemon it spawns (fd 3),
// and the daemon holds it for its whole life; whoever takes it knows daemon.sock is dead.
// Node has no flock: the shim takes it on its stdin (native/shim.c, --flock), which is the same
// open file as ours. Without a shim, an O_EXCL pid file stands in while a front starts a daemon.
import { spawn } from 'node:child_process';
import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { findShim } from '../jobs/shim.js';
import { isAlive } from '../jobs/signals.js';
import { HostError } from './client.js';
import { removeStale } from './dir.js';

const LOCK_FILE = 'daemon.lock';
/** The stand-in without a shim; another name, so a daemon.lock left by flock never looks held. */
const PID_LOCK_FILE = 'daemon.pid-lock';
/** Where a daemon started by a front finds the lock it inherits (spawn stdio index). */
export const INHERITED_LOCK_FD = 3;

/** The shim's --flock exit codes. */
const FLOCK_TAKEN = 0;
const FLOCK_HELD = 1;

/** A lock this process holds. */
export interface HeldLock {
  /** The descriptor a daemon inherits to keep the lock for its life (flock), or null (pid file). */
  readonly fd: number | null;
  release(): void;
}

/** An error that is not "held": said as it is, at once, rather than waited on. */
function lockError(path: string, error: unknown): HostError {
  const { code, message } = error as NodeJS.ErrnoException;
  const hint = code === 'ELOOP' ? ' (a symlink, refused: remove it)' : code === 'EISDIR' ? ' (a directory: remove it)' : '';
  return new HostError(`Cannot take the daemon lock ${path}${hint}: ${code ?? message}.`, 'lock_error');
}

/** Opens (creating it, 0600) the lock file; a symlink or anything but a plain file is refused. */
function openLockFile(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  } catch (error) {
    throw lockError(path, error);
  }
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    throw lockError(path, new Error('not a regular file, remove it'));
  }
  return fd;
}

/** flock(LOCK_EX|LOCK_NB) on `fd`'s open file, through the shim: true if taken, false if held by another. */
function flock(shim: string, fd: number, path: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn(shim, ['--flock'], { stdio: [fd, 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => reject(lockError(path, error)));
    child.on('close', (code) => {
      if (code === FLOCK_TAKEN) resolve(true);
      else if (code === FLOCK_HELD) resolve(false);
      else reject(lockError(path, { message: stderr.trim() || `${shim} --flock exited with ${code}` }));
    });
  });
}

/** The O_EXCL pid file (no shim): a holder that died is broken; errors other than EEXIST are reported. */
function tryPidLock(dir: string): HeldLock | null {
  const path = join(dir, PID_LOCK_FILE);
  try {
    const fd = openSync(path, 'wx', 0o600);
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return { fd: null, release: () => removeStale(path) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw lockError(path, error);
  }
  let holder: number;
  try {
    holder = Number(readFileSync(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null; // released meanwhile: the caller retries
    throw lockError(path, error);
  }
  // Two fronts may both see a dead holder; the later unlink can remove the earlier's new lock.
  // The daemon's claim on its socket (claim.ts) still keeps a second daemon off a live one.
  if (holder && !isAlive(holder)) removeStale(path);
  return null;
}

/** A front: takes the daemon lock, or null when another holds it (a daemon runs or is starting). */
export async function tryDaemonLock(dir: string, shim = findShim()): Promise<HeldLock | null> {
  if (!shim) return tryPidLock(dir);
  const path = join(dir, LOCK_FILE);
  const fd = openLockFile(path);
  try {
    if (await flock(shim, fd, path)) return { fd, release: () => closeSync(fd) };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  closeSync(fd);
  return null;
}

/** The lock descriptor a front handed this process, if fd 3 is an open file of daemon.lock. */
function inheritedLockFd(path: string): number | null {
  try {
    const inherited = fstatSync(INHERITED_LOCK_FD);
    const file = lstatSync(path);
    return inherited.dev === file.dev && inherited.ino === file.ino ? INHERITED_LOCK_FD : null;
  } catch {
    return null; // fd 3 not open, or no lock file: this daemon was started by hand
  }
}

/**
 * The daemon: holds the lock for its whole life, the one a front handed it (taking it again on the
 * same open file succeeds) or its own. Throws when another holds it. Without a shim there is no
 * lock to hold; the claim on daemon.sock refuses a second daemon.
 */
export async function holdDaemonLock(dir: string): Promise<void> {
  const shim = findShim();
  if (!shim) return;
  const path = join(dir, LOCK_FILE);
  const fd = inheritedLockFd(path) ?? openLockFile(path);
  if (await flock(shim, fd, path)) return; // kept open until the process exits
  if (fd !== INHERITED_LOCK_FD) closeSync(fd);
  throw new HostError(`Another ptyjobs daemon is running or starting in ${dir} (it holds ${path}); \`ptyjobs daemon status\` shows it.`, 'daemon_running');
}
