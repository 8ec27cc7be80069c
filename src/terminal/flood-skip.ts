// Skipping output that can never be seen. When a job floods plain text faster than a terminal
// can parse it, most of a batch scrolls past the screen and off the end of the scrollback. If a
// run of plain bytes (printable text, CR, LF) goes on to move the cursor down at least
// `2 × rows + scrollback` times, every row that exists before the cut is gone once the run ends
// (each needs at most rows + scrollback scrolls to leave the buffer; of the advances, at most
// rows only move the cursor down before scrolling starts), and every row that remains was
// written from scratch by bytes after the cut. Plain text changes no other terminal state, so
// parsing only the tail — after putting the cursor in the column it would have reached — leaves
// the same screen, scrollback and modes as parsing it all. test/unit/flood-skip.test.ts checks
// this cell by cell against full parses of mixed streams.
import { BYTE } from './control.js';

/** Where the parser stands before a batch: in the ground state, with this cursor column. */
export interface PlainTextState {
  /** Cursor column; equals `cols` while a wrap is pending after the last column was written. */
  column: number;
  cols: number;
  /** DECAWM: printing past the last column wraps to a new row. */
  wraparound: boolean;
}

export interface Skip {
  /** Bytes [0, cut) need not be parsed. */
  cut: number;
  /** Column the cursor would have after parsing them (always < cols). */
  column: number;
}

const { CR, LF } = BYTE;
/** UTF-8 encodes the C1 controls U+0080-U+009F as C2 80-C2 9F; xterm executes them (CSI, OSC …). */
const C1_LEAD = 0xc2;

const isPrintable = (byte: number) => byte >= 0x20 && byte <= 0x7e;

/**
 * Scans a batch of output as it arrives, chunk by chunk (so the work is spread over reads
 * rather than done in one stall), and says how much of it can be skipped.
 * Cuts are made where the column is known without replaying the text: just after a CR, or
 * inside the run of printable ASCII the batch starts with (wrapping is arithmetic there).
 * Advances after a cut are counted as its line feeds plus, in that first run, its wraps — a
 * lower bound, which only makes the cut more careful. Past that first run, UTF-8 text counts as
 * plain too: whatever its widths, it only changes the rows it is written on.
 */
export class PlainRunScanner {
  private length = 0;
  /** Nothing but plain bytes so far. */
  private plain = true;
  /** Printable ASCII at the start of the batch, and whether that run is still going. */
  private leadingRun = 0;
  private inLeadingRun = true;
  private lastCarriageReturn = -1;
  /** The previous chunk ended with a C1_LEAD byte. */
  private endedWithC1Lead = false;
  /** The last `keepAdvances` line feeds: where each is, and the last CR before it. */
  private readonly lineFeeds: Int32Array;
  private readonly carriageReturnBefore: Int32Array;
  private lineFeedCount = 0;

  constructor(private readonly keepAdvances: number) {
    this.lineFeeds = new Int32Array(keepAdvances);
    this.carriageReturnBefore = new Int32Array(keepAdvances);
  }

  /** Starts a new batch. */
  reset(): void {
    this.length = 0;
    this.plain = true;
    this.leadingRun = 0;
    this.inLeadingRun = true;
    this.lastCarriageReturn = -1;
    this.endedWithC1Lead = false;
    this.lineFeedCount = 0;
  }

  feed(chunk: Uint8Array): void {
    const base = this.length;
    this.length += chunk.length;
    if (!this.plain) return;
    let i = 0;
    if (this.inLeadingRun) {
      while (i < chunk.length && isPrintable(chunk[i])) i++;
      this.leadingRun += i;
      if (i < chunk.length) this.inLeadingRun = false;
    }
    for (; i < chunk.length; i++) {
      const byte = chunk[i];
      if (isPrintable(byte)) continue;
      if (byte === LF) {
        const slot = this.lineFeedCount++ % this.keepAdvances;
        this.lineFeeds[slot] = base + i;
        this.carriageReturnBefore[slot] = this.lastCarriageReturn;
      } else if (byte === CR) {
        this.lastCarriageReturn = base + i;
      } else if (byte < 0x80 || (byte <= 0x9f && (i > 0 ? chunk[i - 1] : this.endedWithC1Lead ? C1_LEAD : 0) === C1_LEAD)) {
        this.plain = false; // a C0 or C1 control, ESC or DEL
        return;
      }
    }
    this.endedWithC1Lead = chunk.length > 0 && chunk[chunk.length - 1] === C1_LEAD;
  }

  /**
   * The longest prefix of the batch that can be skipped while the plain run it belongs to
   * still moves the cursor down `keepAdvances` times after it, or null.
   */
  skip(state: PlainTextState): Skip | null {
    let best: Skip | null = null;
    if (this.lineFeedCount >= this.keepAdvances) {
      // The oldest of the last keepAdvances line feeds: cut just after the CR before it.
      const carriageReturn = this.carriageReturnBefore[this.lineFeedCount % this.keepAdvances];
      if (carriageReturn >= 0) best = { cut: carriageReturn + 1, column: 0 };
    }
    if (this.leadingRun > 0 && state.wraparound) {
      const inRun = cutInPrintableRun(state, this.leadingRun, this.keepAdvances - this.lineFeedCount);
      if (inRun && inRun.cut > (best?.cut ?? 0)) best = inRun;
    }
    return best;
  }
}

/**
 * The furthest cut into a run of `length` printable characters, starting at `state.column`,
 * that leaves at least `neededWraps` wraps after it (with wraparound on).
 */
function cutInPrintableRun(state: PlainTextState, length: number, neededWraps: number): Skip | null {
  const { column: start, cols } = state;
  // After k ≥ 1 characters: wraps so far, and the column (cols while a wrap is pending).
  const wrapsAfter = (k: number) => (k === 0 ? 0 : Math.floor((start + k - 1) / cols));
  const columnAfter = (k: number) => (k === 0 ? start : ((start + k - 1) % cols) + 1);
  const allowedWraps = wrapsAfter(length) - Math.max(0, neededWraps);
  if (allowedWraps < 0) return null;
  let cut = Math.min(length, (allowedWraps + 1) * cols - start);
  if (cut > 0 && columnAfter(cut) >= cols) cut--; // a pending wrap cannot be recreated
  return cut > 0 && columnAfter(cut) < cols ? { cut, column: columnAfter(cut) } : null;
}

/** The bytes that put the cursor where skipped text would have left it: CR, then CSI column G. */
export function skipPrefix(skip: Skip): string {
  return skip.column === 0 ? '\r' : `\r\x1b[${skip.column + 1}G`;
}
