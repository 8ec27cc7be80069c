// One job's headless terminal: parses the job's output into a screen a person would see (at
// once when output is small, in batches that skip what a flood hides when it is not), answers
// the program's terminal queries, and reports the modes that key encoding needs.
import { createRequire } from 'node:module';
import type { SerializeAddon } from '@xterm/addon-serialize';
import type { IBuffer, IMarker, Terminal } from '@xterm/headless';
import { PlainRunScanner, skipPrefix, type Skip } from './flood-skip.js';
import type { KeyModes } from './keys.js';
import { Utf8Sanitizer } from './text.js';
import type { Screen } from './screen-state.js';
import { GLIBC_WIDTHS } from './width.js';

// xterm is loaded with the first job rather than at start-up, where it would add ~20 ms.
const requireLazily = createRequire(import.meta.url);
let xterm: { Terminal: typeof Terminal } | null = null;
function loadXterm() {
  xterm ??= { Terminal: requireLazily('@xterm/headless').Terminal };
  return xterm;
}
let serializeAddon: typeof SerializeAddon | null = null;


export interface ScreenOptions {
  cols: number;
  rows: number;
  scrollback: number;
  /** Receives the terminal's answers to queries (cursor position, device attributes). */
  onReply: (data: string) => void;
  /** Runs each time written output has been parsed onto the screen. */
  onParsed?: () => void;
}

/**
 * How long output waits after the last batch, by how much arrived in the current burst (output
 * with no gap of QUIET_GAP_MS). Small output (an echo, a prompt) is parsed at once. Once a
 * burst outgrows BUSY_BURST_BYTES it is parsed in batches, so reading never stalls behind
 * parsing; in a flood batches are spaced further apart, since the part of a batch that must be
 * parsed is about the same whatever its size (see flood-skip). A reader (settled) never waits.
 */
const QUIET_GAP_MS = 20;
const BUSY_BURST_BYTES = 16 * 1024;
const BUSY_BATCH_INTERVAL_MS = 10;
const FLOOD_BURST_BYTES = 64 * 1024;
const FLOOD_BATCH_INTERVAL_MS = 50;
/** A batch this big is parsed without waiting out the interval, which bounds the queue. */
const MAX_BATCH_BYTES = 2 * 1024 * 1024;
/** Largest single write handed to xterm, which parses each write in one go (~1-2 ms for 64 KB). */
const MAX_PARSE_SLICE_BYTES = 64 * 1024;
/** Batches up to this size are parsed synchronously, as soon as they are cut. */
const MAX_SYNC_PARSE_BYTES = MAX_PARSE_SLICE_BYTES;

/**
 * What ptyjobs uses of xterm's internals; null if an xterm upgrade moved them, and then flood
 * skipping and synchronous parsing stop (tests fail so the upgrade is noticed).
 */
interface XtermInternals {
  _inputHandler: { _parser: { currentState: number } };
  buffer: { x: number; scrollTop: number; scrollBottom: number };
  /** Set, the next write into an empty write buffer is parsed at once (xterm's echo path after user input). */
  _writeBuffer: { _didUserInput: boolean };
}

export class HeadlessScreen {
  private readonly term: Terminal;
  private readonly internals: XtermInternals | null;
  private readonly onParsed: () => void;
  /** Scans queued output for what can be skipped; null when skipping is off. */
  private scanner: PlainRunScanner | null;
  private readonly scrollback: number;
  /** Output on its way to xterm, made valid UTF-8 (byte counts here stay those of the output). */
  private readonly sanitizer = new Utf8Sanitizer();
  /** Output received and not yet handed to xterm. */
  private queue: Uint8Array[] = [];
  private queuedBytes = 0;
  private writtenBytes = 0;
  private parsedBytes = 0;
  /** Bytes of output never parsed because they could not have been seen. */
  skippedBytes = 0;
  private parsing = false;
  private lastBatchAt = -Infinity;
  private lastWriteAt = -Infinity;
  private burstBytes = 0;
  private batchTimer: NodeJS.Timeout | null = null;
  /** A resize that waits for the batch in flight, whose skip was cut for the old size. */
  private pendingResize: { cols: number; rows: number } | null = null;
  private settleWaiters: { until: number; resolve: () => void }[] = [];
  /** The batch being parsed addressed rows (CUP, VPA) or cleared the screen (ED 2). */
  private addressedInBatch = false;
  /** Rows the main screen scrolled since output last addressed rows (Infinity: never). */
  private scrolledSinceAddressed = Infinity;
  /** Loaded with the first attach. */
  private serializer: SerializeAddon | null = null;

