// One place for how a ptyjobs server process ends, shared by the three server modes (stdio,
// --shared front, --http) and the daemon: signals, the client leaving (stdin end, stdout
// broken), and uncaught errors. Whatever the cause, stopping runs once: every stop step (end
// every job, close sockets), bounded by a deadline, then exit.
import { describeError, log as logToStderr } from '../util/log.js';

/** Exit code after an uncaught error (EX_SOFTWARE in sysexits.h). */
export const EXIT_INTERNAL_ERROR = 70;
/** How long stopping may take beyond the jobs' kill grace before the process exits anyway. */
const STOP_MARGIN_MS = 5000;

export interface LifecycleOptions {
  /** Whether stdin ending and stdout breaking mean the client left (the stdio modes). */
  stdio: boolean;
  /** Milliseconds from SIGTERM to SIGKILL of a job: stopping is given this plus a margin. */
  killGraceMs: number;
  /** Where the lifecycle's messages go (the daemon: its log file). */
  log?: (message: string) => void;
}

export interface Lifecycle {
  /** Adds a step to run on stop, after those added before (e.g. close the socket, then end every job). */
  onStop(step: (why: string) => Promise<void> | void): void;
  /** Stops once: runs the steps (bounded), then exits with `code`. Later calls wait for the first. */
  stop(why: string, code?: number): Promise<never>;
}

/**
 * An uncaught error leaves the process in an unknown state (Node's docs): it is logged once,
 * every job is ended and the process exits with EXIT_INTERNAL_ERROR, rather than serving on
 * with state nobody can vouch for. Request handlers' errors are not uncaught: the MCP SDK and
 * the control socket answer them as errors of that one request.
 */
export function manageLifecycle(options: LifecycleOptions): Lifecycle {
  const log = options.log ?? logToStderr;
  const steps: ((why: string) => Promise<void> | void)[] = [];
  let stopping: Promise<never> | null = null;

  const stop = (why: string, code = 0): Promise<never> => {
    stopping ??= (async () => {
      // Bounded: a step that hangs (a wedged socket, a job that ignores SIGKILL) cannot keep the process.
      setTimeout(() => process.exit(code), options.killGraceMs + STOP_MARGIN_MS).unref();
      for (const step of steps) {
        try {
          await step(why);
        } catch (error) {
          log(`ptyjobs: while stopping: ${describeError(error)}`);
        }
      }
      process.exit(code);
    })();
    return stopping;
  };

  let failed = false;
  const fail = (error: unknown) => {
    if (failed) return; // once: the first error is the one that explains
    failed = true;
    log(`ptyjobs: internal error; the process is in an unknown state, so every job is ended and it exits: ${describeError(error)}`);
    void stop('internal error', EXIT_INTERNAL_ERROR);
  };
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => void stop(signal));
  if (options.stdio) {
    process.stdin.on('end', () => void stop('stdin closed'));
    process.stdin.on('close', () => void stop('stdin closed'));
    process.stdin.on('error', () => void stop('stdin broken'));
    process.stdout.on('error', () => void stop('stdout closed'));
  }
  return { onStop: (step) => void steps.push(step), stop };
}
