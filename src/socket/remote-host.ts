// A HostApi over the control socket: the CLI, the web view and --shared fronts are clients of a
// job host through this, never through method names of their own. How it connects is given (a
// host's socket, or the shared daemon started on demand); a connection that dies is never used
// again. It decides nothing the host decides: defaults, bounds and budgets are the host's.
import { JobError, type JobErrorCode } from '../errors.js';
import type { AttachArgs, ExecuteArgs, HostApi, InteractArgs, ListFilter, Viewer, ViewerSink, WaitArgs, WaitHooks } from '../host/api.js';
import type { JobsResult, JobWire, KillResult, ListResult, OutputResult, ResizeResult, RunResult, StatusResult, TailResult } from '../host/schema.js';
import type { Session } from '../host/session.js';
import { HOST_METHODS, type MethodName, type MethodResults } from '../protocol/methods.js';
import { HostError, type HostConnection } from './client.js';

/** Requests that change nothing: safe to send again after the host went away under them. */
const REPEATABLE = new Set<string>(['list', 'status', 'tail', 'output', 'wait', HOST_METHODS.jobs, HOST_METHODS.info]);

/** A connection to use now, and a notice for the caller when it is to a new host (the earlier one's jobs ended). */
export interface Connected {
  connection: HostConnection;
  notice?: string;
}

export class RemoteHost implements HostApi {
  constructor(
    private readonly connectNow: () => Promise<Connected>,
    /** A failure of the host's connection becomes this (a front says what to do about its daemon). */
    private readonly describeFailure: (error: HostError) => JobError = (error) => new JobError(error.message, error.code as JobErrorCode),
  ) {}

  execute(_session: Session, args: ExecuteArgs, hooks?: WaitHooks): Promise<RunResult> {
    return this.call('execute', args, hooks);
  }

  list(_session: Session, args: { status?: ListFilter } = {}): Promise<ListResult> {
    return this.call('list', args);
  }

  status(_session: Session, args: { job_id: string; lines?: number }): Promise<StatusResult> {
    return this.call('status', args);
  }

  tail(_session: Session, args: { job_id: string; lines?: number; max_bytes?: number }): Promise<TailResult> {
    return this.call('tail', args);
  }

  output(_session: Session, args: { job_id: string; since?: number; max_bytes?: number }): Promise<OutputResult> {
    return this.call('output', args);
  }

  interact(_session: Session, args: InteractArgs, hooks?: WaitHooks): Promise<RunResult> {
    return this.call('interact', args, hooks);
  }

  wait(_session: Session, args: WaitArgs & { job_id: string }, hooks?: WaitHooks): Promise<RunResult> {
    return this.call('wait', args, hooks);
  }

  kill(_session: Session, args: { job_id: string; signal?: string; grace_ms?: number }): Promise<KillResult> {
    return this.call('kill', args);
  }

  resize(_session: Session, args: { job_id: string; cols: number; rows: number }): Promise<ResizeResult> {
    return this.call('resize', args);
  }

  jobs(_session: Session): Promise<JobsResult> {
    return this.call(HOST_METHODS.jobs, {});
  }

  async attach(_session: Session, args: AttachArgs, sink: ViewerSink): Promise<{ job: JobWire; viewer: Viewer }> {
    const { connection } = await this.connectNow();
    try {
      const { job, stream } = await connection.attach(args, { data: (bytes) => sink.write(bytes), exit: (ended) => sink.ended(ended as JobWire) });
      connection.onClose(() => sink.hostGone?.());
      return { job: job as JobWire, viewer: { input: stream.input, resize: stream.resize, detach: stream.detach, drained: () => {} } };
    } catch (error) {
      throw error instanceof HostError ? this.describeFailure(error) : error;
    }
  }

  /**
   * One request; the result carries the connection's notice, if any. A request that changes
   * nothing is sent once more on a new connection when the host went away under it.
   */
  private async call<M extends MethodName>(method: M, params: object, hooks: WaitHooks = {}, retried = false): Promise<MethodResults[M]> {
    const { connection, notice } = await this.connectNow();
    try {
      const result = await connection.request(method, params, { signal: hooks.signal, onProgress: hooks.onProgress });
      return notice ? { ...result, notice } : result;
    } catch (error) {
      if (!(error instanceof HostError)) throw error;
      if (error.code === 'host_gone' && !retried && REPEATABLE.has(method)) return this.call(method, params, hooks, true);
      const failure = this.describeFailure(error);
      throw notice ? new JobError(`${notice} ${failure.message}`, failure.code) : failure;
    }
  }
}
