// Every live job host of this user, found through the socket dir, and a job named by a person
// (`j3` when only one host has a j3, else `HOST:j3`, HOST a pid or "daemon"). The dir and each
// socket are checked to be this user's before anything is sent (see client.ts).
import { JobError } from '../errors.js';
import type { HostInfo } from '../host/info.js';
import type { JobWire } from '../host/schema.js';
import { Session } from '../host/session.js';
import { isRunning } from '../util/process.js';
import { HostConnection, type HostError } from './client.js';
import { checkSocketDir, hostSockets, removeStale, socketPid } from './dir.js';
import { RemoteHost } from './remote-host.js';

export interface LiveHost {
  /** How jobs of this host are named: its pid, or "daemon". */
  label: string;
  info: HostInfo;
  host: RemoteHost;
  connection: HostConnection;
}

/** The session a person's tool uses with a remote host (the host keeps the real one). */
export const PERSON_SESSION = new Session();

export const PEOPLE_CLIENT = { name: 'ptyjobs-cli', version: '' };

/** Connects to every host socket in `dir` (refused when the dir is not private); removes sockets whose host is gone. */
export async function liveHosts(dir: string, version: string, warn: (message: string) => void): Promise<LiveHost[]> {
  checkSocketDir(dir);
  const found = await Promise.all(hostSockets(dir).map((path) => connectHost(path, version, warn)));
  return found.filter((host): host is LiveHost => host !== null);
}

/** One host socket, or null when nobody answers there (a stale socket is removed). */
export async function connectHost(path: string, version: string, warn: (message: string) => void): Promise<LiveHost | null> {
  try {
    const connection = await HostConnection.connect(path, { ...PEOPLE_CLIENT, version }, version);
    const label = connection.info.kind === 'daemon' ? 'daemon' : String(connection.info.pid);
    return { label, info: connection.info, connection, host: new RemoteHost(async () => ({ connection })) };
  } catch (error) {
    const code = (error as HostError).code;
    const pid = socketPid(path);
    // A socket that is not the user's is never spoken to, nor removed.
    if (code === 'untrusted') warn(`ptyjobs: skipping ${path}: ${(error as Error).message}`);
    // Nobody listens there any more (the host was killed): whoever finds it removes it.
    else if (code === 'ECONNREFUSED' || (pid !== null && !isRunning(pid))) removeStale(path);
    else if (code !== 'ENOENT') warn(`ptyjobs: skipping ${path}: ${(error as Error).message}`);
    return null;
  }
}

export interface JobRef {
  live: LiveHost;
  job: JobWire;
}

/** Finds the job a person named; a JobError (unknown_job) when none or several match. */
export async function resolveJob(hosts: LiveHost[], name: string): Promise<JobRef> {
  const colon = name.lastIndexOf(':');
  const [hostLabel, jobId] = colon > 0 ? [name.slice(0, colon), name.slice(colon + 1)] : [null, name];
  const candidates = hostLabel === null ? hosts : hosts.filter((live) => live.label === hostLabel);
  const matches: JobRef[] = [];
  for (const live of candidates) {
    const { jobs } = await live.host.jobs(PERSON_SESSION);
    for (const job of jobs) if (job.job_id === jobId) matches.push({ live, job });
  }
  if (matches.length === 1) return matches[0];
  if (matches.length === 0) throw new JobError(`no job ${name}${hosts.length === 0 ? ' (no ptyjobs server is running)' : ''}; run ptyjobs ls to see the jobs.`, 'unknown_job');
  throw new JobError(`${name} is ambiguous: ${matches.map((m) => `${m.live.label}:${m.job.job_id}`).join(', ')}; name one of them.`, 'unknown_job');
}

