// Newline-delimited JSON over a stream socket, one message a line, with a bound on a line so a
// bad peer cannot make us buffer without end (the SDK's stdio ReadBuffer has none).

/** Input of 16 MB (base64) plus the frame around it fits. */
export const MAX_FRAME_BYTES = 24 * 1024 * 1024;

export class FrameError extends Error {}

/** Splits incoming bytes into parsed messages; throws FrameError on a frame that is too big or not JSON. */
export class FrameReader {
  private pending: Buffer[] = [];
  /** Bytes of an unfinished frame held. */
  pendingBytes = 0;

  push(chunk: Buffer): unknown[] {
    const messages: unknown[] = [];
    let start = 0;
    for (let newline = chunk.indexOf(0x0a); newline >= 0; newline = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, newline);
      const line = this.pending.length ? Buffer.concat([...this.pending, piece]) : piece;
      this.pending = [];
      this.pendingBytes = 0;
      start = newline + 1;
      if (line.length === 0) continue;
      try {
        messages.push(JSON.parse(line.toString('utf8')));
      } catch {
        throw new FrameError('a frame is not JSON');
      }
    }
    if (start < chunk.length) {
      this.pending.push(chunk.subarray(start));
      this.pendingBytes += chunk.length - start;
      if (this.pendingBytes > MAX_FRAME_BYTES) throw new FrameError(`a frame is longer than ${MAX_FRAME_BYTES} bytes`);
    }
    return messages;
  }
}

export function encodeFrame(message: unknown): string {
  return `${JSON.stringify(message)}\n`;
}
