// The raw output of one job: a byte ring of fixed capacity addressed by monotonic offsets.
// Offset N is the N-th byte the job ever printed; it stays meaningful after the ring has
// dropped it, so readers can tell how much they missed.

export interface LogSlice {
  /** The bytes from `start` to `end` that the ring still holds. */
  bytes: Buffer;
  /** Offset of the first returned byte (≥ the requested one when older bytes were dropped). */
  start: number;
  /** Offset just past the last returned byte. */
  end: number;
  /** Bytes between the requested offset and `start` that the ring no longer holds. */
  dropped: number;
}

/** First allocation of a ring; it doubles as output arrives, up to its capacity. */
const INITIAL_RING_BYTES = 16 * 1024;

export class OutputLog {
  /** Holds bytes linearly until it reaches `capacity`, then as a ring. */
  private ring: Buffer;
  /** Offset one past the newest byte. */
  private total = 0;

  constructor(readonly capacity: number) {
    this.ring = Buffer.allocUnsafe(Math.min(capacity, INITIAL_RING_BYTES));
  }

  /** Offset one past the newest byte: the number of bytes ever appended. */
  get end(): number {
    return this.total;
  }

  /** Offset of the oldest byte still held. */
  get start(): number {
    return Math.max(0, this.total - this.capacity);
  }

  append(chunk: Uint8Array): void {
    if (this.total + chunk.length > this.ring.length && this.ring.length < this.capacity) this.grow(this.total + chunk.length);
    const size = this.ring.length;
    const data = chunk.length > size ? chunk.subarray(chunk.length - size) : chunk;
    const pos = (this.total + chunk.length - data.length) % size;
    const first = Math.min(data.length, size - pos);
    this.ring.set(data.subarray(0, first), pos);
    if (first < data.length) this.ring.set(data.subarray(first), 0);
    this.total += chunk.length;
  }

  /** Enlarges the still-linear buffer (it has not wrapped: total ≤ its length). */
  private grow(needed: number): void {
    const size = Math.min(this.capacity, Math.max(needed, this.ring.length * 2));
    const bigger = Buffer.allocUnsafe(size);
    this.ring.copy(bigger, 0, 0, this.total);
    this.ring = bigger;
  }

  /** Reads from offset `from` (clamped to what is held) up to `maxBytes` bytes. */
  read(from: number, maxBytes = Infinity): LogSlice {
    const start = Math.min(Math.max(from, this.start), this.total);
    const end = Math.min(this.total, start + Math.max(0, maxBytes));
    const dropped = from < this.start ? this.start - Math.max(0, from) : 0;
    return { bytes: this.copy(start, end), start, end, dropped };
  }

  /** Offset where the last `lines` lines begin, looking back at most `maxBytes` bytes. */
  tailOffset(lines: number, maxBytes: number): number {
    const floor = Math.max(this.start, this.total - maxBytes);
    let newlines = 0;
    // A final newline ends the last line rather than starting an empty one.
    let offset = this.total - 1;
    if (offset >= floor && this.byteAt(offset) === 0x0a) offset--;
    for (; offset >= floor; offset--) {
      if (this.byteAt(offset) === 0x0a && ++newlines === lines) return offset + 1;
    }
    return floor;
  }

  private byteAt(offset: number): number {
    return this.ring[offset % this.ring.length];
  }

  private copy(start: number, end: number): Buffer {
    const length = end - start;
    if (length <= 0) return Buffer.alloc(0);
    const pos = start % this.ring.length;
    const first = Math.min(length, this.ring.length - pos);
    if (first === length) return Buffer.from(this.ring.subarray(pos, pos + length));
    return Buffer.concat([this.ring.subarray(pos, pos + first), this.ring.subarray(0, length - first)]);
  }
}
