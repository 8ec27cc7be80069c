// One input schema and one thin handler per tool: validated input → one call into the job
// host → the compact text (format.ts) plus the same result as structured content.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { HostApi, WaitHooks } from '../host/api.js';
import { parseWait, requestSchemas } from '../host/requests.js';
import { killResultShape, listResultShape, outputResultShape, resizeResultShape, runResultShape, statusResultShape, tailResultShape } from '../host/schema.js';
import type { Session } from '../host/session.js';
import { Formatter } from './format.js';

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
              .sendNotification({ method: 'notifications/progress', params: { progressToken, progress: elapsedMs, ...(totalMs > 0 && { total: totalMs }), message: `waiting ${Math.round(elapsedMs / 1000)}s` } })
              .catch(() => undefined),
  };
}

const readOnly = { readOnlyHint: true, destructiveHint: false, openWorldHint: false };
const OUTPUT_RULE = 'Output: all since your last result, minus echo.';

export function registerTools(server: McpServer, host: HostApi, session: Session): void {
  // Per client: a job's command line is shown once; later results name the job by id.
  const format = new Formatter();

  server.registerTool(
    'execute',
    {
      description: 'Run a shell command as a background job in its own terminal. Returns at once, or after `wait`.',
      inputSchema: requestSchemas.execute,
      outputSchema: runResultShape,
      annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: true },
    },
    async (args, extra) => {
      const run = await host.execute(session, { ...args, wait: parseWait(args.wait) }, hooksFor(extra));
      return result(format.run(run, { started: true }), run);
    },
  );

  server.registerTool(
    'list',
    { description: 'Jobs: running ones first, then finished.', inputSchema: requestSchemas.list, outputSchema: listResultShape, annotations: readOnly },
    async (args) => {
      const list = await host.list(session, args);
      return result(format.list(list, args.status), list);
    },
  );

  server.registerTool(
    'status',
    { description: "A job's state, ports and last lines.", inputSchema: requestSchemas.status, outputSchema: statusResultShape, annotations: readOnly },
    async (args) => {
      const status = await host.status(session, args);
      return result(format.status(status), status);
    },
  );

  server.registerTool(
    'tail',
    { description: 'Last lines as the terminal shows them, and the screen.', inputSchema: requestSchemas.tail, outputSchema: tailResultShape, annotations: readOnly },
    async (args) => {
      const tail = await host.tail(session, args);
      return result(format.tail(tail), tail);
    },
  );

  server.registerTool(
    'output',
    {
      description: 'Output as text from byte offset `since`; pass `next` back to read on.',
      inputSchema: requestSchemas.output,
      outputSchema: outputResultShape,
      annotations: readOnly,
    },
    async (args) => {
      const output = await host.output(session, args);
      return result(format.output(output), output);
    },
  );

  server.registerTool(
    'interact',
    {
      description: `Type \`input\` then \`keys\` (multi-line: a bracketed paste if enabled). ${OUTPUT_RULE} Without \`wait\`, settles briefly.`,
      inputSchema: requestSchemas.interact,
      outputSchema: runResultShape,
      annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: false },
    },
    async (args, extra) => {
      const run = await host.interact(session, { ...args, wait: parseWait(args.wait) }, hooksFor(extra));
      return result(format.run(run), run);
    },
  );

  server.registerTool(
    'wait',
    {
      description: `Until the first condition holds or the job ends. ${OUTPUT_RULE}`,
      inputSchema: requestSchemas.wait,
      outputSchema: runResultShape,
      annotations: readOnly,
    },
    async (args, extra) => {
      const run = await host.wait(session, args, hooksFor(extra));
      return result(format.run(run), run);
    },
  );

  server.registerTool(
    'kill',
    {
      description: "End a job's whole process tree.",
      inputSchema: requestSchemas.kill,
      outputSchema: killResultShape,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    async (args) => {
      const kill = await host.kill(session, args);
      return result(format.kill(kill), kill);
    },
  );

  server.registerTool(
    'resize',
    {
      description: "Resize a job's terminal.",
      inputSchema: requestSchemas.resize,
      outputSchema: resizeResultShape,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async (args) => {
      const resized = await host.resize(session, args);
      return result(format.resize(resized), resized);
    },
  );
}
