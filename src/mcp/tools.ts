// One input schema and one thin handler per tool: validated input → one call into the job
// host → the compact text (format.ts) plus the same result as structured content.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { JobError } from '../errors.js';
import type { HostApi, WaitHooks } from '../host/api.js';
import { MAX_RESULT_BYTES } from '../host/budget.js';
import { killResultShape, listResultShape, outputResultShape, resizeResultShape, runResultShape, statusResultShape, tailResultShape } from '../host/schema.js';
import type { Session } from '../host/session.js';
import { MAX_TERMINAL_CELLS } from '../terminal/limits.js';
import { KEY_NAMES_HELP } from '../terminal/keys.js';
import { formatKill, formatList, formatOutput, formatResize, formatRun, formatStatus, formatTail } from './format.js';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;


const jobId = z.string().describe('Job id');
const size = z.number().int().min(2).max(MAX_TERMINAL_CELLS);
const maxBytes = z.number().int().min(1024).max(MAX_RESULT_BYTES).optional().describe('Result bytes (default 8192)');

const waitFields = {
  pattern: z.string().min(1).optional().describe('Regex (multiline) over text you were not shown yet (never the echo of your input)'),
  idle_ms: z.number().int().min(1).optional().describe('No output for this long'),
  exit: z.boolean().optional().describe('The job ended'),
  input: z.boolean().optional().describe('The job waits for terminal input'),
  port: z.union([z.number().int().min(1).max(65535), z.literal(true)]).optional().describe('The job listens on this TCP port (true: any)'),
  timeout_ms: z.number().int().min(0).optional().describe('Default 30000, capped by the server; a timeout is no error: wait again'),
  lines: z.number().int().min(1).max(1000).optional().describe('Return only the last N lines of new output'),
};
const waitSchema = z.object(waitFields);
/**
 * execute and interact take the same Wait as the wait tool. Their schemas say so instead of
 * repeating it (the model reads every tool definition); the handler validates it in full.
 */
const waitReference = z.record(z.string(), z.unknown()).optional().describe('Wait before returning: the wait tool\'s fields (pattern, idle_ms, exit, input, port, timeout_ms, lines)');

