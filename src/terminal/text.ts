// Raw terminal bytes → readable text, as a person saw it: each line shown as the terminal left
// it after carriage returns, backspaces, erase-in-line, cursor column moves and cursor-up
// redraws (progress bars, spinners, readline's history recall), escape sequences removed,
// CRLF → LF, tabs expanded, invalid UTF-8 as U+FFFD. Used where the terminal itself no longer
// holds the text (incremental reads of the byte log); recent lines come from the screen, whose
// input Utf8Sanitizer makes valid UTF-8 so that it shows the same U+FFFD.
import { isUtf8 } from 'node:buffer';
import { BYTE, ESC } from './control.js';
import { charWidth } from './width.js';

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Trims a UTF-8 continuation run from the start (the ring may begin mid-character). */
export function alignUtf8Start(bytes: Buffer): Buffer {
  let i = 0;
  while (i < bytes.length && i < 3 && (bytes[i] & 0xc0) === 0x80) i++;
  return i ? bytes.subarray(i) : bytes;
}

/** Bytes of `bytes` that end on a complete UTF-8 character (a cut multi-byte tail is left out). */
export function completeUtf8Length(bytes: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back];
    if ((byte & 0xc0) === 0x80) continue; // continuation: look further back for the lead byte
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? bytes.length - back : bytes.length;
  }
  return bytes.length;
}

/**
 * For each lead byte, the bounds of the byte right after it (the WHATWG decoder's: no overlong
 * forms, surrogates or code points past U+10FFFF) and the bytes its character has; later bytes
 * are 80-BF. Bytes that lead nothing have length 0.
 */
const SECOND_BYTE_LOW = new Uint8Array(256);
const SECOND_BYTE_HIGH = new Uint8Array(256);
const SEQUENCE_LENGTH = new Uint8Array(256);
for (let lead = 0xc2; lead <= 0xf4; lead++) {
  SEQUENCE_LENGTH[lead] = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
  SECOND_BYTE_LOW[lead] = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
  SECOND_BYTE_HIGH[lead] = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
}

/** Bytes at the end of `bytes` that begin a valid character more output may complete (0-3). */
function incompleteUtf8Tail(bytes: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const lead = bytes[bytes.length - back];
    if ((lead & 0xc0) === 0x80) continue;
    if (SEQUENCE_LENGTH[lead] <= back) return 0;
    const second = bytes[bytes.length - back + 1];
    return back === 1 || (second >= SECOND_BYTE_LOW[lead] && second <= SECOND_BYTE_HIGH[lead]) ? back : 0;
  }
  return 0;
}

/**
 * `bytes` with each invalid sequence (its maximal valid start, or a stray byte) replaced by
 * U+FFFD (EF BF BD), as the WHATWG decoder replaces them; a byte loop, several times faster
 * than decoding to a string and encoding that again.
 */
function replaceInvalidUtf8(bytes: Uint8Array): Uint8Array {
  const out = Buffer.allocUnsafe(bytes.length * 3);
  const end = bytes.length;
  let o = 0;
  for (let i = 0; i < end; ) {
    const lead = bytes[i];
    if (lead < 0x80) {
      out[o++] = lead;
      i++;
      continue;
    }
    const needed = SEQUENCE_LENGTH[lead];
    let length = 1;
    if (needed > 0 && i + 1 < end && bytes[i + 1] >= SECOND_BYTE_LOW[lead] && bytes[i + 1] <= SECOND_BYTE_HIGH[lead]) {
      length = 2;
      while (length < needed && i + length < end && (bytes[i + length] & 0xc0) === 0x80) length++;
    }
    if (length === needed) {
      for (let k = 0; k < length; k++) out[o++] = bytes[i + k];
    } else {
      out[o++] = 0xef;
      out[o++] = 0xbf;
      out[o++] = 0xbd;
    }
    i += length;
  }
  return out.subarray(0, o);
}

/**
 * Turns a stream of output into valid UTF-8, each invalid sequence replaced by U+FFFD as
 * TextDecoder (and so renderText) replaces it. xterm's own decoder drops invalid bytes, so
 * without this the screen would lose what the text shows. Valid chunks pass untouched; a
 * character cut at a chunk's end is held until the next chunk.
 */
export class Utf8Sanitizer {
  private held: Uint8Array = new Uint8Array(0);

  /** Bytes held back: the start of a character the next chunk may complete. */
  get heldBytes(): number {
    return this.held.length;
  }

