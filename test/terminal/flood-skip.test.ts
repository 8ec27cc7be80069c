import assert from 'node:assert/strict';
import { test } from 'node:test';
import xtermHeadless from '@xterm/headless';
import { GLIBC_WIDTHS } from '../../src/terminal/width.js';
import { PlainRunScanner, skipPrefix, type PlainTextState } from '../../src/terminal/flood-skip.js';
import { HeadlessScreen } from '../../src/terminal/screen.js';
import { random } from '../helpers/random.js';

const { Terminal } = xtermHeadless;
type XtermTerminal = InstanceType<typeof Terminal>;

/** The skip for `data` fed in chunks of `chunkSize`. */
function findSkip(data: Uint8Array, state: PlainTextState, keepAdvances: number, chunkSize = data.length) {
  const scanner = new PlainRunScanner(keepAdvances);
  for (let at = 0; at < data.length; at += chunkSize) scanner.feed(data.subarray(at, at + chunkSize));
  return scanner.skip(state);
}

test('lines ending in CR LF are cut just after a CR, keeping enough line feeds', () => {
  const data = Buffer.from(Array.from({ length: 100 }, (_, i) => `line ${i}\r\n`).join(''));
  const skip = findSkip(data, { column: 7, cols: 80, wraparound: true }, 30)!;
  assert.equal(skip.column, 0);
  assert.equal(data[skip.cut - 1], 0x0d);
  assert.equal(data.subarray(skip.cut).toString().split('\n').length - 1, 30);
  assert.equal(skipPrefix(skip), '\r');
});

test('a run with fewer line feeds than needed is not cut', () => {
  const data = Buffer.from('x\r\n'.repeat(29) + 'y'.repeat(10));
  assert.equal(findSkip(data, { column: 0, cols: 80, wraparound: true }, 30), null);
});

test('a long printable run is cut where wrapping leaves a known column', () => {
  const data = Buffer.alloc(10 * 50 + 7, 'a');
  // From column 3 of a 10-column terminal, 507 characters wrap 51 times.
  const skip = findSkip(data, { column: 3, cols: 10, wraparound: true }, 20)!;
  assert.ok(skip.cut > 0 && skip.column > 0 && skip.column < 10);
  const wrapsAfterCut = Math.floor((3 + data.length - 1) / 10) - Math.floor((3 + skip.cut - 1) / 10);
  assert.ok(wrapsAfterCut >= 20, `${wrapsAfterCut} wraps kept`);
  assert.equal((3 + skip.cut - 1) % 10 + 1, skip.column);
  assert.equal(skipPrefix(skip), `\r\x1b[${skip.column + 1}G`);
});

test('nothing past the first control or escape byte is skipped', () => {
  const data = Buffer.concat([Buffer.from('ab\x1b[31m'), Buffer.from('z\r\n'.repeat(100))]);
  assert.equal(findSkip(data, { column: 0, cols: 80, wraparound: true }, 10)?.cut ?? 0, 0);
  const tab = Buffer.from('a\r\n'.repeat(10) + '\t' + 'b\r\n'.repeat(100));
  assert.ok((findSkip(tab, { column: 0, cols: 80, wraparound: true }, 10)?.cut ?? 0) < 30);
});

test('feeding a batch in chunks finds the same skip as feeding it whole', () => {
  const state = { column: 5, cols: 30, wraparound: true };
  const text = Buffer.from('q'.repeat(3000) + Array.from({ length: 300 }, (_, i) => `row ${i}\r\n`).join('') + '\x1b[1m' + 'x\r\n'.repeat(50));
  for (const size of [1, 7, 4096]) assert.deepEqual(findSkip(text, state, 40, size), findSkip(text, state, 40), `chunks of ${size}`);
  assert.ok(findSkip(text, state, 40)!.cut > 3000);
});

test('UTF-8 text is plain, but a C1 control in UTF-8 is not, even split across chunks', () => {
  const state = { column: 0, cols: 80, wraparound: true };
  const lines = (n: number) => Buffer.from('✓ passed — 中文\r\n'.repeat(n));
  const utf8Only = lines(200);
  assert.ok(findSkip(utf8Only, state, 20)!.cut > utf8Only.length / 2);
  // ESC-less CSI: U+009B is C2 9B in UTF-8; cut the chunks between its two bytes.
  const before = Buffer.concat([lines(100), Buffer.from([0xc2])]);
  const after = Buffer.concat([Buffer.from([0x9b]), Buffer.from('31m'), lines(100)]);
  const scanner = new PlainRunScanner(20);
  scanner.feed(before);
  scanner.feed(after);
  assert.ok((scanner.skip(state)?.cut ?? 0) < before.length - 1 - 20 * 20, 'no cut keeps fewer than 20 lines before the C1 control');
});