  constructor(options: ScreenOptions) {
    const { Terminal } = loadXterm();
    // logLevel off: xterm logs parse errors of binary output with console.log, and stdout is the MCP channel.
    this.term = new Terminal({ cols: options.cols, rows: options.rows, scrollback: options.scrollback, allowProposedApi: true, logLevel: 'off' });
    this.term.unicode.register(GLIBC_WIDTHS);
    this.term.unicode.activeVersion = GLIBC_WIDTHS.version;
    this.term.onData(options.onReply);
    this.onParsed = options.onParsed ?? (() => {});
    this.internals = probeInternals(this.term);
    this.watchCursorAddressing();
    this.scrollback = options.scrollback;
    this.scanner = this.newScanner();
  }

  /** Notes output that draws a screen rather than scrolling lines (see Screen.drawing). */
  private watchCursorAddressing(): void {
    const addressed = () => {
      // vim and less address rows in the alternate buffer: that draws nothing on the main screen.
      if (this.term.buffer.active.type === 'normal') this.addressedInBatch = true;
      return false; // xterm still handles the sequence itself
    };
    for (const final of ['H', 'f', 'd']) this.term.parser.registerCsiHandler({ final }, addressed);
    this.term.parser.registerCsiHandler({ final: 'J' }, (params) => (params[0] === 2 ? addressed() : false));
  }

  /**
   * A marker on the top row of the main screen, to measure how far a batch scrolled it; only
   * while a drawn screen is shown (scrolling matters for nothing else, and a marker costs).
   */
  private markTopRow(): IMarker | null {
    const buffer = this.term.buffer.active;
    if (buffer.type !== 'normal' || this.scrolledSinceAddressed >= this.term.rows) return null;
    return this.term.registerMarker(-buffer.cursorY) ?? null;
  }

  /**
   * After a batch: a program that addressed rows draws a screen, until a screenful of
   * scrolling has carried that screen away.
   */
  private updateDrawing(top: IMarker | null): void {
    // A marker moves with its line, also when a full scrollback drops lines (baseY stays put then).
    const scrolled = top === null ? 0 : top.isDisposed ? Infinity : this.term.buffer.normal.baseY - top.line;
    top?.dispose();
    this.scrolledSinceAddressed = this.addressedInBatch ? 0 : this.scrolledSinceAddressed + scrolled;
    this.addressedInBatch = false;
  }

  private newScanner(): PlainRunScanner | null {
    // A plain run must still scroll this many rows after a cut for the cut to be invisible (see flood-skip).
    return this.internals ? new PlainRunScanner(2 * this.term.rows + this.scrollback + 1) : null;
  }

  /** Whether flood skipping and synchronous parsing work with this xterm version (tests assert it). */
  get xtermInternalsFound(): boolean {
    return this.internals !== null;
  }

  /** Bytes of output the screen shows (all of them once settled). */
  get parsedOffset(): number {
    return this.parsedBytes;
  }

  /** Bytes received and not yet on the screen. */
  get backlog(): number {
    return this.writtenBytes - this.parsedBytes;
  }

  get modes(): KeyModes & { bracketedPaste: boolean } {
    const modes = this.term.modes;
    return { applicationCursor: modes.applicationCursorKeysMode, bracketedPaste: modes.bracketedPasteMode };
  }

  /** Queues output for the screen; the first after a quiet spell is parsed at once, a flood in batches. */
  write(data: Uint8Array): void {
    if (data.length === 0) return;
    const now = performance.now();
    if (now - this.lastWriteAt >= QUIET_GAP_MS) this.burstBytes = 0;
    this.lastWriteAt = now;
    this.burstBytes += data.length;
    this.queue.push(data);
    this.queuedBytes += data.length;
    this.writtenBytes += data.length;
    this.scanner?.feed(data);
    this.scheduleBatch(this.writtenBytes - this.parsedBytes >= MAX_BATCH_BYTES);
  }

  /** Resolves once everything written so far is on the screen (later output does not delay it). */
  settled(): Promise<void> {
    if (this.parsedBytes === this.writtenBytes) return Promise.resolve();
    const until = this.writtenBytes;
    return new Promise((resolve) => {
      this.settleWaiters.push({ until, resolve });
      this.scheduleBatch(true); // someone is waiting: no reason to hold the batch back
    });
  }

