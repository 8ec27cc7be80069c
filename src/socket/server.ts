// A job host's control socket: a versioned hello, then requests that are the host API's (same
// parameters as the MCP tools, same results as their structured content), and attach streams.
// Each connection is a client of its own (its own output cursors). A bad peer is dropped;
// the host lives on.
import { createServer, type Server, type Socket } from 'node:net';
import { z } from 'zod';
import { JobError } from '../errors.js';
import type { WaitHooks } from '../host/api.js';
import type { HostInfo } from '../host/info.js';
import type { JobHost } from '../host/job-host.js';
import { parseWait, requestShapes, type RequestMethod } from '../host/requests.js';
import { Session } from '../host/session.js';
import type { Viewer, ViewerMode } from '../host/viewers.js';
import { MAX_TERMINAL_CELLS } from '../terminal/limits.js';
import { encodeFrame, FrameError, FrameReader } from '../protocol/framing.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';
import { claimSocketPath } from './claim.js';
import { makePrivate, removeStale } from './dir.js';

const helloSchema = z.object({
  type: z.literal('hello'),
  protocol: z.number(),
  version: z.string(),
  role: z.string().optional(),
  client: z.object({ name: z.string(), version: z.string() }).optional(),
  /** A front's own place: its jobs start with this environment and working dir. */
  cwd: z.string().optional(),
  env: z.record(z.string(), z.string()).optional(),
  /** A front's id, kept across its reconnects: its cursors survive a dropped connection. */
  session_id: z.string().max(64).optional(),
});
/** Sessions of fronts kept for reconnects; the oldest is forgotten beyond this. */
const MAX_KEPT_SESSIONS = 256;
const size = z.number().int().min(2).max(MAX_TERMINAL_CELLS);
const attachSchema = z.object({ job_id: z.string(), mode: z.enum(['attach', 'watch']), cols: size.optional(), rows: size.optional() });
const messageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('request'), id: z.number(), method: z.string(), params: z.record(z.string(), z.unknown()).optional() }),
  z.object({ type: z.literal('cancel'), id: z.number() }),
  z.object({ type: z.literal('input'), id: z.number(), data: z.string() }),
  z.object({ type: z.literal('resize'), id: z.number(), cols: size, rows: size }),
  z.object({ type: z.literal('detach'), id: z.number() }),
]);

export type Handler = (session: Session, params: Record<string, unknown>, hooks: WaitHooks) => Promise<unknown>;

export class ControlServer {
  private server: Server | null = null;
  private readonly connections = new Set<Connection>();
  private readonly keptSessions = new Map<string, Session>();

  /** `extra` adds methods of this host's own (the daemon's status and shutdown). */
  constructor(
    private readonly host: JobHost,
    private readonly info: () => HostInfo,
    readonly path: string,
    private readonly extra: Record<string, Handler> = {},
  ) {}

  /** The session of a front that says who it is (the same after a reconnect), else a new one. */
  sessionFor(id: string | undefined): Session {
    if (id === undefined) return new Session();
    let session = this.keptSessions.get(id);
    if (session) this.keptSessions.delete(id);
    else session = new Session();
    this.keptSessions.set(id, session); // newest last
    if (this.keptSessions.size > MAX_KEPT_SESSIONS) this.keptSessions.delete(this.keptSessions.keys().next().value!);
    return session;
  }