test('without wraparound only line feeds count', () => {
  const data = Buffer.alloc(2000, 'a');
  assert.equal(findSkip(data, { column: 0, cols: 10, wraparound: false }, 20), null);
});

// ---- the skip is invisible: batched, skipping screens equal a terminal that parsed every byte ----

/** A stream of plain floods mixed with everything that changes terminal state. */
function mixedStream(rand: () => number, cols: number): Buffer {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const word = (max: number) => Array.from({ length: Math.floor(rand() * max) }, () => String.fromCharCode(0x20 + Math.floor(rand() * 95))).join('');
  const text = ['✓', 'é', '中文字', '😀', 'e\u0301', '\u200d', '\u00a0'];
  const parts: (string | Buffer)[] = [];
  for (let i = 0; i < 400; i++) {
    parts.push(
      pick<() => string | Buffer>([
        () => Array.from({ length: 20 + Math.floor(rand() * 200) }, () => word(cols * 3) + '\r\n').join(''),
        () => Array.from({ length: 20 + Math.floor(rand() * 200) }, () => word(cols) + pick(text) + word(cols) + '\r\n').join(''),
        () => Array.from({ length: Math.floor(rand() * cols * 150) }, (_, i) => String.fromCharCode(0x21 + (i % 90))).join(''),
        () => Array.from({ length: 50 }, () => word(cols) + '\n').join(''), // bare LF: no CR
        () => `\r${word(cols)}\r${word(cols)}`,
        () => `\x1b[${pick([0, 1, 31, 42, 7, 38])}${pick(['', ';5;100', ';2;1;2;3'])}m`,
        () => pick(['\x1b[2;4r', '\x1b[r', '\x1b[?1049h', '\x1b[?1049l', '\x1b[H', '\x1b[3;5H', '\x1b[2J', '\x1b[K']),
        () => pick(['\x1b(0', '\x1b(B', '\x1b[?7l', '\x1b[?7h', '\x1b[4h', '\x1b[4l', '\t', '\b', '\x07', '\x7f']),
        () => pick(['\x1b]0;title\x07', '\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\', '\x1b[5b']),
        // C1 controls as UTF-8 (xterm executes them: CSI, OSC), and invalid UTF-8.
        () => pick(['\u009b31m', '\u009b0m', '\u009d0;t\u009c', '\u0085']),
        () => Buffer.from(pick([[0xe4, 0xc2, 0x9b, 0x34, 0x6d], [0xe4, 0xb8], [0x80, 0x41], [0xc2], [0xf0, 0x9f], [0xff, 0xfe], [0xe0, 0x82, 0x9b]])),
      ])(),
    );
  }
  return Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : part)));
}

function dump(term: XtermTerminal): string {
  const rows: string[] = [];
  for (const buffer of [term.buffer.normal, term.buffer.alternate]) {
    rows.push(`${buffer.type} length=${buffer.length} base=${buffer.baseY} cursor=${buffer.cursorX},${buffer.cursorY}`);
    const cell = buffer.getNullCell();
    for (let y = 0; y < buffer.length; y++) {
      const line = buffer.getLine(y)!;
      let row = line.isWrapped ? '+' : '|';
      for (let x = 0; x < term.cols; x++) {
        line.getCell(x, cell);
        row += `${cell.getChars() || ' '}${cell.getWidth()}${cell.getFgColorMode()}:${cell.getFgColor()}/${cell.getBgColor()}${cell.isBold()}${cell.isInverse()}`;
      }
      rows.push(row);
    }
  }
  const m = term.modes;
  rows.push(`active=${term.buffer.active.type} wrap=${m.wraparoundMode} insert=${m.insertMode}`);
  return rows.join('\n');
}

function pair(cols: number, rows: number, scrollback: number) {
  const screen = new HeadlessScreen({ cols, rows, scrollback, onReply: () => {} });
  assert.ok(screen.xtermInternalsFound, 'the xterm internals flood skipping reads are present');
  const reference = new Terminal({ cols, rows, scrollback, allowProposedApi: true, logLevel: 'off' });
  reference.unicode.register(GLIBC_WIDTHS);
  reference.unicode.activeVersion = GLIBC_WIDTHS.version;
  const term = (screen as unknown as { term: XtermTerminal }).term;
  // The screen shows invalid UTF-8 as U+FFFD, as TextDecoder replaces it (xterm alone drops it).
  const decoder = new TextDecoder();
  const write = (chunk: Uint8Array) => {
    screen.write(chunk);
    reference.write(decoder.decode(chunk, { stream: true }));
  };
  const settleReference = () => new Promise<void>((resolve) => reference.write('', resolve));
  const compare = async (message: string) => {
    await screen.settled();
    await settleReference();
    assert.equal(dump(term), dump(reference), message);
  };
  const dispose = () => {
    screen.dispose();
    reference.dispose();
  };
  return { screen, reference, write, compare, settleReference, dispose };
}

