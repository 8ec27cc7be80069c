/** What kind of failure a JobError is: fronts map it (CLI exit codes, socket error codes) without reading messages. */
export type JobErrorCode = 'unknown_job' | 'not_running' | 'limit' | 'not_allowed' | 'invalid' | 'shutting_down' | 'no_binding';

/** A failure the caller can fix; its message says what was wrong and how to recover. */
export class JobError extends Error {
  constructor(
    message: string,
    readonly code: JobErrorCode = 'invalid',
  ) {
    super(message);
    this.name = 'JobError';
  }
}

export function unknownJob(jobId: string): JobError {
  return new JobError(`No job with id "${jobId}". Call list to see the jobs that exist (finished jobs are forgotten after the retention period).`, 'unknown_job');
}

export function notRunning(jobId: string, status: string): JobError {
  return new JobError(`Job ${jobId} is not running (status: ${status}); it cannot take input or be resized. Read its output with tail or output, or start it again with execute.`, 'not_running');
}
