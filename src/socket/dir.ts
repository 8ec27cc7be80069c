// The user's socket dir: where every job host listens and every CLI looks. Private (0700,
// owned by the user), as tmux keeps its own; a dir anyone else could write to is refused,
// since whoever can connect can run commands as this user.
import { chmodSync, lstatSync, mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';

export const DAEMON_SOCKET = 'daemon.sock';

export class SocketDirError extends Error {}


/** Creates the dir (0700) if needed, and refuses one that is not private to this user. */
export function ensureSocketDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  checkSocketDir(dir);
}

export function checkSocketDir(dir: string): void {
  const stat = lstatSync(dir);
  const uid = userInfo().uid;
  if (!stat.isDirectory()) throw new SocketDirError(`${dir} is not a directory; remove it or set PTYJOBS_SOCKET_DIR to another place.`);
  if (stat.uid !== uid) throw new SocketDirError(`unsafe socket dir ${dir}: it belongs to uid ${stat.uid}, not to you (uid ${uid}). Set PTYJOBS_SOCKET_DIR to a dir of your own.`);
  if ((stat.mode & 0o077) !== 0) {
    throw new SocketDirError(`unsafe permissions on socket dir ${dir} (mode ${(stat.mode & 0o777).toString(8)}): others could reach your jobs. Run chmod 700 ${dir}.`);
  }
}

/** The host sockets in the dir: `<pid>.sock` of embedded hosts and the daemon's. */
export function hostSockets(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => /^\d+\.sock$/.test(name) || name === DAEMON_SOCKET)
      .map((name) => join(dir, name));
  } catch {
    return [];
  }
}

/** The pid an embedded host's socket is named after, or null for the daemon's. */
export function socketPid(path: string): number | null {
  const match = /(\d+)\.sock$/.exec(path);
  return match ? Number(match[1]) : null;
}

export function removeStale(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* someone else removed it */
  }
}

export function makePrivate(path: string): void {
  chmodSync(path, 0o600);
}
