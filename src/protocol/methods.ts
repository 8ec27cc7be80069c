// The protocol's method names and what each answers, for clients: typed requests without a
// schema library loaded (the host checks every message with messages.ts).
import type { HostInfo } from '../host/info.js';
import type { JobsResult, KillResult, ListResult, OutputResult, ResizeResult, RunResult, StatusResult, TailResult } from '../host/schema.js';

/** Methods of the host itself and of the shared daemon, named apart from the tools'. */
export const HOST_METHODS = {
  /** The host's description (as in the hello). */
  info: 'host.info',
  /** Every job, whole: ls --json, the web page. */
  jobs: 'host.jobs',
  /** A stream: attach or watch a job's terminal. */
  attach: 'attach',
  daemonStatus: 'daemon.status',
  daemonStop: 'daemon.stop',
} as const;

/** What `daemon.status` answers. */
export interface DaemonStatus {
  pid: number;
  version: string;
  started_at: string;
  uptime_s: number;
  jobs: number;
  running: number;
  clients: number;
  log: string;
  /** Host-level settings by their own variable names (PTYJOBS_MAX_JOBS, …), whatever their source. */
  settings: Record<string, unknown>;
}

/** What each request method answers (attach answers `{ job }`, then streams). */
export interface MethodResults {
  execute: RunResult;
  list: ListResult;
  status: StatusResult;
  tail: TailResult;
  output: OutputResult;
  interact: RunResult;
  wait: RunResult;
  kill: KillResult;
  resize: ResizeResult;
  'host.info': HostInfo;
  'host.jobs': JobsResult;
  'daemon.status': DaemonStatus;
  'daemon.stop': { stopping: true; pid: number };
}
export type MethodName = keyof MethodResults;
