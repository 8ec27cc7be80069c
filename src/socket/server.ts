// A job host's control socket: a versioned hello, then the requests of the protocol's method
// table (protocol/messages.ts) served by any HostApi, plus methods of the host's own (the
// daemon's status and stop), and attach streams. Each connection is a client of its own (its own
// output cursors). A bad or hostile peer is dropped or slowed; the host and its other clients
// live on.
import { createServer, type Server, type Socket } from 'node:net';
import { JobError } from '../errors.js';
import type { HostApi, Viewer, WaitHooks } from '../host/api.js';
import type { HostInfo } from '../host/info.js';
import { attachSchema, parseWait, type RequestMethod, type RequestParams } from '../host/requests.js';
import { Session } from '../host/session.js';
import { encodeFrame, FrameError, FrameReader } from '../protocol/framing.js';
import { clientHelloSchema, clientMessageSchema, METHOD_PARAMS } from '../protocol/messages.js';
import { HOST_METHODS } from '../protocol/methods.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';
import { claimSocketPath } from './claim.js';
import { makePrivate, removeStale } from './dir.js';

/** Sessions of fronts kept for reconnects; the oldest is forgotten beyond this. */
const MAX_KEPT_SESSIONS = 256;
/** A client whose unread replies pass this is not read from until it takes them. */
const MAX_UNREAD_REPLY_BYTES = 4 * 1024 * 1024;
/** Requests of one connection running at once; later ones wait (and the socket is not read). */
const MAX_RUNNING_REQUESTS = 16;
/** Unfinished frames held across all connections; past it the connection adding to them is dropped. */
const MAX_PENDING_FRAME_BYTES_TOTAL = 64 * 1024 * 1024;
/** A connection must say hello, and finish any frame it started, within this. */
const FRAME_DEADLINE_MS = 30_000;
/** A request still running says so this often (clients time out on silence, not on length). */
const KEEPALIVE_MS = 5000;

/** A method of the host's own, beside the HostApi's. */
export type Handler = (session: Session, params: Record<string, unknown>, hooks: WaitHooks) => Promise<unknown>;

/** A HostApi the socket can serve: it also learns of each connection's session. */
export interface ServedHost extends HostApi {
  /** Registers a client's session; returns a function that forgets it. */
  attachSession(session: Session): () => void;
}

export interface ControlServerOptions {
  path: string;
  info: () => HostInfo;
  /** Methods of this host's own (the daemon's `daemon.status` and `daemon.stop`). */
  methods?: ReadonlyMap<string, Handler>;
  /** How long a connection may take to say hello or to finish a frame (default FRAME_DEADLINE_MS). */
  frameDeadlineMs?: number;
}

export class ControlServer {
  private server: Server | null = null;
  private readonly connections = new Set<Connection>();
  private readonly keptSessions = new Map<string, Session>();
  private readonly handlers: ReadonlyMap<string, Handler>;

  constructor(
    readonly host: ServedHost,
    private readonly options: ControlServerOptions,
  ) {
    this.handlers = new Map([...hostHandlers(host, options.info), ...(options.methods ?? [])]);
  }

  get path(): string {
    return this.options.path;
  }

  get info(): HostInfo {
    return this.options.info();
  }

  get frameDeadlineMs(): number {
    return this.options.frameDeadlineMs ?? FRAME_DEADLINE_MS;
  }

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

  handler(method: string): Handler | undefined {
    return this.handlers.get(method);
  }

  /** Bytes of unfinished frames held by all connections. */
  get pendingFrameBytes(): number {
    let total = 0;
    for (const connection of this.connections) total += connection.pendingFrameBytes;
    return total;
  }

