// Finds and removes the shim's exit marker (ESC ] 6973 ; NONCE ; CODE ; SIGNAL BEL) in a job's
// output stream. The marker comes after every byte the command printed, possibly split
// across chunks; everything else passes through untouched.
import { BYTE } from '../terminal/control.js';

export interface ShimExit {
  /** Exit code, or null when the command died of a signal. */
  code: number | null;
  /** Signal number that ended the command, or 0. */
  signal: number;
}

/** Longest marker we wait for before deciding the bytes were not a marker after all. */
const MAX_MARKER_BYTES = 128;
const { BEL } = BYTE;

export class ExitMarkerScanner {
  private readonly prefix: Buffer;
  /** Bytes held back because they may be the start of a marker. */
  private held: Buffer = Buffer.alloc(0);

  constructor(nonce: string) {
    this.prefix = Buffer.from(`\x1b]6973;${nonce};`);
  }

  /** Returns the bytes to pass on, and the exit status when the marker completed in this chunk. */
  feed(chunk: Buffer): { data: Buffer; exit: ShimExit | null } {
    const buffer = this.held.length ? Buffer.concat([this.held, chunk]) : chunk;
    this.held = Buffer.alloc(0);
    const at = buffer.indexOf(this.prefix);
    if (at >= 0) {
      const bel = buffer.indexOf(BEL, at + this.prefix.length);
      if (bel < 0 && buffer.length - at < MAX_MARKER_BYTES) {
        this.held = Buffer.from(buffer.subarray(at));
        return { data: buffer.subarray(0, at), exit: null };
      }
      const fields = bel < 0 ? null : /^(-?\d+);(\d+)$/.exec(buffer.toString('latin1', at + this.prefix.length, bel));
      if (fields) {
        const code = Number(fields[1]);
        const exit = { code: code < 0 ? null : code, signal: Number(fields[2]) };
        return { data: Buffer.concat([buffer.subarray(0, at), buffer.subarray(bel + 1)]), exit };
      }
      return { data: buffer, exit: null };
    }
    const partial = this.partialPrefixLength(buffer);
    if (partial > 0) {
      this.held = Buffer.from(buffer.subarray(buffer.length - partial));
      return { data: buffer.subarray(0, buffer.length - partial), exit: null };
    }
    return { data: buffer, exit: null };
  }

  /** Releases any held bytes (at the end of the stream). */
  flush(): Buffer {
    const rest = this.held;
    this.held = Buffer.alloc(0);
    return rest;
  }

  /** Length of the longest suffix of `buffer` that is a proper prefix of the marker. */
  private partialPrefixLength(buffer: Buffer): number {
    const esc = buffer.lastIndexOf(BYTE.ESC, Math.max(0, buffer.length - 1));
    if (esc < 0 || buffer.length - esc >= this.prefix.length) return 0;
    const tail = buffer.subarray(esc);
    return this.prefix.subarray(0, tail.length).equals(tail) ? tail.length : 0;
  }
}
