// A tiny LSP client for tests: Content-Length framing over TCP, one initialize round trip.
import { connect } from 'node:net';
import { createServer } from 'node:net';

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** True when something accepts TCP connections on the port. */
export function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Connects, sends `initialize`, and resolves with the parsed response (or rejects with what
 * came back instead, when it is not a framed JSON-RPC response within the timeout).
 */
export function lspInitialize(port: number, timeoutMs = 15_000): Promise<{ id: number; result?: { capabilities?: object } }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no LSP response within ${timeoutMs} ms; received ${JSON.stringify(received.toString('latin1').slice(0, 300))}`));
    }, timeoutMs);
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('connect', () => {
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } });
      socket.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    });
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      const headerEnd = received.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const length = /Content-Length: (\d+)/i.exec(received.subarray(0, headerEnd).toString('latin1'));
      if (!length) return;
      const bodyStart = headerEnd + 4;
      if (received.length < bodyStart + Number(length[1])) return;
      clearTimeout(timer);
      socket.destroy();
      try {
        resolve(JSON.parse(received.subarray(bodyStart, bodyStart + Number(length[1])).toString('utf8')));
      } catch (error) {
        reject(new Error(`unparsable LSP body: ${(error as Error).message}; received ${JSON.stringify(received.toString('latin1').slice(0, 300))}`));
      }
    });
  });
}