  /** Listens on the socket (replacing a stale one at the same path), private to the user. */
  async start(): Promise<void> {
    await claimSocketPath(this.path);
    const server = createServer((socket) => {
      const connection = new Connection(socket, this, this.host, this.info, this.handlers());
      this.connections.add(connection);
      socket.on('close', () => this.connections.delete(connection));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.path, () => resolve());
    });
    makePrivate(this.path);
    this.server = server;
  }

  get clientCount(): number {
    return this.connections.size;
  }

  async close(): Promise<void> {
    for (const connection of this.connections) connection.close();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    removeStale(this.path);
  }

  private handlers(): Record<string, Handler> {
    const host = this.host;
    // Parameters are checked with the same schemas as the MCP tools' inputs.
    const validated = <P,>(method: RequestMethod, call: (session: Session, params: P, hooks: WaitHooks) => Promise<unknown>): Handler => {
      const schema = z.object(requestShapes[method]);
      return (session, params, hooks) => {
        const parsed = schema.safeParse(params);
        if (!parsed.success) throw new JobError(`Invalid ${method} request: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
        return call(session, parsed.data as P, hooks);
      };
    };
    type Args<M extends keyof JobHost> = JobHost[M] extends (session: Session, args: infer A, ...rest: never[]) => unknown ? A : never;
    return {
      execute: validated<Args<'execute'> & { wait?: Record<string, unknown> }>('execute', (session, params, hooks) => host.execute(session, { ...params, wait: parseWait(params.wait) }, hooks)),
      list: validated('list', (session) => host.list(session)),
      status: validated<Args<'status'>>('status', (session, params) => host.status(session, params)),
      tail: validated<Args<'tail'>>('tail', (session, params) => host.tail(session, params)),
      output: validated<Args<'output'>>('output', (session, params) => host.output(session, params)),
      interact: validated<Args<'interact'> & { wait?: Record<string, unknown> }>('interact', (session, params, hooks) => host.interact(session, { ...params, wait: parseWait(params.wait) }, hooks)),
      wait: validated<Args<'wait'>>('wait', (session, params, hooks) => host.wait(session, params, hooks)),
      kill: validated<Args<'kill'>>('kill', (session, params) => host.kill(session, params)),
      resize: validated<Args<'resize'>>('resize', (session, params) => host.resize(session, params)),
      jobs: async () => ({ jobs: host.jobs() }),
      info: async () => this.info(),
      ...this.extra,
    };
  }
}

class Connection {
  private readonly reader = new FrameReader();
  private session = new Session();
  private forgetSession: () => void;
  private helloDone = false;
  private readonly pending = new Map<number, AbortController>();
  private readonly viewers = new Map<number, Viewer>();

  constructor(
    private readonly socket: Socket,
    private readonly server: ControlServer,
    private readonly host: JobHost,
    private readonly info: () => HostInfo,
    private readonly handlers: Record<string, Handler>,
  ) {
    this.forgetSession = host.attachSession(this.session);
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('drain', () => {
      for (const viewer of this.viewers.values()) viewer.drained();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.cleanUp());
  }

  close(): void {
    this.socket.destroy();
  }

  private send(message: unknown): void {
    if (!this.socket.destroyed) this.socket.write(encodeFrame(message));
  }

  private onData(chunk: Buffer): void {
    let messages: unknown[];
    try {
      messages = this.reader.push(chunk);
    } catch (error) {
      this.send({ type: 'error', code: 'invalid', message: `Bad frame: ${(error as FrameError).message}` });
      return void this.socket.end();
    }
    for (const message of messages) this.onMessage(message);
  }

  private onMessage(raw: unknown): void {
    if (!this.helloDone) return this.onHello(raw);
    const parsed = messageSchema.safeParse(raw);
    if (!parsed.success) return this.send({ type: 'error', code: 'invalid', message: 'Unknown message; expected request, cancel, input, resize or detach.' });
    const message = parsed.data;
    switch (message.type) {
      case 'request':
        return void this.onRequest(message.id, message.method, message.params ?? {});
      case 'cancel':
        return this.pending.get(message.id)?.abort();
      case 'input':
        return this.viewers.get(message.id)?.input(Buffer.from(message.data, 'base64'));
      case 'resize':
        return this.viewers.get(message.id)?.resize(message.cols, message.rows);
      case 'detach':
        this.viewers.get(message.id)?.detach();
        this.viewers.delete(message.id);
        return this.send({ type: 'stream', id: message.id, kind: 'detached' });
    }
  }

  private onHello(raw: unknown): void {
    const hello = helloSchema.safeParse(raw);
    if (!hello.success) {
      this.send({ type: 'error', code: 'invalid', message: 'Expected a hello first.' });
      return void this.socket.end();
    }
    const info = this.info();
    if (hello.data.protocol !== PROTOCOL_VERSION) {
      const message = `protocol version mismatch (client ${hello.data.protocol}, ptyjobs ${hello.data.version}; host ${PROTOCOL_VERSION}, ptyjobs ${info.version})`;
      this.send({ type: 'error', code: 'protocol_mismatch', message, protocol: PROTOCOL_VERSION, version: info.version, jobs: this.host.manager.runningCount() });
      return void this.socket.end();
    }
    if (hello.data.session_id !== undefined) {
      this.forgetSession();
      this.session = this.server.sessionFor(hello.data.session_id);
      this.forgetSession = this.host.attachSession(this.session);
    }
    if (hello.data.client) this.session.client = hello.data.client;
    if (hello.data.cwd && hello.data.env) this.session.place = { cwd: hello.data.cwd, env: hello.data.env };
    this.helloDone = true;
    this.send({ type: 'hello', protocol: PROTOCOL_VERSION, version: info.version, host: info });
  }

  private async onRequest(id: number, method: string, params: Record<string, unknown>): Promise<void> {
    if (method === 'attach') return this.onAttach(id, params);
    const handler = this.handlers[method];
    if (!handler) return this.send({ type: 'error', id, code: 'invalid', message: `Unknown method "${method}".` });
    const controller = new AbortController();
    this.pending.set(id, controller);
    try {
      const result = await handler(this.session, params, { signal: controller.signal });
      this.send({ type: 'result', id, result });
    } catch (error) {
      this.send({ type: 'error', id, code: error instanceof JobError ? error.code : 'internal', message: (error as Error).message });
    } finally {
      this.pending.delete(id);
    }
  }

  private async onAttach(id: number, params: Record<string, unknown>): Promise<void> {
    const parsed = attachSchema.safeParse(params);
    if (!parsed.success) return this.send({ type: 'error', id, code: 'invalid', message: 'attach needs job_id and mode (attach or watch), and cols/rows for attach.' });
    const { job_id, mode, cols, rows } = parsed.data;
    const socket = this.socket;
    let ended = false;
    try {
      this.send({ type: 'result', id, result: { job: this.host.manager.get(job_id).info() } });
      const viewer = await this.host.viewers.attach(job_id, mode as ViewerMode, cols && rows ? { cols, rows } : null, {
        write: (data) => this.send({ type: 'stream', id, kind: 'data', data: data.toString('base64') }),
        get backlogBytes() {
          return socket.writableLength;
        },
        ended: (job) => {
          ended = true;
          this.viewers.delete(id);
          this.send({ type: 'stream', id, kind: 'exit', job: job.info() });
        },
      });
      if (socket.destroyed) viewer.detach();
      else if (ended) return;
      else this.viewers.set(id, viewer);
    } catch (error) {
      this.send({ type: 'error', id, code: error instanceof JobError ? error.code : 'internal', message: (error as Error).message });
    }
  }

  private cleanUp(): void {
    for (const controller of this.pending.values()) controller.abort();
    for (const viewer of this.viewers.values()) viewer.detach();
    this.viewers.clear();
    this.forgetSession();
  }
}
