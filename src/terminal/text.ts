// Raw terminal bytes → readable text: escape sequences removed, CRLF → LF, a carriage-return
// overwrite collapsed to what a terminal would show, invalid UTF-8 as U+FFFD.
import stripAnsi from 'strip-ansi';

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

/** Overlays each carriage-return segment of one line on the previous, as a terminal does. */
function collapseCarriageReturns(line: string): string {
  if (!line.includes('\r')) return line;
  let cells: string[] = [];
  for (const segment of line.split('\r')) {
    const chars = [...segment];
    cells = chars.length >= cells.length ? chars : chars.concat(cells.slice(chars.length));
  }
  return cells.join('');
}

/** Converts raw output to readable text (see the module comment). */
export function renderText(bytes: Buffer): string {
  const text = stripAnsi(utf8.decode(bytes)).replace(/\r+\n/g, '\n');
  return text
    .split('\n')
    .map(collapseCarriageReturns)
    .join('\n')
    .replace(/[\x00-\x08\x0b-\x1f\x7f]/g, (ch) => (ch === '\t' ? ch : ''));
}

/** Splits rendered text into lines, without the empty line a final newline would leave. */
export function textLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}
