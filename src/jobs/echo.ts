// Finds where the terminal's echo of typed input ends in the output that followed the write.
// A pattern wait must not match the command line the same call typed (`echo BUILD-OK` typed
// would match /BUILD-OK/ at once), and a result need not repeat it to the model.
import { BYTE } from '../terminal/control.js';

/** Output characters tolerated before a typed line's echo starts (a "... " or "> " prompt). */
const MAX_PROMPT_CHARS = 16;
/** Times the whole input may be drawn again after its echo (bash redraws a paste it highlighted). */
const MAX_REDRAWS = 2;
/**
 * Input this large is not echoed in one piece: the terminal's input queue holds 4096 bytes, so
 * the program reads (and prints) while the rest is still being echoed, and a line longer than
 * 4095 characters is cut. Past it, an echo mixed with output ends where the last typed line was
 * last seen.
 */
const MIXED_ECHO_INPUT_BYTES = 4096;
/** Bytes from the start of the last typed line that identify it in mixed output. */
const LAST_LINE_KEY_BYTES = 256;
/** A mixed echo is looked for in at most this many times the input's size of output, plus the slack. */
const MIXED_ECHO_SEARCH_FACTOR = 4;
const MIXED_ECHO_SEARCH_SLACK_BYTES = 64 * 1024;

const { ESC, CR, LF } = BYTE;

export interface EchoScan {
  /** Bytes of output, from the write, that are the echo (and the line break after it). */
  bytes: number;
  /** True once the echo is over: a character that is not the echo came, or all of it came. */
  done: boolean;
  /**
   * True when the echo came mixed with the program's output (a large input): `bytes` then
   * also covers what the program printed while the input was echoed.
   */
  mixed?: boolean;
}

const SPACE = 0x20;
const isControl = (byte: number) => byte < 0x20 || byte === 0x7f;

/** A view of `bytes` as a Buffer, without copying. */
const view = (bytes: Uint8Array, start = 0, end = bytes.length) => Buffer.from(bytes.buffer, bytes.byteOffset + start, Math.max(0, end - start));

/** Length of the escape sequence at `i` (0 if none is complete yet: more output may finish it). */
function escapeLength(bytes: Uint8Array, i: number): number {
  if (bytes[i] !== ESC) return 0;
  const kind = bytes[i + 1];
  if (kind === undefined) return 0;
  if (kind === 0x5b) {
    for (let j = i + 2; j < bytes.length; j++) if (bytes[j] >= 0x40 && bytes[j] <= 0x7e) return j - i + 1;
    return 0;
  }
  if (kind === 0x5d) {
    for (let j = i + 2; j < bytes.length; j++) {
      if (bytes[j] === 0x07) return j - i + 1;
      if (bytes[j] === ESC && bytes[j + 1] === 0x5c) return j - i + 2;
    }
    return 0;
  }
  return 2;
}

/** How one pass over the typed text went: all of it echoed, output that is not the echo, or too little output yet. */
interface Pass {
  outcome: 'echoed' | 'mismatch' | 'more';
  /** Just after the last typed character found. */
  end: number;
  /** Typed bytes found. */
  matched: number;
}

/**
 * Scans `output` (raw bytes since the write) against `typed` (the text written, Enter as CR):
 * typed characters must come back in order; escape sequences and control bytes in between
 * (redraws, bracketed-paste toggles, CRLF) belong to the echo, and so do a few characters of
 * prompt before each typed line after the first (and before the first when the program printed
 * it late), and a program's redraw of the whole input before the line break.
 */
export function scanEcho(output: Uint8Array, typed: string): EchoScan {
  const expected = Buffer.from(typed.replace(/[\x00-\x08\x0a-\x0c\x0e-\x1f\x7f]/g, ''));
  const first = matchTyped(output, latePromptLength(output, expected), expected, false);
  if (first.outcome === 'more') return { bytes: first.end, done: false };
  if (first.outcome === 'mismatch') {
    // A large input whose first line came back whole: the terminal echoes, but mixed with output.
    const firstEnter = expected.indexOf(CR);
    const mixed = expected.length >= MIXED_ECHO_INPUT_BYTES && firstEnter >= 0 && first.matched > firstEnter;
    return mixed ? mixedEcho(output, expected, first.end) : { bytes: first.end, done: true };
  }
  if (expected[expected.length - 1] !== CR) return { bytes: first.end, done: true };
  let end = first.end;
  for (let redraws = 0; ; redraws++) {
    // The line break that Enter produced belongs to the echo too.
    const after = lineBreakAfter(output, end);
    if (after === 'more') return { bytes: end, done: false };
    if (after !== 'text') return { bytes: after, done: true };
    // Text before the line break: the input drawn again (readline after a paste), or output.
    if (redraws === MAX_REDRAWS) return { bytes: end, done: true };
    const again = matchTyped(output, end, expected, true);
    if (again.outcome === 'more') return { bytes: end, done: false };
    if (again.outcome === 'mismatch') return { bytes: end, done: true };
    end = again.end;
  }
}

/**
 * A prompt printed after the write, before the echo (a program slowed by a busy machine): a few
 * printable characters ending in a space ("$ ", ">>> ") right before the first typed line; 0 if none.
 */
