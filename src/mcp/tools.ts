// One zod schema and one thin handler per tool: validated input → one call into the job
// manager → a compact text plus structured content.
import { constants as osConstants } from 'node:os';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { z } from 'zod';
import { JobError } from '../errors.js';
import type { Job } from '../jobs/job.js';
import type { JobManager } from '../jobs/manager.js';
import type { WaitConditions, WaitHooks, WaitOutcome } from '../jobs/wait.js';
import { KEY_NAMES_HELP } from '../terminal/keys.js';
import { formatJob, formatOutput, formatScreen, formatWait } from './format.js';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

const DEFAULT_WAIT_TIMEOUT_MS = 30_000;
const MAX_WAIT_TIMEOUT_MS = 3_600_000;
const MAX_TERMINAL_CELLS = 1000;
const MAX_INPUT_CHARS = 16 * 1024 * 1024;
const DEFAULT_OUTPUT_MAX_BYTES = 64 * 1024;
const MAX_OUTPUT_MAX_BYTES = 4 * 1024 * 1024;

// ---- schemas -------------------------------------------------------------------------------

const jobId = z.string().min(1).max(64).describe('Job id from execute or list, e.g. "j1"');
const size = (what: string) => z.number().int().min(2).max(MAX_TERMINAL_CELLS).describe(what);

const waitFields = {
  pattern: z.string().min(1).max(10_000).optional().describe('JavaScript regex (multiline) looked for on the screen and in the output since the last execute/interact; a match already there counts at once'),
  idle_ms: z.number().int().min(1).max(MAX_WAIT_TIMEOUT_MS).optional().describe('Return once the job has printed nothing for this many ms'),
  exit: z.boolean().optional().describe('Return when the job ends'),
  input: z.boolean().optional().describe('Return when the job is blocked waiting for terminal input (a prompt), seen from the process state'),
  port: z.union([z.number().int().min(1).max(65535), z.literal(true)]).optional().describe('Return when the job listens on this TCP port (true: on any port)'),
  timeout_ms: z.number().int().min(0).max(MAX_WAIT_TIMEOUT_MS).optional().describe(`Give up after this many ms (default ${DEFAULT_WAIT_TIMEOUT_MS}); a timeout is not an error, the job keeps running`),
};
const waitSchema = z.object(waitFields).describe('Wait until the first of these conditions holds (any wait also ends when the job ends)');
type WaitInput = z.infer<typeof waitSchema>;

const screenSchema = z.object({
  lines: z.array(z.string()),
  cursor: z.object({ row: z.number(), col: z.number() }),
  cols: z.number(),
  rows: z.number(),
  alternate_screen: z.boolean(),
});
const jobSchema = z.object({
  job_id: z.string(),
  name: z.string().nullable(),
  command: z.string(),
  cwd: z.string(),
  pid: z.number(),
  status: z.enum(['running', 'completed', 'failed', 'killed', 'timed_out']),
  exit_code: z.number().nullable(),
  signal: z.string().nullable(),
  started_at: z.string(),
  ended_at: z.string().nullable(),
  cols: z.number(),
  rows: z.number(),
});
const waitResultFields = {
  reason: z.enum(['pattern', 'idle', 'exit', 'input', 'port', 'timeout', 'cancelled']).optional(),
  match: z.string().optional(),
  port: z.number().optional(),
};
const newOutputFields = {
  output: z.string().describe('Text the job printed since the last interact/wait result'),
  output_skipped_bytes: z.number().describe('New bytes left out before output (too many, or dropped by the ring)'),
};

// ---- helpers -------------------------------------------------------------------------------

function toConditions(wait: WaitInput): WaitConditions {
  const conditions: WaitConditions = { timeoutMs: wait.timeout_ms ?? DEFAULT_WAIT_TIMEOUT_MS };
  if (wait.pattern !== undefined) {
    try {
      conditions.pattern = new RegExp(wait.pattern, 'm');
    } catch (error) {
      throw new JobError(`The pattern is not a valid JavaScript regex: ${(error as Error).message}. Escape special characters such as ( [ { . * + ? with a backslash.`);
    }
  }
  if (wait.idle_ms !== undefined) conditions.idleMs = wait.idle_ms;
  if (wait.exit) conditions.exit = true;
  if (wait.input) conditions.input = true;
  if (wait.port !== undefined) conditions.port = wait.port;
  if (!conditions.pattern && conditions.idleMs === undefined && !conditions.exit && !conditions.input && conditions.port === undefined) {
    throw new JobError('A wait needs at least one condition: pattern, idle_ms, exit, input or port (timeout_ms only bounds it).');
  }
  return conditions;
}

