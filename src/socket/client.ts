// The other end of a control socket: hello, requests with ids, attach streams. Used by the CLI
// (and by anything else that talks to a job host).
import { connect, type Socket } from 'node:net';
import type { HostInfo } from '../host/info.js';
import { encodeFrame, FrameReader } from '../protocol/framing.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';

/** How long a host gets to answer the hello. */
const HELLO_TIMEOUT_MS = 2000;

export class HostError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** What a front tells the host about itself in the hello. */
export interface HelloExtras {
  role?: string;
  cwd?: string;
  env?: Record<string, string>;
  session_id?: string;
}

export interface StreamHandlers {
  data(bytes: Buffer): void;
  exit(job: { job_id: string; status: string; exit_code: number | null; signal: string | null }): void;
}

interface Stream {
  input(data: Buffer): void;
  resize(cols: number, rows: number): void;
  detach(): void;
}

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };

export class HostConnection {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly streams = new Map<number, StreamHandlers>();
  private readonly closeListeners = new Set<() => void>();
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    readonly info: HostInfo,
    readonly path: string,
  ) {
    socket.on('close', () => {
      this.closed = true;
      for (const { reject } of this.pending.values()) reject(new HostError('The job host went away.', 'host_gone'));
      this.pending.clear();
      for (const listener of this.closeListeners) listener();
    });
  }

  /** Connects and says hello; rejects (HostError) on a refused socket or another protocol. */
  static connect(path: string, client: { name: string; version: string }, version: string, hello: HelloExtras = {}): Promise<HostConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(path);
      const reader = new FrameReader();
      let connection: HostConnection | null = null;
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new HostError(`The job host at ${path} did not answer.`, 'no_answer'));
      }, HELLO_TIMEOUT_MS);
      socket.on('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        if (!connection) reject(new HostError(`Cannot connect to ${path}: ${error.code ?? error.message}`, error.code ?? 'connect'));
      });
      socket.on('connect', () => socket.write(encodeFrame({ type: 'hello', protocol: PROTOCOL_VERSION, version, role: 'cli', client, ...hello })));
      socket.on('data', (chunk) => {
        let messages: unknown[];
        try {
          messages = reader.push(chunk);
        } catch (error) {
          socket.destroy();
          return reject(new HostError((error as Error).message, 'invalid'));
        }
        for (const raw of messages) {
          const message = raw as { type: string; id?: number; code?: string; message?: string; host?: HostInfo };
          if (connection) connection.onMessage(message);
          else if (message.type === 'hello' && message.host) {
            clearTimeout(timer);
            connection = new HostConnection(socket, message.host, path);
            resolve(connection);
          } else {
            clearTimeout(timer);
            socket.destroy();
            reject(Object.assign(new HostError(message.message ?? 'The job host refused the connection.', message.code ?? 'refused'), { details: message }));
          }
        }
      });
    });
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.add(listener);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** A request; `signal` cancels it on the host too (a wait stops there). */
  request<T = unknown>(method: string, params: Record<string, unknown> = {}, signal?: AbortSignal): Promise<T> {
    if (this.closed) return Promise.reject(new HostError('The job host went away.', 'host_gone'));
    const id = this.nextId++;
    this.socket.write(encodeFrame({ type: 'request', id, method, params }));
    const onAbort = () => !this.closed && this.socket.write(encodeFrame({ type: 'cancel', id }));
    signal?.addEventListener('abort', onAbort, { once: true });
    return new Promise<T>((resolve, reject) =>
      this.pending.set(id, {
        resolve: (value) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(value as T);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      }),
    );
  }

  /** Attaches to (or watches) a job: the snapshot and live output go to `handlers`. */
  async attach(jobId: string, mode: 'attach' | 'watch', size: { cols: number; rows: number } | null, handlers: StreamHandlers): Promise<Stream> {
    const id = this.nextId;
    this.streams.set(id, handlers);
    try {
      await this.request('attach', { job_id: jobId, mode, ...size });
    } catch (error) {
      this.streams.delete(id);
      throw error;
    }
    const send = (message: Record<string, unknown>) => !this.closed && this.socket.write(encodeFrame({ ...message, id }));
    return {
      input: (data) => send({ type: 'input', data: data.toString('base64') }),
      resize: (cols, rows) => send({ type: 'resize', cols, rows }),
      detach: () => {
        send({ type: 'detach' });
        this.streams.delete(id);
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

  private onMessage(message: { type: string; id?: number; code?: string; message?: string; result?: unknown; kind?: string; data?: string; job?: unknown }): void {
    if (message.type === 'stream' && message.id !== undefined) {
      const stream = this.streams.get(message.id);
      if (message.kind === 'data' && message.data) stream?.data(Buffer.from(message.data, 'base64'));
      else if (message.kind === 'exit') {
        this.streams.delete(message.id);
        stream?.exit(message.job as Parameters<StreamHandlers['exit']>[0]);
      }
      return;
    }
    const pending = message.id === undefined ? undefined : this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id!);
    if (message.type === 'result') pending.resolve(message.result);
    else pending.reject(new HostError(message.message ?? 'error', message.code ?? 'error'));
  }
}