  /** Output received before the resize is shown at the old size, the rest at the new one. */
  resize(cols: number, rows: number): void {
    if (this.parsing) this.pendingResize = { cols, rows };
    else this.applyResize(cols, rows);
  }

  private applyResize(cols: number, rows: number): void {
    this.term.resize(cols, rows);
    // The rows a cut must keep depend on the height: rescan what is queued.
    this.scanner = this.newScanner();
    for (const chunk of this.queue) this.scanner?.feed(chunk);
  }

  /** The visible screen as it is now (call settled() first for an up-to-date one). */
  snapshot(): Screen {
    const buffer = this.term.buffer.active;
    const lines: string[] = [];
    for (let row = 0; row < this.term.rows; row++) {
      lines.push((buffer.getLine(buffer.baseY + row)?.translateToString(true) ?? '').trimEnd());
    }
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return {
      lines,
      cursor: { row: buffer.cursorY, col: buffer.cursorX },
      cols: this.term.cols,
      rows: this.term.rows,
      alternate_screen: buffer.type === 'alternate',
      drawing: buffer.type === 'normal' && this.scrolledSinceAddressed < this.term.rows,
    };
  }

  /**
   * The last `count` lines of the main buffer (screen and scrollback) as a person sees them:
   * wrapped rows joined, trailing blanks trimmed, blank rows below the text left out. A line
   * whose start has left the scrollback begins with lineStartLostMarker.
   */
  lastLines(count: number): string[] {
    const buffer = this.term.buffer.normal;
    let row = buffer.length - 1;
    while (row >= 0 && (buffer.getLine(row)?.translateToString(true) ?? '') === '') row--;
    const lines: string[] = [];
    while (row >= 0 && lines.length < count) {
      let start = row;
      while (start > 0 && buffer.getLine(start)?.isWrapped) start--;
      let text = '';
      for (let r = start; r <= row; r++) text += wrappedRowText(buffer, r, r === row);
      text = text.trimEnd();
      lines.push(start === 0 && buffer.getLine(0)?.isWrapped ? lineStartLostMarker(text.length) + text : text);
      row = start - 1;
    }
    return lines.reverse();
  }

  /**
   * Escape sequences that redraw this terminal's state in another terminal: scrollback, screen,
   * both buffers, colours, modes, cursor (what a person attaching sees first). Call settled() first.
   */
  serialize(scrollbackRows: number): string {
    if (!this.serializer) {
      serializeAddon ??= (requireLazily('@xterm/addon-serialize') as { SerializeAddon: typeof SerializeAddon }).SerializeAddon;
      this.serializer = new serializeAddon();
      this.term.loadAddon(this.serializer);
    }
    return this.serializer.serialize({ scrollback: scrollbackRows });
  }

  dispose(): void {
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.queue = [];
    this.queuedBytes = 0;
    this.parsedBytes = this.writtenBytes;
    this.releaseSettled();
    this.term.dispose();
  }

  private scheduleBatch(urgent: boolean): void {
    if (this.parsing || this.queue.length === 0) return;
    const interval = this.burstBytes >= FLOOD_BURST_BYTES ? FLOOD_BATCH_INTERVAL_MS : this.burstBytes >= BUSY_BURST_BYTES ? BUSY_BATCH_INTERVAL_MS : 0;
    const delay = urgent ? 0 : this.lastBatchAt + interval - performance.now();
    if (delay <= 0) {
      if (this.batchTimer) clearTimeout(this.batchTimer);
      this.batchTimer = null;
      this.parseBatch();
    } else {
      this.batchTimer ??= setTimeout(() => {
        this.batchTimer = null;
        this.parseBatch();
      }, delay);
    }
  }