test('a flood that starts at the top of a full screen leaves no half-overwritten row', async () => {
  const { screen, write, compare, dispose } = pair(20, 5, 10);
  write(Buffer.from(Array.from({ length: 20 }, (_, i) => `old content ${i}\r\n`).join('') + '\x1b[H'));
  await compare('before the flood');
  write(Buffer.from(Array.from({ length: 200 }, (_, i) => `new ${i}\r\n`).join('')));
  await compare('after the flood');
  assert.ok(screen.skippedBytes > 0);
  dispose();
});

test('a batch that begins inside an escape sequence is parsed whole', async () => {
  const { screen, write, compare, dispose } = pair(20, 5, 10);
  write(Buffer.from('start\x1b[3'));
  await compare('mid-escape');
  write(Buffer.from('1m' + 'red text\r\n'.repeat(200)));
  await compare('after the flood');
  assert.equal(screen.skippedBytes, 0);
  dispose();
});

test('lines written below a scroll region overwrite one row, so none is skipped', async () => {
  const { screen, write, compare, dispose } = pair(20, 5, 10);
  write(Buffer.from('\x1b[2;4r\x1b[5;1H'));
  await compare('margins set, cursor below them');
  write(Buffer.from(Array.from({ length: 200 }, (_, i) => `${'#'.repeat(200 - i)}\r\n`).join('')));
  await compare('after the flood');
  assert.equal(screen.skippedBytes, 0);
  dispose();
});

test('a resize shows output received before it at the old size and output queued after it at the new one', async () => {
  const flood = (tag: string, lines: number) => Array.from({ length: lines }, (_, i) => `${tag} ${i}\r\n`).join('');
  // The first write is handed to xterm at once, and being over 64 KB with nothing to skip (it
  // starts with an escape) is parsed on xterm's timer; the second queues behind it; then the
  // height grows.
  const cases: [string, string, boolean][] = [
    ['\x1b[0m' + flood('before', 8000), 'after\r\n', false], // the in-flight flood is shown at the old height
    ['\x1b[0m' + flood('before', 8000) + '\x1b[H', flood('after', 300), true], // the queued flood is cut for the new one
  ];
  for (const [inFlight, queued, queuedIsCut] of cases) {
    const { screen, reference, compare, settleReference, dispose } = pair(20, 5, 10);
    screen.write(Buffer.from(inFlight));
    screen.write(Buffer.from(queued));
    screen.resize(20, 12);
    reference.write(inFlight);
    await settleReference();
    reference.resize(20, 12);
    reference.write(queued);
    await compare(`after the resize, ${queued.length} bytes queued`);
    assert.equal(screen.skippedBytes > 0, queuedIsCut);
    dispose();
  }
});

test('output arriving chunk by chunk is batched, so most of a flood is skipped', async () => {
  const { screen, write, compare, dispose } = pair(80, 24, 1000);
  const flood = Buffer.from(Array.from({ length: 100_000 }, (_, i) => `${i}\r\n`).join(''));
  for (let at = 0; at < flood.length; at += 4096) {
    write(flood.subarray(at, at + 4096)); // as a pty delivers it: a chunk per turn of the event loop
    await new Promise((resolve) => setImmediate(resolve));
  }
  await compare('after the flood');
  assert.ok(screen.skippedBytes > flood.length / 2, `${screen.skippedBytes} of ${flood.length} bytes skipped`);
  dispose();
});

test('flood skipping leaves exactly the state a full parse does', async () => {
  const cols = 20;
  const rows = 5;
  const scrollback = 10;
  let skipped = 0;
  for (let seed = 1; seed <= 12; seed++) {
    const rand = random(seed);
    const stream = mixedStream(rand, cols);
    const { screen, write, compare, dispose } = pair(cols, rows, scrollback);
    // Chunks of random size, with the screen settling at random points, so batches start
    // anywhere: mid-escape, mid-UTF-8, mid-line, with a wrap pending.
    for (let at = 0; at < stream.length; ) {
      const size = 1 + Math.floor(rand() * 3000);
      const chunk = stream.subarray(at, at + size);
      write(chunk);
      at += size;
      // Compare at every settling point, right after a batch that may have been skipped.
      if (rand() < 0.2 || at >= stream.length) await compare(`seed ${seed}, ${at} bytes in`);
    }
    skipped += screen.skippedBytes;
    dispose();
  }
  assert.ok(skipped > 100_000, `only ${skipped} bytes were skipped: the test would not catch a wrong skip`);
});