  clean(chunk: Uint8Array): Uint8Array {
    if (this.held.length === 0 && isUtf8(chunk)) return chunk;
    const data = this.held.length === 0 ? chunk : Buffer.concat([this.held, chunk]);
    const complete = data.length - incompleteUtf8Tail(data);
    this.held = data.slice(complete);
    const body = data.subarray(0, complete);
    return isUtf8(body) ? body : replaceInvalidUtf8(body);
  }

  /** Forgets the held bytes (the output they began was skipped). */
  dropHeld(): void {
    this.held = new Uint8Array(0);
  }
}

const TAB_STOP = 8;
/** A cell that the second half of a wide character occupies. */
const WIDE_TAIL = '';
/** Text without these needs no rendering: every byte stands for itself. */
const NEEDS_RENDERING = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/;

/**
 * A line editor over the rendered region: one array of cells per line, a cursor, and the
 * edits a terminal makes within lines. It does not know the screen's height, so moves above
 * the first line of the region stop there; absolute rows (CUP) only set the column.
 */
class LineCanvas {
  private readonly lines: string[][] = [[]];
  private row = 0;
  private col = 0;
  private saved = { row: 0, col: 0 };

  private get line(): string[] {
    return this.lines[this.row];
  }

  get column(): number {
    return this.col;
  }

  print(char: string): void {
    const width = charWidth(char.codePointAt(0)!);
    const line = this.line;
    if (width === 0) {
      // A combining mark joins the character before the cursor.
      let at = this.col - 1;
      while (at > 0 && line[at] === WIDE_TAIL) at--;
      if (at >= 0 && at < line.length) line[at] += char;
      return;
    }
    while (line.length < this.col) line.push(' ');
    // A wide character half inside the cells written is blanked, as terminals do: its head
    // before them, or its tail after them (never a half this write puts there).
    if (line[this.col] === WIDE_TAIL && this.col > 0) line[this.col - 1] = ' ';
    if (line[this.col + width] === WIDE_TAIL) line[this.col + width] = ' ';
    line[this.col] = char;
    if (width === 2) line[this.col + 1] = WIDE_TAIL;
    this.col += width;
  }

  /** A line feed also returns the carriage: text, unlike a screen, has no staircase. */
  lineFeed(): void {
    this.col = 0;
    this.row++;
    if (this.row === this.lines.length) this.lines.push([]);
  }

  carriageReturn(): void {
    this.col = 0;
  }

  tab(): void {
    this.col = (Math.floor(this.col / TAB_STOP) + 1) * TAB_STOP;
  }

  moveColumn(col: number): void {
    this.col = Math.max(0, col);
  }

  moveRow(delta: number): void {
    this.row = Math.max(0, this.row + delta);
    while (this.row >= this.lines.length) this.lines.push([]);
  }

  /** EL: 0 from the cursor to the end, 1 from the start to the cursor, 2 the whole line. */
  eraseInLine(mode: number): void {
    const line = this.line;
    if (mode === 0) line.length = Math.min(line.length, this.col);
    else if (mode === 1) for (let i = 0; i <= this.col && i < line.length; i++) line[i] = ' ';
    else if (mode === 2) line.length = 0;
  }

  /** ED 0: from the cursor to the end of the region. */
  eraseBelow(): void {
    this.eraseInLine(0);
    for (let r = this.row + 1; r < this.lines.length; r++) this.lines[r] = [];
  }

  eraseChars(count: number): void {
    const line = this.line;
    for (let i = this.col; i < this.col + count && i < line.length; i++) line[i] = ' ';
  }

  deleteChars(count: number): void {
    this.line.splice(this.col, count);
  }

  insertBlanks(count: number): void {
    if (this.col < this.line.length) this.line.splice(this.col, 0, ...Array<string>(count).fill(' '));
  }

  saveCursor(): void {
    this.saved = { row: this.row, col: this.col };
  }

  restoreCursor(): void {
    this.row = Math.min(this.saved.row, this.lines.length - 1);
    this.col = this.saved.col;
  }

  text(): string {
    return this.lines
      .map((cells, row) => {
        // Trailing blanks are not text, except up to the cursor on its line (a prompt's space).
        let end = cells.length;
        while (end > 0 && (cells[end - 1] === ' ' || cells[end - 1] === WIDE_TAIL)) end--;
        const keep = row === this.row && end > 0 ? Math.max(end, this.col) : end;
        const kept = cells.slice(0, keep);
        while (kept.length < keep) kept.push(' ');
        return kept.join('');
      })
      .join('\n');
  }
}