function parseWait(wait: Record<string, unknown> | undefined): z.infer<typeof waitSchema> | undefined {
  if (wait === undefined) return undefined;
  const parsed = waitSchema.strict().safeParse(wait);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'wait'}: ${issue.message}`).join('; ');
  throw new JobError(`Invalid wait: ${problems}. Its fields are those of the wait tool.`);
}

function result(text: string, structured: object): CallToolResult {
  return { content: [{ type: 'text', text }], structuredContent: structured as Record<string, unknown> };
}

/** Progress notifications (when the client asked for them) and cancellation for a wait. */
function hooksFor(extra: Extra): WaitHooks {
  const progressToken = extra._meta?.progressToken;
  return {
    signal: extra.signal,
    onProgress:
      progressToken === undefined
        ? undefined
        : (elapsedMs, totalMs) =>
            void extra
              .sendNotification({ method: 'notifications/progress', params: { progressToken, progress: elapsedMs, total: totalMs, message: `waiting ${Math.round(elapsedMs / 1000)}s` } })
              .catch(() => undefined),
  };
}

const readOnly = { readOnlyHint: true, destructiveHint: false, openWorldHint: false };

export function registerTools(server: McpServer, host: HostApi, session: Session): void {
  server.registerTool(
    'execute',
    {
      description: 'Run a shell command as a background job in its own terminal (dev servers, REPLs, TUIs, builds). Returns at once, or after `wait`.',
      inputSchema: {
        command: z.string().min(1).describe('Run with the shell\'s -c'),
        cwd: z.string().optional().describe('Working dir (relative to the server\'s)'),
        env: z.record(z.string(), z.string()).optional().describe('Merged over the server\'s environment'),
        name: z.string().optional().describe('A label'),
        cols: size.optional(),
        rows: size.optional(),
        timeout_s: z.number().positive().max(7 * 24 * 3600).optional().describe('End the job (timed_out) after this long'),
        wait: waitReference,
      },
      outputSchema: runResultShape,
      annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: true },
    },
    async (args, extra) => {
      const run = await host.execute(session, { ...args, wait: parseWait(args.wait) }, hooksFor(extra));
      return result(formatRun(run, { started: true }), run);
    },
  );

  server.registerTool(
    'list',
    { description: 'All jobs, newest first.', inputSchema: {}, outputSchema: listResultShape, annotations: readOnly },
    async () => {
      const list = await host.list(session);
      return result(formatList(list), list);
    },
  );

  server.registerTool(
    'status',
    {
      description: "A job's state, listening ports and last lines.",
      inputSchema: { job_id: jobId, lines: z.number().int().min(1).max(1000).optional().describe('Lines (default 10)') },
      outputSchema: statusResultShape,
      annotations: readOnly,
    },
    async (args) => {
      const status = await host.status(session, args);
      return result(formatStatus(status), status);
    },
  );

  server.registerTool(
    'tail',
    {
      description: 'The last lines as the terminal shows them, and the screen.',
      inputSchema: { job_id: jobId, lines: z.number().int().min(1).max(1000).optional().describe('Lines (default 50)'), max_bytes: maxBytes },
      outputSchema: tailResultShape,
      annotations: readOnly,
    },
    async (args) => {
      const tail = await host.tail(session, args);
      return result(formatTail(tail), tail);
    },
  );

  server.registerTool(
    'output',
    {
      description: 'Output as text from byte offset `since`; pass `next` back to read on, no gaps or repeats.',
      inputSchema: { job_id: jobId, since: z.number().min(0).optional().describe('Byte offset (default 0)'), max_bytes: maxBytes },
      outputSchema: outputResultShape,
      annotations: readOnly,
    },
    async (args) => {
      const output = await host.output(session, args);
      return result(formatOutput(output), output);
    },
  );

  server.registerTool(
    'interact',
    {
      description: 'Type `input` ("\\n" is Enter), then `keys`, into a job; returns what it printed (not the echo). Without `wait` it settles briefly.',
      inputSchema: {
        job_id: jobId,
        input: z.string().optional().describe('Text to type'),
        keys: z.array(z.string()).optional().describe(`Named keys: ${KEY_NAMES_HELP}`),
        wait: waitReference,
      },
      outputSchema: runResultShape,
      annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: false },
    },
    async (args, extra) => {
      const run = await host.interact(session, { ...args, wait: parseWait(args.wait) }, hooksFor(extra));
      return result(formatRun(run), run);
    },
  );

  server.registerTool(
    'wait',
    {
      description: 'Block until the first condition holds or the job ends; returns the reason and output new since your last result.',
      inputSchema: { job_id: jobId, ...waitFields, since: z.number().min(0).optional().describe('Match only output after this offset (a result\'s `next`)') },
      outputSchema: runResultShape,
      annotations: readOnly,
    },
    async (args, extra) => {
      const run = await host.wait(session, args, hooksFor(extra));
      return result(formatRun(run), run);
    },
  );

  server.registerTool(
    'kill',
    {
      description: "End a job's whole process tree: `signal` to every process, SIGKILL after `grace_ms`.",
      inputSchema: {
        job_id: jobId,
        signal: z.string().optional().describe('Default SIGTERM'),
        grace_ms: z.number().int().min(0).max(600_000).optional().describe('Default 3000'),
      },
      outputSchema: killResultShape,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    async (args) => {
      const kill = await host.kill(session, args);
      return result(formatKill(kill), kill);
    },
  );

  server.registerTool(
    'resize',
    {
      description: "Resize a job's terminal; returns the redrawn screen.",
      inputSchema: { job_id: jobId, cols: size, rows: size },
      outputSchema: resizeResultShape,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async (args) => {
      const resized = await host.resize(session, args);
      return result(formatResize(resized), resized);
    },
  );
}
