// What a job host says about itself on its control socket and in `ptyjobs ls`.
import { randomBytes } from 'node:crypto';
import type { ClientIdentity } from './session.js';

export type HostKind = 'embedded' | 'daemon';

export interface HostInfo {
  host_id: string;
  pid: number;
  kind: HostKind;
  /** The MCP client the host serves ("claude-code 2.1"), or null before it said. */
  client: string | null;
  cwd: string;
  started_at: string;
  version: string;
}

/** A host's description; `client` is read when asked, since the client names itself later. */
export function describeHost(kind: HostKind, version: string, client: () => ClientIdentity | null): () => HostInfo {
  const fixed = { host_id: randomBytes(4).toString('hex'), pid: process.pid, kind, cwd: process.cwd(), started_at: new Date().toISOString(), version };
  return () => {
    const identity = client();
    return { ...fixed, client: identity && identity.name !== 'unknown' ? `${identity.name} ${identity.version}`.trim() : null };
  };
}