/** Applies one CSI sequence (parameters, final byte) to the canvas; others are ignored. */
function applyCsi(canvas: LineCanvas, params: string, final: string): void {
  if (params.startsWith('?') || params.startsWith('>') || params.startsWith('=')) return; // private modes
  const args = params.split(';').map((p) => Number.parseInt(p, 10));
  const n = (index: number, fallback = 1) => (Number.isFinite(args[index]) && args[index] > 0 ? args[index] : fallback);
  const canvasCol = canvas.column;
  switch (final) {
    case 'K':
      return canvas.eraseInLine(Number.isFinite(args[0]) ? args[0] : 0);
    case 'J':
      if (!Number.isFinite(args[0]) || args[0] === 0) canvas.eraseBelow();
      return;
    case 'G':
    case '`':
      return canvas.moveColumn(n(0) - 1);
    case 'C':
    case 'a':
      return canvas.moveColumn(canvasCol + n(0));
    case 'D':
      return canvas.moveColumn(canvasCol - n(0));
    case 'A':
      return canvas.moveRow(-n(0));
    case 'B':
    case 'e':
      return canvas.moveRow(n(0));
    case 'E':
      canvas.moveRow(n(0));
      return canvas.carriageReturn();
    case 'F':
      canvas.moveRow(-n(0));
      return canvas.carriageReturn();
    case 'H':
    case 'f':
      return canvas.moveColumn(n(1) - 1);
    case 'X':
      return canvas.eraseChars(n(0));
    case 'P':
      return canvas.deleteChars(n(0));
    case '@':
      return canvas.insertBlanks(n(0));
    case 's':
      return canvas.saveCursor();
    case 'u':
      return canvas.restoreCursor();
  }
}

/** Renders decoded terminal output (see the module comment). */
export function renderString(text: string): string {
  if (!NEEDS_RENDERING.test(text)) return text;
  const canvas = new LineCanvas();
  let i = 0;
  while (i < text.length) {
    const char = text[i];
    const code = char.charCodeAt(0);
    if (char === ESC || code === 0x9b || code === 0x9d || code === 0x90) {
      i = consumeEscape(canvas, text, i);
      continue;
    }
    i++;
    if (code >= 0x20 && code !== 0x7f && !(code >= 0x80 && code < 0xa0)) {
      // A surrogate pair is one character.
      if (code >= 0xd800 && code < 0xdc00 && i < text.length) canvas.print(char + text[i++]);
      else canvas.print(char);
    } else if (char === '\n') canvas.lineFeed();
    else if (char === '\r') canvas.carriageReturn();
    else if (char === '\b') canvas.moveColumn(canvas.column - 1);
    else if (char === '\t') canvas.tab();
    // Other controls (BEL, SO/SI, NUL, DEL, C1) show nothing.
  }
  return canvas.text();
}

/** Consumes the escape sequence at `start`, applying what it does to lines; returns its end. */
function consumeEscape(canvas: LineCanvas, text: string, start: number): number {
  const code = text.charCodeAt(start);
  let i = start + 1;
  let kind: 'csi' | 'string' | null = code === 0x9b ? 'csi' : code === 0x9d || code === 0x90 ? 'string' : null;
  if (code === BYTE.ESC) {
    const next = text[i++];
    if (next === '[') kind = 'csi';
    else if (next === ']' || next === 'P' || next === '_' || next === '^' || next === 'X') kind = 'string';
    else if (next === '7') canvas.saveCursor();
    else if (next === '8') canvas.restoreCursor();
    else if (next !== undefined && next >= ' ' && next <= '/') i++; // ESC ( B and the like: one more byte
    if (kind === null) return i;
  }
  if (kind === 'csi') {
    let params = '';
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c >= 0x40 && c <= 0x7e) {
        applyCsi(canvas, params, text[i]);
        return i + 1;
      }
      if (c < 0x20) return i; // a control inside a sequence aborts it
      params += text[i++];
    }
    return i;
  }
  // OSC, DCS, APC…: until BEL or ST (ESC \ or 0x9c).
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x07 || c === 0x9c) return i + 1;
    if (c === BYTE.ESC && text[i + 1] === '\\') return i + 2;
    i++;
  }
  return i;
}

/** Converts raw output to readable text (see the module comment). */
export function renderText(bytes: Buffer): string {
  return renderString(utf8.decode(bytes));
}

/** Splits rendered text into lines, without the empty line a final newline would leave. */
export function textLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}