  /** Hands everything queued to xterm, minus what a flood scrolls out of sight unseen. */
  private parseBatch(): void {
    const skip = this.findSkip();
    const batchBytes = this.queuedBytes;
    const pieces: Uint8Array[] = skip ? [Buffer.from(skipPrefix(skip))] : [];
    if (skip) this.sanitizer.dropHeld();
    let offset = 0;
    for (const chunk of this.queue) {
      if (offset + chunk.length > (skip?.cut ?? 0)) pieces.push(this.sanitizer.clean(chunk.subarray(Math.max(0, (skip?.cut ?? 0) - offset))));
      offset += chunk.length;
    }
    this.skippedBytes += skip?.cut ?? 0;
    this.queue = [];
    this.queuedBytes = 0;
    this.scanner?.reset();
    this.parsing = true;
    this.lastBatchAt = performance.now();
    const top = this.markTopRow();
    const parsed = () => {
      this.parsing = false;
      this.updateDrawing(top);
      if (this.pendingResize) this.applyResize(this.pendingResize.cols, this.pendingResize.rows);
      this.pendingResize = null;
      this.parsedBytes += batchBytes;
      this.releaseSettled();
      this.onParsed();
      this.scheduleBatch(this.settleWaiters.length > 0);
    };
    const tail = pieces.reduce((sum, piece) => sum + piece.length, 0);
    if (tail <= MAX_SYNC_PARSE_BYTES && this.internals) {
      // Small: parsed right here, so an echo does not wait for a turn of xterm's timer.
      this.internals._writeBuffer._didUserInput = true;
      this.term.write(pieces.length === 1 ? pieces[0] : Buffer.concat(pieces), parsed);
      return;
    }
    // Large: in slices, which xterm parses in turns of the event loop.
    for (const piece of pieces) {
      for (let start = 0; start < piece.length; start += MAX_PARSE_SLICE_BYTES) this.term.write(piece.subarray(start, start + MAX_PARSE_SLICE_BYTES));
    }
    this.term.write('', parsed);
  }

  /** Only called between batches, when xterm has parsed everything it was given. */
  private findSkip(): Skip | null {
    const internals = this.internals;
    if (!internals || !this.scanner) return null;
    const buffer = internals.buffer;
    // Mid-escape, the batch's first bytes finish a sequence; with scroll margins, rows outside
    // them keep what plain text wrote over them.
    const atRest = internals._inputHandler._parser.currentState === PARSER_GROUND_STATE && buffer.scrollTop === 0 && buffer.scrollBottom === this.term.rows - 1;
    if (!atRest) return null;
    const cols = this.term.cols;
    // Held bytes of a cut character print one U+FFFD before a batch that starts with plain text.
    const column = this.sanitizer.heldBytes === 0 ? buffer.x : buffer.x >= cols ? 1 : buffer.x + 1;
    return this.scanner.skip({ column, cols, wraparound: this.term.modes.wraparoundMode });
  }

  private releaseSettled(): void {
    const waiting = this.settleWaiters;
    this.settleWaiters = waiting.filter((waiter) => waiter.until > this.parsedBytes);
    for (const waiter of waiting) if (waiter.until <= this.parsedBytes) waiter.resolve();
  }
}

/** Begins a line of lastLines whose start the scrollback no longer holds (a single line longer than it). */
export function lineStartLostMarker(keptChars: number): string {
  return `[… the terminal kept only the last ${keptChars} characters of this line …]`;
}

/** Matches lineStartLostMarker at the start of a line; group 1 is the number of characters kept. */
export const LINE_START_LOST_PATTERN = /^\[… the terminal kept only the last (\d+) characters of this line …\]/;

/**
 * One row of a wrapped line, as part of the line: a last cell left empty because the wide
 * character that followed did not fit in it is no space (xterm's reflow and tmux read it so).
 */
function wrappedRowText(buffer: IBuffer, row: number, lastOfLine: boolean): string {
  const line = buffer.getLine(row);
  if (!line) return '';
  if (lastOfLine) return line.translateToString(true);
  const lastCell = line.getCell(line.length - 1);
  const skippedForWide = lastCell?.getChars() === '' && lastCell.getWidth() === 1 && buffer.getLine(row + 1)?.getCell(0)?.getWidth() === 2;
  return line.translateToString(false, 0, skippedForWide ? line.length - 1 : line.length);
}

/** xterm's parser state when it is between escape sequences. */
const PARSER_GROUND_STATE = 0;

function probeInternals(term: Terminal): XtermInternals | null {
  const core = (term as unknown as { _core?: Partial<XtermInternals> })._core;
  const ok =
    typeof core?._inputHandler?._parser?.currentState === 'number' &&
    typeof core.buffer?.x === 'number' &&
    typeof core._writeBuffer?._didUserInput === 'boolean' &&
    typeof core.buffer.scrollBottom === 'number';
  return ok ? (core as XtermInternals) : null;
}
