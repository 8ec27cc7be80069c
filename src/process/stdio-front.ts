// MCP over stdio, answered before the MCP SDK and the tools are loaded. A client's first
// requests are `initialize` and `tools/list`; their answers are fixed for a build, so the
// build records the real server's answers (scripts/record-answers.mjs) and this front gives
// them back at once. The server proper (SDK, zod schemas, job host) is loaded after
// `tools/list`, or at the first other request, and takes over through `transport`: it is
// given the client's `initialize` again, and once it has replied (the reply is dropped: the
// client has it), every message that came meanwhile, in order.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { log } from '../util/log.js';

/** The built server's own answers, recorded at build time. */
export interface RecordedAnswers {
  /** The package version they were recorded with: answers of another version are not used. */
  version: string;
  /** Protocol versions the SDK accepts; the first is what it offers for any other. */
  protocolVersions: string[];
  initialize: Record<string, unknown>;
  toolsList: Record<string, unknown>;
}

/** A module beside the bundle's chunks (the package ships those), its default export the answers. */
export const ANSWERS_FILE = join('dist', 'chunks', 'mcp-answers.mjs');

/** The recorded answers for this version, or null (not built, broken, or another build's): then the SDK answers everything. */
export async function readAnswers(root: string, version: string): Promise<RecordedAnswers | null> {
  try {
    const answers = ((await import(pathToFileURL(join(root, ANSWERS_FILE)).href)) as { default: RecordedAnswers }).default;
    return answers?.version === version && Array.isArray(answers.protocolVersions) ? answers : null;
  } catch {
    return null;
  }
}

/** From the tools/list answer to loading the server proper, unless a request asks for it first. */
const LOAD_AFTER_LIST_MS = 20;

type Message = JSONRPCMessage & { id?: string | number; method?: string; params?: Record<string, unknown>; result?: unknown };

export class StdioFront {
  private pending = '';
  private readonly queued: Message[] = [];
  /** The client's initialize was answered here: the server's own reply to it is dropped. */
  private initializeAnswered = false;
  private initialize: Message | null = null;
  private server: Transport | null = null;
  private needServerCalled = false;

  /** `needServer` is called once, when the server proper should be loaded. */
  constructor(private readonly answers: RecordedAnswers | null, private readonly needServer: () => void) {
    process.stdin.on('data', (chunk: Buffer) => this.receive(chunk));
    if (!answers) queueMicrotask(() => this.loadServer()); // nothing to answer here: load the server at once
  }

  /** The transport the server proper connects to; its start() hands the stream over. */
  readonly transport: Transport = {
    start: async () => {
      if (this.initialize) this.transport.onmessage?.(this.initialize);
      else this.takeOver();
    },
    send: (message) => this.send(message as Message),
    close: async () => {
      process.stdin.pause();
      this.transport.onclose?.();
    },
  };

  private receive(chunk: Buffer): void {
    this.pending += chunk.toString('utf8');
    for (let newline = this.pending.indexOf('\n'); newline >= 0; newline = this.pending.indexOf('\n')) {
      const line = this.pending.slice(0, newline).replace(/\r$/, '');
      this.pending = this.pending.slice(newline + 1);
      if (line.trim() === '') continue;
      let message: Message;
      try {
        message = JSON.parse(line) as Message;
      } catch {
        log(`ptyjobs: ignoring a line on stdin that is not JSON: ${line.slice(0, 200)}`);
        continue;
      }
      if (this.server) this.server.onmessage?.(message);
      else this.beforeServer(message);
    }
  }

  private beforeServer(message: Message): void {
    const answers = this.answers;
    if (answers && message.method === 'initialize' && message.id !== undefined && !this.initialize && wellFormedInitialize(message.params)) {
      this.initialize = message;
      const requested = message.params!.protocolVersion as string;
      const protocolVersion = answers.protocolVersions.includes(requested) ? requested : answers.protocolVersions[0];
      void this.send({ jsonrpc: '2.0', id: message.id, result: { protocolVersion, ...answers.initialize } });
      this.initializeAnswered = true;
      return;
    }
    if (answers && this.initialize && message.method === 'tools/list' && message.id !== undefined && !message.params?.cursor) {
      void this.send({ jsonrpc: '2.0', id: message.id, result: answers.toolsList });
      // Clients list the tools, then call them: load the server soon. Not at once: loading blocks
      // for tens of ms, and a client that only checks the list and leaves should not wait for it;
      // a call that comes sooner starts the load itself.
      setTimeout(() => this.loadServer(), LOAD_AFTER_LIST_MS);
      return;
    }
    this.queued.push(message);
    if (message.method !== 'notifications/initialized') this.loadServer();
  }

  private loadServer(): void {
    if (this.needServerCalled) return;
    this.needServerCalled = true;
    this.needServer();
  }

  /** The server has the client's initialize: from now on it gets every message, those queued first. */
  private takeOver(): void {
    this.server = this.transport;
    for (const message of this.queued.splice(0)) this.transport.onmessage?.(message);
  }

  private send(message: Message): Promise<void> {
    if (this.initializeAnswered && !('method' in message) && message.id === this.initialize?.id) {
      // The server's reply to the replayed initialize: it has handled it, so what followed may follow.
      this.initializeAnswered = false;
      this.takeOver();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      if (process.stdout.write(`${JSON.stringify(message)}\n`)) resolve();
      else process.stdout.once('drain', resolve);
    });
  }
}

/** An initialize the SDK would accept; anything else is left to the SDK, which says what is wrong. */
function wellFormedInitialize(params: Record<string, unknown> | undefined): boolean {
  const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!isObject(params) || typeof params.protocolVersion !== 'string' || !isObject(params.capabilities) || !isObject(params.clientInfo)) return false;
  return typeof params.clientInfo.name === 'string' && typeof params.clientInfo.version === 'string';
}