/** Progress notifications (when the client asked for them) and cancellation for a wait. */
function waitHooks(extra: Extra, timeoutMs: number): WaitHooks {
  const progressToken = extra._meta?.progressToken;
  return {
    signal: extra.signal,
    onProgress:
      progressToken === undefined
        ? undefined
        : (elapsedMs) =>
            void extra
              .sendNotification({ method: 'notifications/progress', params: { progressToken, progress: elapsedMs, total: timeoutMs, message: `waiting ${Math.round(elapsedMs / 1000)}s` } })
              .catch(() => undefined),
  };
}

function normalizeSignal(name: string): NodeJS.Signals {
  const upper = name.toUpperCase();
  const full = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  if (!(full in osConstants.signals)) throw new JobError(`Unknown signal "${name}". Use a name such as SIGTERM, SIGINT, SIGHUP or SIGKILL.`);
  return full as NodeJS.Signals;
}

function result(text: string, structured: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text }], structuredContent: structured };
}

async function waitResult(manager: JobManager, job: Job, outcome: WaitOutcome | null) {
  const screen = await job.snapshot();
  const taken = manager.takeNewOutput(job);
  const text = [
    formatJob(job.info()),
    ...(outcome ? [formatWait(outcome)] : []),
    // A full-screen app's output is escape-sequence noise: its screen says it all.
    screen.alternate_screen ? formatScreen(screen) : formatOutput('output', taken.text, taken.from, taken.skipped_bytes, job.id),
  ];
  const structured = {
    job: job.info(),
    ...(outcome ? { reason: outcome.reason, ...(outcome.match !== undefined && { match: outcome.match }), ...(outcome.port !== undefined && { port: outcome.port }) } : {}),
    output: taken.text,
    output_skipped_bytes: taken.skipped_bytes,
    screen,
  };
  return { text, structured };
}

// ---- tools ---------------------------------------------------------------------------------

