// One client of a job host (an MCP connection, a socket peer): what it has been shown of each
// job. Two agents on one job each get their own "new output since my last result" and their
// own pattern reference point; a person watching moves neither.

/** What one client has been shown of one job. */
export interface JobCursor {
  /** Output offset up to which results have returned output. */
  shownTo: number;
  /** Screen rows as they were when the last result was made (a pattern ignores them). */
  shownRows: ReadonlySet<string>;
}

export interface ClientIdentity {
  name: string;
  version: string;
}

/** Where a client runs: a daemon's jobs start with their front's environment and working dir. */
export interface ClientPlace {
  cwd: string;
  env: Readonly<Record<string, string>>;
}

export class Session {
  private readonly cursors = new Map<string, JobCursor>();
  client: ClientIdentity = { name: 'unknown', version: '' };
  /** Set for fronts of a shared daemon; embedded clients use the server's own. */
  place: ClientPlace | null = null;
  /** A front's own wait ceiling (its client's request timeout), when it said one. */
  maxWaitMs: number | null = null;

  /** This client's cursor on a job; a job it has not seen yet starts at its first byte. */
  cursor(jobId: string): JobCursor {
    let cursor = this.cursors.get(jobId);
    if (!cursor) this.cursors.set(jobId, (cursor = { shownTo: 0, shownRows: new Set() }));
    return cursor;
  }

  /** Records what a result showed. */
  shown(jobId: string, offset: number, rows: readonly string[]): void {
    this.cursors.set(jobId, { shownTo: offset, shownRows: new Set(rows) });
  }

  /** Forgets jobs the host no longer has. */
  forget(jobId: string): void {
    this.cursors.delete(jobId);
  }
}
