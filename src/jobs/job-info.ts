// The public description of a job (the contract's Job), as a schema: the MCP tools' output
// schemas, the protocol and `ptyjobs ls --json` carry it, and its type is inferred from it.
import { z } from 'zod';

export const JOB_STATUSES = ['running', 'completed', 'failed', 'killed', 'timed_out'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const jobSchema = z.object({
  job_id: z.string(),
  name: z.string().nullable(),
  command: z.string(),
  cwd: z.string(),
  pid: z.number(),
  status: z.enum(JOB_STATUSES),
  exit_code: z.number().nullable(),
  signal: z.string().nullable(),
  started_at: z.string(),
  ended_at: z.string().nullable(),
  cols: z.number(),
  rows: z.number(),
  /** People attached to or watching the job's terminal. */
  viewers: z.number(),
  /** The client that started the job, e.g. "claude-code 1.2". */
  client: z.string().nullable(),
});
export type JobInfo = z.infer<typeof jobSchema>;
