// Finds where the terminal's echo of typed input ends in the output that followed the write.
// A pattern wait must not match the command line the same call typed (`echo BUILD-OK` typed
// would match /BUILD-OK/ at once), and a result need not repeat it to the model.

/** Output characters tolerated before a typed line's echo starts (a "... " or "> " prompt). */
const MAX_PROMPT_CHARS = 16;

export interface EchoScan {
  /** Bytes of output, from the write, that are the echo (and the line break after it). */
  bytes: number;
  /** True once the echo is over: a character that is not the echo came, or all of it came. */
  done: boolean;
}

const isControl = (byte: number) => byte < 0x20 || byte === 0x7f;

/** Length of the escape sequence at `i` (0 if none is complete yet: more output may finish it). */
function escapeLength(bytes: Uint8Array, i: number): number {
  if (bytes[i] !== 0x1b) return 0;
  const kind = bytes[i + 1];
  if (kind === undefined) return 0;
  if (kind === 0x5b) {
    for (let j = i + 2; j < bytes.length; j++) if (bytes[j] >= 0x40 && bytes[j] <= 0x7e) return j - i + 1;
    return 0;
  }
  if (kind === 0x5d) {
    for (let j = i + 2; j < bytes.length; j++) {
      if (bytes[j] === 0x07) return j - i + 1;
      if (bytes[j] === 0x1b && bytes[j + 1] === 0x5c) return j - i + 2;
    }
    return 0;
  }
  return 2;
}

/**
 * Scans `output` (raw bytes since the write) against `typed` (the text written, Enter as CR):
 * typed characters must come back in order; escape sequences and control bytes in between
 * (redraws, bracketed-paste toggles, CRLF) belong to the echo, and so do a few characters of
 * prompt before each typed line after the first.
 */
export function scanEcho(output: Uint8Array, typed: string): EchoScan {
  const expected = Buffer.from(typed.replace(/[\x00-\x08\x0a-\x0c\x0e-\x1f\x7f]/g, ''));
  let i = 0;
  let matched = 0;
  let echoEnd = 0;
  let atLineStart = false; // just after a typed Enter: a continuation prompt may come first
  while (i < output.length && matched < expected.length) {
    const want = expected[matched];
    const byte = output[i];
    if (want === 0x0d) {
      // Enter: the terminal answers with CR LF (or nothing yet); what follows is a new line.
      matched++;
      atLineStart = true;
      continue;
    }
    if (byte === 0x1b) {
      const length = escapeLength(output, i);
      if (length === 0) return { bytes: echoEnd, done: false };
      i += length;
      continue;
    }
    if (isControl(byte)) {
      i++;
      continue;
    }
    if (atLineStart) {
      // Find where this typed line's echo starts, past a prompt such as "... " or "> ".
      const line = lineAt(expected, matched);
      const prompt = promptLength(output, i, line);
      if (prompt === null) return { bytes: echoEnd, done: false };
      if (prompt < 0) return { bytes: echoEnd, done: true };
      i += prompt;
      atLineStart = false;
      continue;
    }
    if (byte !== want) return { bytes: echoEnd, done: true }; // not the echo: the program's own output
    i++;
    matched++;
    echoEnd = i;
  }
  if (matched < expected.length) return { bytes: echoEnd, done: false };
  // The line break that Enter produced belongs to the echo too.
  if (expected[expected.length - 1] === 0x0d) {
    let j = echoEnd;
    while (j < output.length && (output[j] === 0x0d || output[j] === 0x0a)) j++;
    const sawLineFeed = j > echoEnd && output[j - 1] === 0x0a;
    if (!sawLineFeed && j === output.length) return { bytes: echoEnd, done: false };
    echoEnd = j;
  }
  return { bytes: echoEnd, done: true };
}

/** The typed line that starts at `from` (up to its Enter). */
function lineAt(expected: Buffer, from: number): Buffer {
  const end = expected.indexOf(0x0d, from);
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
    if (Buffer.from(output.subarray(i + prompt, i + prompt + length)).equals(line.subarray(0, length))) return prompt;
  }
  return -1;
}
