// The requests every front accepts, as zod shapes: the MCP tools' input schemas and the control
// socket's params are these. Descriptions are what a model reads: short, and saying what an
// agent must know.
import { z } from 'zod';
import { JobError } from '../errors.js';
import { PATTERN_MAX_CHARS } from '../jobs/pattern.js';
import { KEY_NAMES_HELP } from '../terminal/keys.js';
import { MAX_TERMINAL_CELLS } from '../terminal/limits.js';
import { MAX_RESULT_BYTES } from './budget.js';

const jobId = z.string().describe('Job id');
const size = z.number().int().min(2).max(MAX_TERMINAL_CELLS);
const maxBytes = z.number().int().min(1024).max(MAX_RESULT_BYTES).optional().describe('Result bytes (default 8192)');

export const waitShape = {
  pattern: z.string().min(1).max(PATTERN_MAX_CHARS, `at most ${PATTERN_MAX_CHARS} characters: wait for a shorter, distinctive part of the text`).optional().describe('Regex (RE2, multiline) over text you were not shown yet (never the echo of your input)'),
  idle_ms: z.number().int().min(1).optional().describe('No output for this long'),
  exit: z.boolean().optional().describe('The job ended'),
  input: z.boolean().optional().describe('The job waits for terminal input'),
  port: z.union([z.number().int().min(1).max(65535), z.literal(true)]).optional().describe('The job listens on this TCP port (true: any)'),
  timeout_ms: z.number().int().min(0).optional().describe('Default 30000, capped by the server; a timeout is no error: wait again'),
  lines: z.number().int().min(1).max(1000).optional().describe('Return only the last N lines of new output'),
};
const waitSchema = z.object(waitShape).strict();

/**
 * execute and interact take the same Wait as the wait tool. Their schemas say so instead of
 * repeating it (a model reads every tool definition); parseWait validates it in full.
 */
const waitReference = z.record(z.string(), z.unknown()).optional().describe("Wait before returning: the wait tool's fields (pattern, idle_ms, exit, input, port, timeout_ms, lines)");

export function parseWait(wait: Record<string, unknown> | undefined): z.infer<typeof waitSchema> | undefined {
  if (wait === undefined) return undefined;
  const parsed = waitSchema.safeParse(wait);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'wait'}: ${issue.message}`).join('; ');
  throw new JobError(`Invalid wait: ${problems}. Its fields are those of the wait tool.`);
}

export const requestShapes = {
  execute: {
    command: z.string().min(1).describe("Run with the shell's -c"),
    cwd: z.string().optional().describe("Working dir (relative to the server's)"),
    env: z.record(z.string(), z.string()).optional().describe("Merged over the server's environment"),
    name: z.string().optional().describe('A label'),
    cols: size.optional(),
    rows: size.optional(),
    timeout_s: z.number().positive().max(7 * 24 * 3600).optional().describe('End the job (timed_out) after this long'),
    wait: waitReference,
  },
  list: {},
  status: { job_id: jobId, lines: z.number().int().min(1).max(1000).optional().describe('Lines (default 10)') },
  tail: { job_id: jobId, lines: z.number().int().min(1).max(1000).optional().describe('Lines (default 50)'), max_bytes: maxBytes },
  output: { job_id: jobId, since: z.number().min(0).optional().describe('Byte offset (default 0)'), max_bytes: maxBytes },
  interact: {
    job_id: jobId,
    input: z.string().optional().describe('Text to type'),
    keys: z.array(z.string()).optional().describe(`Named keys: ${KEY_NAMES_HELP}`),
    wait: waitReference,
  },
  wait: { job_id: jobId, ...waitShape, since: z.number().min(0).optional().describe("Match only output after this offset (a result's `next`)") },
  kill: { job_id: jobId, signal: z.string().optional().describe('Default SIGTERM'), grace_ms: z.number().int().min(0).max(600_000).optional().describe('Default 3000') },
  resize: { job_id: jobId, cols: size, rows: size },
};

export type RequestMethod = keyof typeof requestShapes;
