// One input schema and one thin handler per tool: validated input → one call into the job
// host → the compact text (format.ts) plus the same result as structured content.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { HostApi, WaitHooks } from '../host/api.js';
import { parseWait, requestShapes } from '../host/requests.js';
import { killResultShape, listResultShape, outputResultShape, resizeResultShape, runResultShape, statusResultShape, tailResultShape } from '../host/schema.js';
import type { Session } from '../host/session.js';
import { formatKill, formatList, formatOutput, formatResize, formatRun, formatStatus, formatTail } from './format.js';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

function result(text: string, structured: { notice?: string }): CallToolResult {
  const shown = structured.notice ? `${structured.notice}\n${text}` : text;
  return { content: [{ type: 'text', text: shown }], structuredContent: structured as Record<string, unknown> };
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
      inputSchema: requestShapes.execute,
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
    { description: 'All jobs, newest first.', inputSchema: requestShapes.list, outputSchema: listResultShape, annotations: readOnly },
    async () => {
      const list = await host.list(session);
      return result(formatList(list), list);
    },
  );

  server.registerTool(
    'status',
    {
      description: "A job's state, listening ports and last lines.",
      inputSchema: requestShapes.status,
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
      inputSchema: requestShapes.tail,
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
      inputSchema: requestShapes.output,
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
      inputSchema: requestShapes.interact,
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
      inputSchema: requestShapes.wait,
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
      inputSchema: requestShapes.kill,
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
      inputSchema: requestShapes.resize,
      outputSchema: resizeResultShape,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async (args) => {
      const resized = await host.resize(session, args);
      return result(formatResize(resized), resized);
    },
  );
}
