// Every message of the control-socket protocol, both ways, as a schema; the methods a host
// serves in one table (their names and results: methods.ts, which clients load without zod). NDJSON over a unix socket (framing.ts): a hello each way, then requests
// (with ids) answered by a result or an error, progress while a long request runs, and stream
// frames for attach. The table's request params are the MCP tools' input schemas; results are
// what the tools send as structured content.
import { z } from 'zod';
import { attachSchema, requestSchemas } from '../host/requests.js';
import { MAX_TERMINAL_CELLS } from '../terminal/limits.js';
import { HOST_METHODS } from './methods.js';

const size = z.number().int().min(2).max(MAX_TERMINAL_CELLS);

/** A client's first message. A front says where it runs: its jobs start with that environment and dir. */
export const clientHelloSchema = z.object({
  type: z.literal('hello'),
  protocol: z.number(),
  version: z.string(),
  role: z.string().optional(),
  client: z.object({ name: z.string(), version: z.string() }).optional(),
  cwd: z.string().optional(),
  env: z.record(z.string(), z.string()).optional(),
  /** A front's id, kept across its reconnects: its cursors survive a dropped connection. */
  session_id: z.string().max(64).optional(),
  /** The front's own wait ceiling (its client's request timeout), when lower than the host's. */
  max_wait_ms: z.number().positive().optional(),
});
export type ClientHello = z.infer<typeof clientHelloSchema>;

export const hostInfoSchema = z.object({
  host_id: z.string(),
  pid: z.number(),
  kind: z.enum(['embedded', 'daemon']),
  client: z.string().nullable(),
  cwd: z.string(),
  started_at: z.string(),
  version: z.string(),
});

/** Messages a client sends after its hello. */
export const clientMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('request'), id: z.number(), method: z.string(), params: z.record(z.string(), z.unknown()).optional() }),
  z.object({ type: z.literal('cancel'), id: z.number() }),
  /** Bytes a person typed into an attach stream (base64). */
  z.object({ type: z.literal('input'), id: z.number(), data: z.string() }),
  z.object({ type: z.literal('resize'), id: z.number(), cols: size, rows: size }),
  z.object({ type: z.literal('detach'), id: z.number() }),
]);

/** Frames of an attach stream: the terminal's bytes, the job's end, the end of a detach. */
const streamFrameSchema = z.discriminatedUnion('kind', [
  z.object({ type: z.literal('stream'), id: z.number(), kind: z.literal('data'), data: z.string() }),
  z.object({ type: z.literal('stream'), id: z.number(), kind: z.literal('exit'), job: z.unknown() }),
  z.object({ type: z.literal('stream'), id: z.number(), kind: z.literal('detached') }),
]);

/** Messages a host sends. */
export const hostMessageSchema = z.union([
  z.discriminatedUnion('type', [
    z.object({ type: z.literal('hello'), protocol: z.number(), version: z.string(), host: hostInfoSchema }),
    z.object({ type: z.literal('result'), id: z.number(), result: z.unknown() }),
    z.object({
      type: z.literal('error'),
      id: z.number().optional(),
      code: z.string(),
      message: z.string(),
      /** With protocol_mismatch: the host's protocol, version and running jobs. */
      protocol: z.number().optional(),
      version: z.string().optional(),
      jobs: z.number().optional(),
    }),
    /** A long request (a wait) is still running: clients reset their timeout on it. */
    z.object({ type: z.literal('progress'), id: z.number(), elapsed_ms: z.number(), total_ms: z.number() }),
  ]),
  streamFrameSchema,
]);
export type HostMessage = z.infer<typeof hostMessageSchema>;


/** The params schema of every method a host serves; an unknown name gets unknown_method. */
export const METHOD_PARAMS: ReadonlyMap<string, z.ZodType> = new Map<string, z.ZodType>([
  ...Object.entries(requestSchemas),
  [HOST_METHODS.info, z.strictObject({})],
  [HOST_METHODS.jobs, z.strictObject({})],
  [HOST_METHODS.attach, attachSchema],
  [HOST_METHODS.daemonStatus, z.strictObject({})],
  [HOST_METHODS.daemonStop, z.strictObject({})],
]);
