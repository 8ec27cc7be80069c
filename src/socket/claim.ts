// A host takes its socket path only from the dead: it connects first. A host that answers keeps
// its path (replacing it would cut that host off from every front, its jobs running on unseen);
// a socket that refuses is what a host left when it died, and is removed.
import { connect } from 'node:net';
import { lstatSync } from 'node:fs';
import { HostError } from './client.js';
import { removeStale, socketPid } from './dir.js';

/** A live host accepts at once; one that has not within this is treated as live all the same. */
const PROBE_TIMEOUT_MS = 2000;

type Probe = 'absent' | 'dead' | 'live';

function probe(path: string): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    const settle = (result: Probe | Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const timer = setTimeout(() => settle('live'), PROBE_TIMEOUT_MS);
    socket.on('connect', () => settle('live'));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') settle('absent');
      else if (error.code === 'ECONNREFUSED') settle('dead');
      else if (error.code === 'EAGAIN') settle('live'); // its backlog is full: busy, not dead
      else settle(new HostError(`Cannot check ${path}: ${error.code ?? error.message}.`, 'socket_in_use'));
    });
  });
}

function describe(path: string): string {
  const pid = socketPid(path);
  return pid === null ? `the shared daemon on ${path}` : `ptyjobs host ${pid} on ${path}`;
}

/** Makes `path` free to listen on: nothing there, or a dead socket (removed). Throws if a host answers there. */
export async function claimSocketPath(path: string): Promise<void> {
  const found = await probe(path);
  if (found === 'absent') return;
  if (found === 'live') throw new HostError(`${describe(path)} is running (it answers), so this one does not take its socket.`, 'socket_in_use');
  // Connecting to a file that is not a socket is refused too: that is not ours to remove.
  const stat = lstatSync(path, { throwIfNoEntry: false });
  if (stat && !stat.isSocket()) {
    throw new HostError(`${path} is not a socket; remove it.`, 'socket_in_use');
  }
  removeStale(path);
}