  /** Listens on the socket (replacing a dead one at the same path, never a live one), private to the user. */
  async start(): Promise<void> {
    await claimSocketPath(this.path);
    // Half-open: a client that ends its side after its requests still gets their answers.
    const server = createServer({ allowHalfOpen: true }, (socket) => {
      const connection = new Connection(socket, this);
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

  /** Stops listening; the socket file goes only if this server listened on it (never a live host's). */
  async close(): Promise<void> {
    for (const connection of this.connections) connection.close();
    const server = this.server;
    if (!server) return;
    this.server = null;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    removeStale(this.path);
  }
}

/** The HostApi's methods as the protocol names them; params were checked against METHOD_PARAMS first. */
function hostHandlers(host: HostApi, info: () => HostInfo): Map<string, Handler> {
  const tool = <M extends RequestMethod>(method: M, run: (session: Session, params: RequestParams<M>, hooks: WaitHooks) => Promise<unknown>): [string, Handler] => [
    method,
    (session, params, hooks) => run(session, params as RequestParams<M>, hooks),
  ];
  return new Map([
    tool('execute', (session, params, hooks) => host.execute(session, { ...params, wait: parseWait(params.wait) }, hooks)),
    tool('list', (session, params) => host.list(session, params)),
    tool('status', (session, params) => host.status(session, params)),
    tool('tail', (session, params) => host.tail(session, params)),
    tool('output', (session, params) => host.output(session, params)),
    tool('interact', (session, params, hooks) => host.interact(session, { ...params, wait: parseWait(params.wait) }, hooks)),
    tool('wait', (session, params, hooks) => host.wait(session, params, hooks)),
    tool('kill', (session, params) => host.kill(session, params)),
    tool('resize', (session, params) => host.resize(session, params)),
    [HOST_METHODS.jobs, (session) => host.jobs(session)],
    [HOST_METHODS.info, async () => info()],
  ]);
}

const isRequest = (message: unknown) => (message as { type?: unknown } | null)?.type === 'request';

class Connection {
  private readonly reader = new FrameReader();
  private session = new Session();
  private forgetSession: () => void;
  private helloDone = false;
  private readonly pending = new Map<number, AbortController>();
  private readonly viewers = new Map<number, Viewer>();
  private readonly host: ServedHost;
  private ended = false;
  private deadline: NodeJS.Timeout | null = null;
  /** Messages read and not yet handled, held while the client does not take its replies. */
  private queue: unknown[] = [];

  constructor(
    private readonly socket: Socket,
    private readonly server: ControlServer,
  ) {
    this.host = server.host;
    this.forgetSession = this.host.attachSession(this.session);
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('drain', () => {
      this.handleQueued();
      for (const viewer of this.viewers.values()) viewer.drained();
    });
    // The client ended its side: answer what it asked, then end ours.
    socket.on('end', () => {
      this.ended = true;
      this.endWhenIdle();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.cleanUp());
    this.armDeadline();
  }

  get pendingFrameBytes(): number {
    return this.reader.pendingBytes;
  }

  close(): void {
    this.socket.destroy();
  }

  /** Until the hello, and while a frame is unfinished, a connection has a deadline (idle half-open peers are dropped). */
  private armDeadline(): void {
    if (this.deadline) clearTimeout(this.deadline);
    this.deadline = null;
    if (this.helloDone && this.reader.pendingBytes === 0) return;
    this.deadline = setTimeout(() => this.socket.destroy(), this.server.frameDeadlineMs);
    this.deadline.unref();
  }

  private endWhenIdle(): void {
    this.handleQueued();
    if (this.ended && this.queue.length === 0 && this.pending.size === 0 && this.viewers.size === 0 && !this.socket.destroyed) this.socket.end();
  }

  private send(message: unknown): void {
    if (this.socket.destroyed || !this.socket.writable) return;
    this.socket.write(encodeFrame(message));
  }

  /** Whether the client has more replies unread, or more requests running, than it may. */
  private get saturated(): boolean {
    return this.socket.writableLength > MAX_UNREAD_REPLY_BYTES || this.pending.size >= MAX_RUNNING_REQUESTS;
  }

  /**
   * Handles queued messages while the client keeps up; reads no more from it until it does.
   * Requests wait their turn; what steers running ones (a cancel, a person's keys, a resize, a
   * detach) never waits behind them.
   */
  private handleQueued(): void {
    while (this.queue.length > 0 && !this.socket.destroyed) {
      const next = this.saturated ? this.queue.findIndex((message) => !isRequest(message)) : 0;
      if (next < 0) break;
      this.onMessage(this.queue.splice(next, 1)[0]);
    }
    if (this.queue.length > 0) this.socket.pause();
    else if (this.socket.isPaused() && !this.ended && !this.socket.destroyed) this.socket.resume();
  }

  private onData(chunk: Buffer): void {
    let messages: unknown[];
    try {
      messages = this.reader.push(chunk);
      if (this.server.pendingFrameBytes > MAX_PENDING_FRAME_BYTES_TOTAL) throw new FrameError('too many unfinished frames are held; try again');
    } catch (error) {
      this.send({ type: 'error', code: 'invalid', message: `Bad frame: ${(error as FrameError).message}` });
      return void this.socket.end();
    }
    this.queue.push(...messages);
    this.handleQueued();
    this.armDeadline();
  }

  private onMessage(raw: unknown): void {
    if (!this.helloDone) return this.onHello(raw);
    const parsed = clientMessageSchema.safeParse(raw);
    if (!parsed.success) return this.send({ type: 'error', code: 'invalid', message: 'Unknown message; expected request, cancel, input, resize or detach.' });
    const message = parsed.data;
    switch (message.type) {
      case 'request':
        return void this.onRequest(message.id, message.method, message.params ?? {});
      case 'cancel': {
        // A request still waiting its turn is dropped: it never starts.
        const waiting = this.queue.findIndex((queued) => isRequest(queued) && (queued as { id?: unknown }).id === message.id);
        if (waiting >= 0) {
          this.queue.splice(waiting, 1);
          return this.send({ type: 'error', id: message.id, code: 'cancelled', message: 'Cancelled before it started.' });
        }
        return this.pending.get(message.id)?.abort();
      }
      case 'input':
        return this.viewers.get(message.id)?.input(Buffer.from(message.data, 'base64'));
      case 'resize':
        return this.viewers.get(message.id)?.resize(message.cols, message.rows);
      case 'detach':
        this.viewers.get(message.id)?.detach();
        this.viewers.delete(message.id);
        this.send({ type: 'stream', id: message.id, kind: 'detached' });
        return this.endWhenIdle();
    }
  }

  private onHello(raw: unknown): void {
    const hello = clientHelloSchema.safeParse(raw);
    if (!hello.success) {
      this.send({ type: 'error', code: 'invalid', message: 'Expected a hello first.' });
      return void this.socket.end();
    }
    const info = this.server.info;
    if (hello.data.protocol !== PROTOCOL_VERSION) {
      const message = `protocol version mismatch (client ${hello.data.protocol}, ptyjobs ${hello.data.version}; host ${PROTOCOL_VERSION}, ptyjobs ${info.version})`;
      void this.host.list(this.session, { status: 'running' }).then(
        (running) => this.send({ type: 'error', code: 'protocol_mismatch', message, protocol: PROTOCOL_VERSION, version: info.version, jobs: running.jobs.length + (running.omitted_jobs ?? 0) }),
        () => this.send({ type: 'error', code: 'protocol_mismatch', message, protocol: PROTOCOL_VERSION, version: info.version }),
      ).finally(() => this.socket.end());
      return;
    }
    if (hello.data.session_id !== undefined) {
      this.forgetSession();
      this.session = this.server.sessionFor(hello.data.session_id);
      this.forgetSession = this.host.attachSession(this.session);
    }
    if (hello.data.client) this.session.client = hello.data.client;
    if (hello.data.cwd && hello.data.env) this.session.place = { cwd: hello.data.cwd, env: hello.data.env };
    if (hello.data.max_wait_ms) this.session.maxWaitMs = hello.data.max_wait_ms;
    this.helloDone = true;
    this.send({ type: 'hello', protocol: PROTOCOL_VERSION, version: info.version, host: info });
  }

  private async onRequest(id: number, method: string, rawParams: Record<string, unknown>): Promise<void> {
    const schema = METHOD_PARAMS.get(method);
    const handler = this.server.handler(method);
    if (method !== HOST_METHODS.attach && (!schema || !handler)) return this.send({ type: 'error', id, code: 'unknown_method', message: `Unknown method "${method}".` });
    const parsed = schema!.safeParse(rawParams);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}`).join('; ');
      return this.send({ type: 'error', id, code: 'invalid', message: `Invalid ${method} request: ${problems}` });
    }
    const params = parsed.data as Record<string, unknown>;
    if (method === HOST_METHODS.attach) return this.onAttach(id, params);
    const controller = new AbortController();
    this.pending.set(id, controller);
    const started = Date.now();
    const onProgress = (elapsedMs: number, totalMs: number) => this.send({ type: 'progress', id, elapsed_ms: elapsedMs, total_ms: totalMs });
    const keepAlive = setInterval(() => onProgress(Date.now() - started, 0), KEEPALIVE_MS);
    try {
      const result = await handler!(this.session, params, { signal: controller.signal, onProgress });
      this.send({ type: 'result', id, result });
    } catch (error) {
      this.send({ type: 'error', id, code: error instanceof JobError ? error.code : 'internal', message: (error as Error).message });
    } finally {
      clearInterval(keepAlive);
      this.pending.delete(id);
      this.endWhenIdle();
    }
  }

  /** The result goes out before the stream (snapshot, live output, an ended job's exit), never after it. */
  private async onAttach(id: number, params: Record<string, unknown>): Promise<void> {
    const args = attachSchema.parse(params);
    const socket = this.socket;
    const held: unknown[] = [];
    let answered = false;
    let ended = false;
    const emit = (frame: unknown) => (answered ? this.send(frame) : held.push(frame));
    try {
      const { job, viewer } = await this.host.attach(this.session, args, {
        write: (data) => emit({ type: 'stream', id, kind: 'data', data: data.toString('base64') }),
        get backlogBytes() {
          return socket.writableLength;
        },
        ended: (finished) => {
          ended = true;
          this.viewers.delete(id);
          emit({ type: 'stream', id, kind: 'exit', job: finished });
        },
      });
      this.send({ type: 'result', id, result: { job } });
      answered = true;
      for (const frame of held) this.send(frame);
      if (socket.destroyed) viewer.detach();
      else if (!ended) this.viewers.set(id, viewer);
    } catch (error) {
      this.send({ type: 'error', id, code: error instanceof JobError ? error.code : 'internal', message: (error as Error).message });
    }
    this.endWhenIdle();
  }

  private cleanUp(): void {
    if (this.deadline) clearTimeout(this.deadline);
    for (const controller of this.pending.values()) controller.abort();
    for (const viewer of this.viewers.values()) viewer.detach();
    this.viewers.clear();
    this.forgetSession();
  }
}
