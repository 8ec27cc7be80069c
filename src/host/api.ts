// The job host's API: wire-shaped requests in, the objects tools send as structuredContent
// out. Every front (MCP tools, the control socket, the CLI) adapts this; none decides
// behaviour of its own.
import type { KillResult, ListResult, OutputResult, ResizeResult, RunResult, StatusResult, TailResult } from './schema.js';
import type { Session } from './session.js';

export interface WaitArgs {
  pattern?: string;
  idle_ms?: number;
  exit?: boolean;
  input?: boolean;
  port?: number | true;
  timeout_ms?: number;
  /** Return only the last N lines of the new output. */
  lines?: number;
  /** For a bare wait: the output offset patterns look after (default: the end of this client's last result). */
  since?: number;
}

export interface ExecuteArgs {
  command: string;
  cwd?: string;
  env?: Record<string, string>;
  name?: string;
  cols?: number;
  rows?: number;
  timeout_s?: number;
  wait?: WaitArgs;
}

export interface InteractArgs {
  job_id: string;
  input?: string;
  keys?: string[];
  wait?: WaitArgs;
}

export interface WaitHooks {
  signal?: AbortSignal;
  onProgress?: (elapsedMs: number, totalMs: number) => void;
}

export interface HostApi {
  execute(session: Session, args: ExecuteArgs, hooks?: WaitHooks): Promise<RunResult>;
  list(session: Session): Promise<ListResult>;
  status(session: Session, args: { job_id: string; lines?: number }): Promise<StatusResult>;
  tail(session: Session, args: { job_id: string; lines?: number; max_bytes?: number }): Promise<TailResult>;
  output(session: Session, args: { job_id: string; since?: number; max_bytes?: number }): Promise<OutputResult>;
  interact(session: Session, args: InteractArgs, hooks?: WaitHooks): Promise<RunResult>;
  wait(session: Session, args: WaitArgs & { job_id: string }, hooks?: WaitHooks): Promise<RunResult>;
  kill(session: Session, args: { job_id: string; signal?: string; grace_ms?: number }): Promise<KillResult>;
  resize(session: Session, args: { job_id: string; cols: number; rows: number }): Promise<ResizeResult>;
}
