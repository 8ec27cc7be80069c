// The client end of a control socket: hello, requests with ids under one timeout policy, and
// attach streams. Used by everything that talks to a job host (the CLI, the web view, --shared
// fronts) through RemoteHost. It refuses a socket that is not this user's before it sends a byte.
import { lstatSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { userInfo } from 'node:os';
import { dirname } from 'node:path';
import type { HostInfo } from '../host/info.js';
import { encodeFrame, FrameReader } from '../protocol/framing.js';
import type { ClientHello, HostMessage } from '../protocol/messages.js';
import type { MethodName, MethodResults } from '../protocol/methods.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';
import { checkSocketDir } from './dir.js';

/** How long a host gets to answer the hello. */
const HELLO_TIMEOUT_MS = 2000;
/**
 * How long a request may go without a word from the host (its result, or progress of a long
 * wait, sent every second) before it fails: a host that stalls never hangs a client.
 */
const REQUEST_SILENCE_TIMEOUT_MS = 15_000;

export class HostError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly details: { protocol?: number; version?: string; jobs?: number } = {},
  ) {
    super(message);
  }
}

/** Codes that mean nobody answers at a socket (none there, or its host died): not an error of a host's. */
const NOBODY_ANSWERS = new Set(['ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'host_gone']);

/** Whether a failed connect means no host is there (start one, or remove a stale socket), not a host that refused. */
export function nobodyAnswers(error: unknown): boolean {
  return error instanceof HostError && NOBODY_ANSWERS.has(error.code);
}

/** What a client tells the host about itself in the hello. */
export type HelloExtras = Omit<ClientHello, 'type' | 'protocol' | 'version' | 'client'>;

export interface StreamHandlers {
  data(bytes: Buffer): void;
  exit(job: unknown): void;
}

export interface Stream {
  input(data: Buffer): void;
  resize(cols: number, rows: number): void;
  detach(): void;
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** A long request's progress, as the host reports it. */
  onProgress?: (elapsedMs: number, totalMs: number) => void;
}

interface Pending {
  method: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  progress?: (elapsedMs: number, totalMs: number) => void;
  timer: NodeJS.Timeout;
}

/**
 * Refuses a socket whose dir is not private to this user, or which is not a socket of this
 * user's: whoever planted it would read what the person types (a fake password prompt).
 */
function checkHostSocket(path: string): void {
  checkSocketDir(dirname(path));
  let stat;
  try {
    stat = lstatSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'ENOENT';
    throw new HostError(`Cannot connect to ${path}: ${code}`, code);
  }
  if (!stat.isSocket()) throw new HostError(`${path} is not a socket; not connecting.`, 'untrusted');
  if (stat.uid !== userInfo().uid) throw new HostError(`${path} belongs to uid ${stat.uid}, not to you; not connecting.`, 'untrusted');
}

export class HostConnection {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly streams = new Map<number, StreamHandlers>();
  private readonly closeListeners = new Set<() => void>();
  private closed = false;
  /** Messages for requests this client no longer waits for (a protocol fault worth knowing). */
  onUnexpected: (message: HostMessage) => void = () => {};

  private constructor(
    private readonly socket: Socket,
    readonly info: HostInfo,
    readonly path: string,
  ) {
    socket.on('close', () => {
      this.closed = true;
      for (const [, pending] of this.pending) {
        clearTimeout(pending.timer);
        pending.reject(new HostError('The job host went away.', 'host_gone'));
      }
      this.pending.clear();
      for (const listener of this.closeListeners) listener();
    });
  }

  /** Checks the socket is this user's, connects and says hello; rejects with a HostError. */
  static connect(path: string, client: { name: string; version: string }, version: string, hello: HelloExtras = {}): Promise<HostConnection> {
    try {
      checkHostSocket(path);
    } catch (error) {
      return Promise.reject(error instanceof HostError ? error : new HostError((error as Error).message, 'untrusted'));
    }
    return new Promise((resolve, reject) => {
      const socket = connect(path);
      const reader = new FrameReader();
      let connection: HostConnection | null = null;
      const fail = (error: HostError) => {
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      };
      const timer = setTimeout(() => fail(new HostError(`The job host at ${path} did not answer.`, 'no_answer')), HELLO_TIMEOUT_MS);
      socket.on('error', (error: NodeJS.ErrnoException) => {
        if (!connection) fail(new HostError(`Cannot connect to ${path}: ${error.code ?? error.message}`, error.code ?? 'connect'));
      });
      socket.on('close', () => !connection && fail(new HostError(`The job host at ${path} closed the connection.`, 'host_gone')));
      const message: ClientHello = { type: 'hello', protocol: PROTOCOL_VERSION, version, role: 'cli', client, ...hello };
      socket.on('connect', () => socket.write(encodeFrame(message)));
      socket.on('data', (chunk) => {
        let messages: unknown[];
        try {
          messages = reader.push(chunk);
        } catch (error) {
          return fail(new HostError((error as Error).message, 'invalid'));
        }
        for (const raw of messages) {
          const message = raw as HostMessage;
          if (connection) connection.onMessage(message);
          else if (message.type === 'hello' && message.host) {
            clearTimeout(timer);
            connection = new HostConnection(socket, message.host, path);
            resolve(connection);
          } else if (message.type === 'error') {
            fail(new HostError(message.message, message.code, message));
          } else fail(new HostError('The job host sent no hello.', 'invalid'));
        }
      });
    });
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.add(listener);
  }

  get isClosed(): boolean {
    return this.closed || this.socket.destroyed;
  }

  /** A request; it fails after REQUEST_SILENCE_TIMEOUT_MS without a word; `signal` cancels it on the host too. */
  request<M extends MethodName>(method: M, params: object = {}, options: RequestOptions = {}): Promise<MethodResults[M]> {
    return this.send<MethodResults[M]>(method, params, options);
  }

  private send<T>(method: string, params: object, options: RequestOptions = {}): Promise<T> {
    if (this.isClosed) return Promise.reject(new HostError('The job host went away.', 'host_gone'));
    const id = this.nextId++;
    this.socket.write(encodeFrame({ type: 'request', id, method, params }));
    const { signal } = options;
    const onAbort = () => !this.isClosed && this.socket.write(encodeFrame({ type: 'cancel', id }));
    signal?.addEventListener('abort', onAbort, { once: true });
    return new Promise<T>((resolve, reject) => {
      const done = () => {
        signal?.removeEventListener('abort', onAbort);
        clearTimeout(this.pending.get(id)?.timer);
        this.pending.delete(id);
      };
      this.pending.set(id, {
        method,
        resolve: (value) => (done(), resolve(value as T)),
        reject: (error) => (done(), reject(error)),
        progress: options.onProgress,
        timer: this.silenceTimer(id, method),
      });
    });
  }

  /** Attaches to (or watches) a job: resolves with the job once the host has it; the snapshot and live output follow. */
  async attach(params: { job_id: string; mode: 'attach' | 'watch'; cols?: number; rows?: number }, handlers: StreamHandlers): Promise<{ job: unknown; stream: Stream }> {
    const id = this.nextId;
    this.streams.set(id, handlers);
    let result: { job: unknown };
    try {
      result = await this.send<{ job: unknown }>('attach', params);
    } catch (error) {
      this.streams.delete(id);
      throw error;
    }
    const send = (message: Record<string, unknown>) => !this.isClosed && this.socket.write(encodeFrame({ ...message, id }));
    return {
      job: result.job,
      stream: {
        input: (data) => send({ type: 'input', data: data.toString('base64') }),
        resize: (cols, rows) => send({ type: 'resize', cols, rows }),
        detach: () => {
          send({ type: 'detach' });
          this.streams.delete(id);
        },
      },
    };
  }

  /** Stops reading from the host (its writes to us back up, and it skips a viewer ahead). */
  pauseReading(): void {
    this.socket.pause();
  }

  resumeReading(): void {
    this.socket.resume();
  }

  close(): void {
    this.socket.end();
  }

  private silenceTimer(id: number, method: string): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.pending.get(id)?.reject(new HostError(`The job host did not answer ${method} within ${REQUEST_SILENCE_TIMEOUT_MS / 1000} s.`, 'no_answer'));
      if (!this.isClosed) this.socket.write(encodeFrame({ type: 'cancel', id }));
    }, REQUEST_SILENCE_TIMEOUT_MS);
    timer.unref();
    return timer;
  }

  private onMessage(message: HostMessage): void {
    if (message.type === 'stream') {
      const stream = this.streams.get(message.id);
      if (!stream) return;
      if (message.kind === 'data') stream.data(Buffer.from(message.data, 'base64'));
      else if (message.kind === 'exit') {
        this.streams.delete(message.id);
        stream.exit(message.job);
      }
      return;
    }
    if (message.type === 'hello') return this.onUnexpected(message);
    const pending = message.id === undefined ? undefined : this.pending.get(message.id);
    if (!pending) return this.onUnexpected(message);
    if (message.type === 'progress') {
      clearTimeout(pending.timer);
      pending.timer = this.silenceTimer(message.id, pending.method);
      pending.progress?.(message.elapsed_ms, message.total_ms);
    } else if (message.type === 'result') pending.resolve(message.result);
    else pending.reject(new HostError(message.message, message.code, message));
  }
}
