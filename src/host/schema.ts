// The wire shapes every front shares: MCP outputSchema, control-socket messages and
// `ptyjobs ls --json` are these objects. Types come from the schemas.
import { z } from 'zod';
import { jobSchema } from '../jobs/job-info.js';
import { WAIT_REASONS } from '../jobs/wait.js';
import { screenSchema as screenStateSchema } from '../terminal/screen-state.js';

export { jobSchema };
export type JobWire = z.infer<typeof jobSchema>;

/** A screen in a result: its rows only where the text block shows them. */
export const screenSchema = screenStateSchema.extend({
  lines: z.array(z.string()).optional(),
  omitted_rows: z.number().optional(),
});
export type ScreenWire = z.infer<typeof screenSchema>;

/** Set when a shared daemon had to be started again: its earlier jobs ended. */
const notice = { notice: z.string().optional() };

/** Output bytes a result left out, readable with `output since=from`. */
export const omittedSchema = z.object({ from: z.number(), to: z.number() });

export const runResultShape = {
  job: jobSchema,
  reason: z.enum(WAIT_REASONS).optional(),
  match: z.string().optional(),
  port: z.number().optional(),
  output: z.string().optional(),
  next: z.number().optional(),
  omitted: omittedSchema.optional(),
  screen: screenSchema.optional(),
  queued_input_bytes: z.number().optional(),
  /** An interact settled on quiet output or its bound while the program was not waiting for input. */
  still_running: z.boolean().optional(),
  timeout_capped_ms: z.number().optional(),
  ...notice,
};
const runResultSchema = z.object(runResultShape);
export type RunResult = z.infer<typeof runResultSchema>;

export const listResultShape = { jobs: z.array(jobSchema), omitted_jobs: z.number().optional(), ...notice };
/** Every job, whole (command lines uncut): what people's tools (ls --json, the web page) read. */
export const jobsResultShape = { jobs: z.array(jobSchema) };
export type JobsResult = z.infer<z.ZodObject<typeof jobsResultShape>>;
export type ListResult = z.infer<z.ZodObject<typeof listResultShape>>;

export const statusResultShape = { job: jobSchema, tail: z.array(z.string()), omitted_lines: z.number().optional(), ports: z.array(z.number()), ...notice };
export type StatusResult = z.infer<z.ZodObject<typeof statusResultShape>>;

export const tailResultShape = { job: jobSchema, lines: z.array(z.string()), omitted_lines: z.number().optional(), screen: screenSchema, ports: z.array(z.number()), next: z.number(), ...notice };
export type TailResult = z.infer<z.ZodObject<typeof tailResultShape>>;

export const outputResultShape = { job: jobSchema, text: z.string(), next: z.number(), end: z.number(), dropped_bytes: z.number(), ...notice };
export type OutputResult = z.infer<z.ZodObject<typeof outputResultShape>>;

export const killResultShape = { job: jobSchema, result: z.enum(['killed', 'already_terminated']), survivors: z.array(z.number()), ...notice };
export type KillResult = z.infer<z.ZodObject<typeof killResultShape>>;

/** `pending_size`: a person is attached, whose size the job keeps; the agent's applies when the last one leaves. */
export const resizeResultShape = { job: jobSchema, screen: screenSchema, pending_size: z.object({ cols: z.number(), rows: z.number() }).optional(), ...notice };
export type ResizeResult = z.infer<z.ZodObject<typeof resizeResultShape>>;
