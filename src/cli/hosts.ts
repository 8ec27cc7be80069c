// Every live job host of this user, found through the socket dir, and a job named on the
// command line (`j3` when only one host has a j3, else `HOST:j3`, HOST a pid or "daemon").
import type { JobWire } from '../host/schema.js';
import { HostConnection, HostError } from '../socket/client.js';
import { hostSockets, removeStale, socketPid } from '../socket/dir.js';
import { isAlive } from '../jobs/signals.js';

export interface LiveHost {
  connection: HostConnection;
  /** How jobs of this host are named: its pid, or "daemon". */
  label: string;
}

export const CLI_CLIENT = { name: 'ptyjobs-cli', version: '' };


/** Connects to every host socket; removes sockets whose host is gone. */
export async function liveHosts(dir: string, version: string): Promise<LiveHost[]> {
  const found = await Promise.all(
    hostSockets(dir).map(async (path) => {
      try {
        const connection = await HostConnection.connect(path, { ...CLI_CLIENT, version }, version);
        return { connection, label: connection.info.kind === 'daemon' ? 'daemon' : String(connection.info.pid) };
      } catch (error) {
        const pid = socketPid(path);
        // Nobody listens there any more (the host was killed): whoever finds it removes it.
        if ((error as HostError).code === 'ECONNREFUSED' || (pid !== null && !isAlive(pid))) removeStale(path);
        else if ((error as HostError).code === 'protocol_mismatch') console.error(`ptyjobs: skipping ${path}: ${(error as Error).message}`);
        return null;
      }
    }),
  );
  return found.filter((host): host is LiveHost => host !== null);
}

export interface JobRef {
  host: LiveHost;
  job: JobWire;
}

export class UsageError extends Error {}

/** Finds the job a person named; UsageError (exit 2) when none or several match. */
export async function resolveJob(hosts: LiveHost[], name: string): Promise<JobRef> {
  const colon = name.lastIndexOf(':');
  const [hostLabel, jobId] = colon > 0 ? [name.slice(0, colon), name.slice(colon + 1)] : [null, name];
  const candidates = hostLabel === null ? hosts : hosts.filter((host) => host.label === hostLabel);
  const matches: JobRef[] = [];
  for (const host of candidates) {
    const { jobs } = await host.connection.request<{ jobs: JobWire[] }>('jobs');
    for (const job of jobs) if (job.job_id === jobId) matches.push({ host, job });
  }
  if (matches.length === 1) return matches[0];
  if (matches.length === 0) throw new UsageError(`no job ${name}${hosts.length === 0 ? ' (no ptyjobs server is running)' : ''}; run ptyjobs ls to see the jobs.`);
  throw new UsageError(`${name} is ambiguous: ${matches.map((m) => `${m.host.label}:${m.job.job_id}`).join(', ')}; name one of them.`);
}
