// The job host's API: wire-shaped requests in, the objects tools send as structuredContent
// out. Every front (MCP tools, the control socket, the CLI, the web view, a --shared front)
// is a client of it, in process (JobHost) or over the socket (RemoteHost); none decides
// behaviour of its own.
import type { z } from 'zod';
import type { attachSchema, ParsedWait, RequestParams } from './requests.js';
import type { JobsResult, JobWire, KillResult, ListResult, OutputResult, ResizeResult, RunResult, StatusResult, TailResult } from './schema.js';
import type { Session } from './session.js';

/** A Wait (the wait tool's fields), as its schema checks it; a bare wait may add `since`. */
export type WaitArgs = ParsedWait & { since?: number };

/** execute's and interact's params, their `wait` checked in full (parseWait). */
export type ExecuteArgs = Omit<RequestParams<'execute'>, 'wait'> & { wait?: WaitArgs };
export type InteractArgs = Omit<RequestParams<'interact'>, 'wait'> & { wait?: WaitArgs };

/** `finished`: every job that is not running. */
export type ListFilter = NonNullable<RequestParams<'list'>['status']>;

/** attach: keys go to the job, which takes this terminal's size; watch: read-only. */
export type AttachArgs = z.infer<typeof attachSchema>;

export interface WaitHooks {
  signal?: AbortSignal;
  onProgress?: (elapsedMs: number, totalMs: number) => void;
}

/** Where a viewer's bytes go (a socket, a terminal), and how much it has not taken yet. */
export interface ViewerSink {
  write(data: Buffer): void;
  /** Bytes written and not yet taken by the other side. */
  readonly backlogBytes: number;
  /** The job ended (or had ended): its last output was written before this. */
  ended(job: JobWire): void;
  /** The host went away (a remote host's connection closed). */
  hostGone?(): void;
}

/** A person's view of a job's terminal. */
export interface Viewer {
  /** Bytes typed by the person (attach only). */
  input(data: Buffer): void;
  /** The person's terminal changed size (attach only). */
  resize(cols: number, rows: number): void;
  /** The sink has room again after falling behind. */
  drained(): void;
  detach(): void;
}

export interface HostApi {
  execute(session: Session, args: ExecuteArgs, hooks?: WaitHooks): Promise<RunResult>;
  list(session: Session, args?: { status?: ListFilter }): Promise<ListResult>;
  status(session: Session, args: { job_id: string; lines?: number }): Promise<StatusResult>;
  tail(session: Session, args: { job_id: string; lines?: number; max_bytes?: number }): Promise<TailResult>;
  output(session: Session, args: { job_id: string; since?: number; max_bytes?: number }): Promise<OutputResult>;
  interact(session: Session, args: InteractArgs, hooks?: WaitHooks): Promise<RunResult>;
  wait(session: Session, args: WaitArgs & { job_id: string }, hooks?: WaitHooks): Promise<RunResult>;
  kill(session: Session, args: { job_id: string; signal?: string; grace_ms?: number }): Promise<KillResult>;
  resize(session: Session, args: { job_id: string; cols: number; rows: number }): Promise<ResizeResult>;
  /** Every job, whole, for people (ls --json, the web page). */
  jobs(session: Session): Promise<JobsResult>;
  /**
   * A person attaching to or watching a job: the terminal's state goes to `sink` at once, then
   * live output; an ended job's last state, then `ended`.
   */
  attach(session: Session, args: AttachArgs, sink: ViewerSink): Promise<{ job: JobWire; viewer: Viewer }>;
}