function latePromptLength(output: Uint8Array, expected: Buffer): number {
  const line = lineAt(expected, 0);
  if (line.length === 0) return 0;
  for (let prompt = 1; prompt <= Math.min(MAX_PROMPT_CHARS, output.length - 1); prompt++) {
    const byte = output[prompt - 1];
    if (isControl(byte)) return 0;
    if (byte !== SPACE) continue;
    const available = Math.min(line.length, output.length - prompt);
    if (Buffer.from(output.subarray(prompt, prompt + available)).equals(line.subarray(0, available))) return prompt;
  }
  return 0;
}

/** Matches the typed text once from `start` (see scanEcho); `atLineStart` lets a prompt come first. */
function matchTyped(output: Uint8Array, start: number, expected: Buffer, atLineStart: boolean): Pass {
  let i = start;
  let matched = 0;
  let end = start;
  while (matched < expected.length) {
    const want = expected[matched];
    if (want === CR) {
      // Enter: the terminal answers with CR LF (or nothing yet); what follows is a new line.
      matched++;
      atLineStart = true;
      continue;
    }
    if (i >= output.length) return { outcome: 'more', end, matched };
    const byte = output[i];
    if (byte === ESC) {
      const length = escapeLength(output, i);
      if (length === 0) return { outcome: 'more', end, matched };
      i += length;
      continue;
    }
    if (isControl(byte)) {
      i++;
      continue;
    }
    if (atLineStart) {
      // Find where this typed line's echo starts, past a prompt such as "... " or "> ".
      const prompt = promptLength(output, i, lineAt(expected, matched));
      if (prompt === null) return { outcome: 'more', end, matched };
      if (prompt < 0) return { outcome: 'mismatch', end, matched };
      i += prompt;
      atLineStart = false;
      continue;
    }
    if (byte !== want) return { outcome: 'mismatch', end, matched }; // not the echo: the program's own output
    i++;
    matched++;
    end = i;
  }
  return { outcome: 'echoed', end, matched };
}

/**
 * After an echo: the offset just past its line break (escapes and CRs before it included),
 * 'text' if printable output comes first, 'more' if the output ends before either.
 */
function lineBreakAfter(output: Uint8Array, from: number): number | 'text' | 'more' {
  for (let j = from; j < output.length; ) {
    const byte = output[j];
    if (byte === LF) return j + 1;
    if (byte === ESC) {
      const length = escapeLength(output, j);
      if (length === 0) return 'more';
      j += length;
    } else if (isControl(byte)) j++;
    else return 'text';
  }
  return 'more';
}

/**
 * The echo of a large input, mixed with what the program printed meanwhile (cat prints each
 * line while later ones are still echoed, at any byte): no prefix of the output is the echo
 * alone, so it ends after the line where the last typed line was last seen. The result then
 * says less (the program's output in between is left out) rather than repeat the input.
 */
function mixedEcho(output: Uint8Array, expected: Buffer, exactEnd: number): EchoScan {
  const key = lastLineKey(expected);
  const searched = Math.min(output.length, MIXED_ECHO_SEARCH_FACTOR * expected.length + MIXED_ECHO_SEARCH_SLACK_BYTES);
  const at = key.length === 0 ? -1 : view(output, 0, searched).lastIndexOf(key);
  if (at < exactEnd) {
    // Not seen (yet): the whole output so far counts as echo until the search gives up.
    return searched < output.length || key.length === 0 ? { bytes: exactEnd, done: true } : { bytes: output.length, done: false, mixed: true };
  }
  const lineFeed = view(output, 0, searched).indexOf(LF, at + key.length);
  if (lineFeed >= 0) return { bytes: lineFeed + 1, done: true, mixed: true };
  return searched < output.length ? { bytes: searched, done: true, mixed: true } : { bytes: output.length, done: false, mixed: true };
}

/** The start of the last non-empty typed line (empty if there is none). */
function lastLineKey(expected: Buffer): Buffer {
  let end = expected.length;
  while (end > 0 && expected[end - 1] === CR) end--;
  const start = expected.lastIndexOf(CR, end - 1) + 1;
  return expected.subarray(start, Math.min(end, start + LAST_LINE_KEY_BYTES));
}

/** The typed line that starts at `from` (up to its Enter). */
function lineAt(expected: Buffer, from: number): Buffer {
  const end = expected.indexOf(CR, from);
  return expected.subarray(from, end < 0 ? expected.length : end);
}

/**
 * How many characters of prompt come before `line` at `i`: the first offset (up to
 * MAX_PROMPT_CHARS) at which the output continues with the line; null if too little output has
 * come to tell, -1 if the line does not follow.
 */
function promptLength(output: Uint8Array, i: number, line: Buffer): number | null {
  for (let prompt = 0; prompt <= MAX_PROMPT_CHARS; prompt++) {
    const available = output.length - i - prompt;
    if (available <= 0) return null;
    const length = Math.min(line.length, available);
    if (view(output, i + prompt, i + prompt + length).equals(line.subarray(0, length))) return prompt;
  }
  return -1;
}