export function registerTools(server: McpServer, manager: JobManager): void {
  server.registerTool(
    'execute',
    {
      title: 'Run a command as a background job',
      description:
        'Starts a shell command in its own pseudo-terminal and returns at once (or after `wait`). Use it for dev servers, REPLs (python3, node, bash -i), ' +
        'full-screen tools (vim, less, top) and long builds. Read results with tail/output/status, type with interact, wait with wait, stop with kill.',
      inputSchema: {
        command: z.string().min(1).max(1_000_000).describe('Shell command, run by the configured shell with -c'),
        cwd: z.string().max(4096).optional().describe('Working directory (relative paths are resolved against the server\'s working dir)'),
        env: z.record(z.string(), z.string()).optional().describe('Environment variables, merged over the server\'s'),
        name: z.string().max(200).optional().describe('A label to recognise the job by'),
        cols: size('Terminal columns (default from config, 120)').optional(),
        rows: size('Terminal rows (default from config, 40)').optional(),
        timeout_s: z.number().positive().max(7 * 24 * 3600).optional().describe('End the job (status timed_out) after this many seconds'),
        wait: waitSchema.optional(),
      },
      outputSchema: { job: jobSchema, ...waitResultFields, output: newOutputFields.output.optional(), output_skipped_bytes: newOutputFields.output_skipped_bytes.optional(), screen: screenSchema.optional() },
      annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: true },
    },
    async (args, extra) => {
      const conditions = args.wait ? toConditions(args.wait) : null;
      const job = manager.start({ command: args.command, cwd: args.cwd, env: args.env, name: args.name, cols: args.cols, rows: args.rows, timeoutS: args.timeout_s });
      if (!conditions) return result(`started ${formatJob(job.info())}`, { job: job.info() });
      const outcome = await manager.wait(job.id, conditions, waitHooks(extra, conditions.timeoutMs));
      const { text, structured } = await waitResult(manager, job, outcome);
      return result(text.join('\n'), structured);
    },
  );

  server.registerTool(
    'list',
    {
      title: 'List jobs',
      description: 'Lists every job (running, and finished ones until the retention period passes), newest first.',
      inputSchema: {},
      outputSchema: { jobs: z.array(jobSchema) },
      annotations: { readOnlyHint: true, destructiveHint: false, openWorldHint: false },
    },
    async () => {
      const jobs = manager.list();
      return result(jobs.length ? jobs.map(formatJob).join('\n') : 'no jobs', { jobs });
    },
  );

  server.registerTool(
    'status',
    {
      title: 'Job status',
      description: "A job's state, exit code, listening TCP ports, and its last lines of output.",
      inputSchema: { job_id: jobId, lines: z.number().int().min(0).max(1000).optional().describe('Output lines to include (default 10)') },
      outputSchema: { job: jobSchema, tail: z.array(z.string()), ports: z.array(z.number()) },
      annotations: { readOnlyHint: true, destructiveHint: false, openWorldHint: false },
    },
    async ({ job_id, lines }) => {
      const job = manager.get(job_id);
      await job.screen.settled();
      const tail = lines === 0 ? [] : manager.tail(job_id, lines ?? 10);
      const ports = manager.ports(job_id);
      const text = [formatJob(job.info()), ...(ports.length ? [`listening on ${ports.join(', ')}`] : []), ...tail].join('\n');
      return result(text, { job: job.info(), tail, ports });
    },
  );

  server.registerTool(
    'tail',
    {
      title: 'Last lines and screen',
      description: 'The last lines of readable output (escape sequences removed) and the rendered terminal screen, as a person would see it.',
      inputSchema: { job_id: jobId, lines: z.number().int().min(1).max(1000).optional().describe('Lines of output (default 50)') },
      outputSchema: { job: jobSchema, lines: z.array(z.string()), screen: screenSchema, ports: z.array(z.number()) },
      annotations: { readOnlyHint: true, destructiveHint: false, openWorldHint: false },
    },
    async ({ job_id, lines }) => {
      const job = manager.get(job_id);
      const screen = await job.snapshot();
      const tail = manager.tail(job_id, lines ?? 50);
      const ports = manager.ports(job_id);
      // The screen repeats the tail unless a full-screen app draws something else.
      const body = screen.alternate_screen ? formatScreen(screen) : tail.join('\n') || '(no output)';
      const text = [formatJob(job.info()), ...(ports.length ? [`listening on ${ports.join(', ')}`] : []), body].join('\n');
      return result(text, { job: job.info(), lines: tail, screen, ports });
    },
  );

  server.registerTool(
    'output',
    {
      title: 'Read output incrementally',
      description: 'Readable output from byte offset `since`; pass the returned `next` as `since` to read on without gaps or repeats. `dropped_bytes` counts bytes the ring no longer holds.',
      inputSchema: {
        job_id: jobId,
        since: z.number().int().min(0).optional().describe('Byte offset to read from (default 0)'),
        max_bytes: z.number().int().min(1).max(MAX_OUTPUT_MAX_BYTES).optional().describe(`Raw bytes to read at most (default ${DEFAULT_OUTPUT_MAX_BYTES})`),
      },
      outputSchema: { job: jobSchema, text: z.string(), next: z.number(), dropped_bytes: z.number() },
      annotations: { readOnlyHint: true, destructiveHint: false, openWorldHint: false },
    },
    async ({ job_id, since, max_bytes }) => {
      const job = manager.get(job_id);
      const read = manager.read(job_id, since ?? 0, max_bytes ?? DEFAULT_OUTPUT_MAX_BYTES);
      const more = read.next < job.log.end ? `; more follows: call again with since ${read.next}` : '';
      const dropped = read.dropped_bytes ? `${read.dropped_bytes} bytes before this were dropped by the ring; ` : '';
      const text = `${formatJob(job.info())}\n[${dropped}next ${read.next}${more}]\n${read.text}`;
      return result(text, { job: job.info(), ...read });
    },
  );

  server.registerTool(
    'interact',
    {
      title: 'Type into a job',
      description:
        'Types literal `input` then named `keys` into the job\'s terminal and returns what it printed afterwards plus the screen. Without `wait` it settles briefly ' +
        '(until the program waits for input again or output is quiet). End a line with "\\n" in input or the Enter key. Multi-line input is sent as a bracketed paste when the program supports it.',
      inputSchema: {
        job_id: jobId,
        input: z.string().max(MAX_INPUT_CHARS).optional().describe('Literal text to type ("\\n" or "\\r" is Enter)'),
        keys: z.array(z.string().max(32)).max(1000).optional().describe(`Named keys sent after input: ${KEY_NAMES_HELP}`),
        wait: waitSchema.optional(),
      },
      outputSchema: { job: jobSchema, ...newOutputFields, screen: screenSchema, ...waitResultFields, queued_input_bytes: z.number().optional() },
      annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: false },
    },
    async ({ job_id, input, keys, wait }, extra) => {
      const conditions = wait ? toConditions(wait) : undefined;
      // Enter in a terminal is CR; a bare LF would be taken as Ctrl-J by raw-mode programs.
      const typed = input?.replace(/\r?\n/g, '\r');
      const outcome = await manager.interact(job_id, typed, keys, conditions, waitHooks(extra, conditions?.timeoutMs ?? 0));
      const job = manager.get(job_id);
      const { text, structured } = await waitResult(manager, job, outcome);
      const queued = job.status === 'running' ? job.queuedInputBytes : 0;
      if (queued > 0) text.push(`[${queued} bytes of input not yet read by the program; they are sent as it reads]`);
      return result(text.join('\n'), { ...structured, ...(queued > 0 && { queued_input_bytes: queued }) });
    },
  );

  server.registerTool(
    'wait',
    {
      title: 'Wait for a job',
      description:
        'Blocks until the first condition holds: `pattern` on screen/output, `idle_ms` of quiet, `input` (the job waits at a prompt), `port` (it listens), or `exit`. ' +
        'Returns the reason, the new output and the screen. A timeout is a normal result; the job keeps running.',
      inputSchema: { job_id: jobId, ...waitFields },
      outputSchema: { job: jobSchema, ...waitResultFields, reason: waitResultFields.reason.unwrap(), ...newOutputFields, screen: screenSchema },
      annotations: { readOnlyHint: true, destructiveHint: false, openWorldHint: false },
    },
    async ({ job_id, ...wait }, extra) => {
      const conditions = toConditions(wait);
      const outcome = await manager.wait(job_id, conditions, waitHooks(extra, conditions.timeoutMs));
      const { text, structured } = await waitResult(manager, manager.get(job_id), outcome);
      return result(text.join('\n'), structured);
    },
  );

  server.registerTool(
    'kill',
    {
      title: 'Stop a job',
      description: "Ends the job's whole process tree: `signal` (default SIGTERM) to every process, then SIGKILL after `grace_ms`. Reports the final status.",
      inputSchema: {
        job_id: jobId,
        signal: z.string().max(16).optional().describe('Signal name, e.g. SIGTERM (default), SIGINT, SIGHUP, SIGKILL'),
        grace_ms: z.number().int().min(0).max(600_000).optional().describe('Milliseconds before SIGKILL (default from config, 3000)'),
      },
      outputSchema: { job: jobSchema, result: z.enum(['killed', 'already_terminated']), survivors: z.array(z.number()) },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    async ({ job_id, signal, grace_ms }) => {
      const outcome = await manager.kill(job_id, normalizeSignal(signal ?? 'SIGTERM'), grace_ms);
      const job = manager.get(job_id).info();
      const survivors = outcome.survivors.length ? ` ${outcome.survivors.length} processes survived SIGKILL: ${outcome.survivors.join(', ')}` : '';
      return result(`${outcome.result === 'killed' ? 'killed' : 'already ended'}: ${formatJob(job)}${survivors}`, { job, ...outcome });
    },
  );

  server.registerTool(
    'resize',
    {
      title: 'Resize the terminal',
      description: "Changes the job's terminal size (the program gets SIGWINCH) and returns the redrawn screen.",
      inputSchema: { job_id: jobId, cols: size('Columns'), rows: size('Rows') },
      outputSchema: { job: jobSchema, screen: screenSchema },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async ({ job_id, cols, rows }) => {
      const job = manager.resize(job_id, cols, rows);
      // Give the program a moment to redraw for its new size.
      await manager.wait(job_id, { idleMs: 100, timeoutMs: 1000 }, {});
      const screen = await job.snapshot();
      return result(`${formatJob(job.info())}\n${formatScreen(screen)}`, { job: job.info(), screen });
    },
  );
}
