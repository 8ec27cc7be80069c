// The requests every front accepts, as zod schemas: the MCP tools' input schemas and the
// control socket's params are these. Descriptions are what a model reads: short, and saying what
// an agent must know. Unknown arguments are refused, naming the closest real one.
import { z } from 'zod';
import { JobError } from '../errors.js';
import { PATTERN_MAX_CHARS } from '../jobs/pattern.js';
import { KEY_NAMES_HELP } from '../terminal/keys.js';
import { MAX_TERMINAL_CELLS } from '../terminal/limits.js';
import { closestName } from '../util/closest.js';
import { MAX_RESULT_BYTES } from './budget.js';

const jobId = z.string().describe('Job id');
const cols = z.number().int().min(2).max(MAX_TERMINAL_CELLS).describe('Terminal columns');
const rows = z.number().int().min(2).max(MAX_TERMINAL_CELLS).describe('Terminal rows');
const maxBytes = z.number().int().min(1).max(MAX_RESULT_BYTES).optional().describe('Text bytes');

function unknownArguments(keys: readonly PropertyKey[], known: readonly string[]): string {
  const named = keys.map((key) => {
    const closest = closestName(String(key), known);
    return closest ? `"${String(key)}" (did you mean "${closest}"?)` : `"${String(key)}"`;
  });
  return `Unknown argument${keys.length > 1 ? 's' : ''} ${named.join(', ')}; the arguments are: ${known.join(', ') || 'none'}.`;
}

/** An object that refuses keys it does not know, naming the closest real one. */
function strict<Shape extends z.ZodRawShape>(shape: Shape) {
  const known = Object.keys(shape);
  return z.strictObject(shape, { error: (issue) => (issue.code === 'unrecognized_keys' ? unknownArguments(issue.keys, known) : undefined) });
}

export const waitShape = {
  pattern: z.string().min(1).max(PATTERN_MAX_CHARS, `at most ${PATTERN_MAX_CHARS} characters: wait for a shorter, distinctive part of the text`).optional().describe('Regex (RE2, multiline) over new output'),
  idle_ms: z.number().int().min(1).optional().describe('No output for this long'),
  exit: z.boolean().optional().describe('The job ended'),
  input: z.boolean().optional().describe('Waits for terminal input'),
  port: z.union([z.number().int().min(1).max(65535), z.literal(true)]).optional().describe('Listens on this TCP port (true: any)'),
  timeout_ms: z.number().int().min(0).optional().describe('Default 30000; capped by the server'),
  lines: z.number().int().min(1).max(1000).optional().describe('Only the last N lines'),
};
const waitSchema = strict(waitShape);

/**
 * execute and interact take the same Wait as the wait tool. Their schemas say so instead of
 * repeating it (a model reads every tool definition); parseWait validates it in full.
 */
const waitReference = z.record(z.string(), z.unknown()).optional().describe("The wait tool's fields");

/** A Wait as its schema checks it. */
export type ParsedWait = z.infer<typeof waitSchema>;

export function parseWait(wait: Record<string, unknown> | undefined): ParsedWait | undefined {
  if (wait === undefined) return undefined;
  const parsed = waitSchema.safeParse(wait);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}`).join('; ');
  throw new JobError(`Invalid wait: ${problems}. Its fields are those of the wait tool.`);
}

export const requestShapes = {
  execute: {
    command: z.string().min(1).describe("Run with the shell's -c"),
    cwd: z.string().optional().describe('Working dir'),
    env: z.record(z.string(), z.string()).optional().describe('Extra env vars'),
    name: z.string().optional().describe('A label'),
    cols: cols.optional(),
    rows: rows.optional(),
    timeout_s: z.number().positive().max(7 * 24 * 3600).optional().describe('Then end the job'),
    wait: waitReference,
  },
  list: { status: z.enum(['running', 'finished']).optional().describe('Only these jobs') },
  status: { job_id: jobId, lines: z.number().int().min(1).max(1000).optional().describe('Default 10') },
  tail: { job_id: jobId, lines: z.number().int().min(1).max(1000).optional().describe('Default 50'), max_bytes: maxBytes },
  output: { job_id: jobId, since: z.number().min(0).optional().describe('Byte offset'), max_bytes: maxBytes },
  interact: {
    job_id: jobId,
    input: z.string().optional().describe('Text to type; \\n is Enter'),
    keys: z.array(z.string()).optional().describe(KEY_NAMES_HELP),
    paste: z.boolean().optional().describe('false: never as a bracketed paste'),
    wait: waitReference,
  },
  wait: { job_id: jobId, ...waitShape, since: z.number().min(0).optional().describe("Match after this offset") },
  kill: { job_id: jobId, signal: z.string().optional().describe('Default TERM'), grace_ms: z.number().int().min(0).max(600_000).optional().describe('Then SIGKILL') },
  resize: { job_id: jobId, cols, rows },
};

export type RequestMethod = keyof typeof requestShapes;

/** The strict schema of each request: MCP input schemas and control-socket params. */
export const requestSchemas = Object.fromEntries(Object.entries(requestShapes).map(([method, shape]) => [method, strict(shape)])) as {
  [Method in RequestMethod]: ReturnType<typeof strict<(typeof requestShapes)[Method]>>;
};

/** A request's params as checked by its schema. */
export type RequestParams<Method extends RequestMethod> = z.infer<(typeof requestSchemas)[Method]>;

/** A person's attach (or watch) of a job's terminal: the protocol's stream request. */
export const attachSchema = strict({ job_id: z.string(), mode: z.enum(['attach', 'watch']), cols: cols.optional(), rows: rows.optional() });
