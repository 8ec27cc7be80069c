// What an output-carrying result (execute with a wait, interact, wait) shows of a job's log:
// everything since the client's cursor, minus the echo of the call's own input, within a text
// allowance. Output that arrived before an interact's write comes first, then a line marking
// where the input went in. Long output keeps its head and tail, cut at line boundaries, with a
// marker naming an `output` call the server accepts that returns the rest in one call.
import type { OutputLog } from '../jobs/output-log.js';
import { BYTE } from '../terminal/control.js';
import { alignUtf8Start, completeUtf8Length, renderText, textLines } from '../terminal/text.js';
import { fitLines, MAX_RESULT_BYTES } from './budget.js';
import type { RunResult } from './schema.js';

/** The line that marks where an interact's input went in, between earlier output and the reaction. */
export const INPUT_MARKER = '[your input went in here]\n';
/** Of the text kept from a long output, the share taken from its start. */
const HEAD_SHARE = 0.25;
/** Room kept for the omitted-bytes marker line. */
const MARKER_RESERVE_BYTES = 120;
const { LF } = BYTE;

export interface OutputRange {
  /** The client's cursor: the first byte it has not been shown. */
  from: number;
  /** One past the last byte to show. */
  end: number;
  /** An interact's write: where it went in, and where the terminal's echo of it ends. */
  input?: { at: number; echoEnd: number };
}

type Shown = Pick<RunResult, 'output' | 'omitted'>;

/** A stretch of the log to show, in order. */
interface Piece {
  from: number;
  to: number;
}

/**
 * The marker of bytes left out: which `output` call reads them, `max_bytes` being the range's
 * text (one call when the range fits the ceiling).
 */
function omittedMarker(log: OutputLog, from: number, to: number, inputAt?: number): string {
  const held = Math.max(from, log.start);
  const dropped = held - from;
  const lost = dropped > 0 ? `${dropped} bytes dropped by the ring${to > held ? '; ' : ''}` : '';
  if (to <= held) return `[… ${lost} …]\n`;
  const length = to - held;
  const text = length <= MAX_RESULT_BYTES ? Buffer.byteLength(renderText(log.read(held, length).bytes)) : Infinity;
  const read =
    text <= MAX_RESULT_BYTES
      ? `output since=${held} max_bytes=${Math.max(1, text)} reads them`
      : `output since=${held} max_bytes=${MAX_RESULT_BYTES} reads the first ${MAX_RESULT_BYTES / 1024} KB of them`;
  const input = inputAt !== undefined && inputAt >= from && inputAt < to ? ' (your input went in among them)' : '';
  return `[… ${lost}${length} bytes not shown${input}: ${read} …]\n`;
}

function render(log: OutputLog, piece: Piece, alignStart: boolean): string {
  const bytes = log.read(piece.from, piece.to - piece.from).bytes;
  return renderText(alignStart ? alignUtf8Start(bytes) : bytes);
}

/** The pieces of [from, to) the result may show: the echo left out. */
function pieces(range: OutputRange, from: number, to: number): Piece[] {
  const input = range.input;
  const parts = input ? [{ from, to: Math.min(to, input.at) }, { from: Math.max(from, input.echoEnd), to }] : [{ from, to }];
  return parts.filter((part) => part.to > part.from);
}

/** Renders pieces, with the input marker where an interact's write fell between shown output. */
function renderPieces(log: OutputLog, parts: Piece[], alignFirst: boolean): string {
  let text = '';
  for (const [index, part] of parts.entries()) {
    // The second piece is what followed the write; the first, what came before it.
    if (index > 0 && text !== '') text += text.endsWith('\n') ? INPUT_MARKER : `\n${INPUT_MARKER}`;
    text += render(log, part, alignFirst && index === 0);
  }
  return text;
}

/** Where a tail that may take `budget` bytes starts: at a line start when the window has one. */
function tailStart(log: OutputLog, floor: number, end: number, budget: number): number {
  const start = Math.max(floor, end - budget);
  if (start === floor) return floor;
  const window = log.read(start, end - start).bytes;
  const newline = window.indexOf(LF);
  // A single line longer than the budget is cut in its middle.
  if (newline < 0 || newline === window.length - 1) return end - alignUtf8Start(window).length;
  return start + newline + 1;
}

/** Where a head that may take `budget` bytes ends: after a line end when the window has one. */
function headEnd(log: OutputLog, from: number, limit: number, budget: number): number {
  const stop = Math.min(limit, from + budget);
  const window = log.read(from, stop - from).bytes;
  const newline = window.lastIndexOf(LF);
  return newline >= 0 ? from + newline + 1 : from + completeUtf8Length(window);
}

/**
 * Readable output of `range` within `allowance` bytes: all of it, or its head and tail with a
 * marker between, or (`lines`) its last lines.
 */
export function newOutput(log: OutputLog, range: OutputRange, allowance: number, lines?: number): Shown {
  const held = Math.max(range.from, log.start);
  const shownBytes = pieces(range, held, range.end).reduce((sum, part) => sum + part.to - part.from, 0);
  if (lines !== undefined) {
    const start = Math.max(held, log.tailOffset(lines, allowance));
    const kept = fitLines(textLines(renderPieces(log, pieces(range, start, range.end), start > range.from)).slice(-lines), allowance).lines;
    const body = kept.map((line) => `${line}\n`).join('');
    return start > range.from ? { output: omittedMarker(log, range.from, start) + body, omitted: { from: range.from, to: start } } : { output: body };
  }
  if (shownBytes <= allowance) {
    const text = renderPieces(log, pieces(range, held, range.end), held > range.from);
    return held > range.from ? { output: omittedMarker(log, range.from, held) + text, omitted: { from: range.from, to: held } } : { output: text };
  }
  const room = Math.max(0, allowance - MARKER_RESERVE_BYTES);
  // Bytes the ring dropped leave no head worth showing: then only the tail.
  const head = held > range.from ? held : headEnd(log, held, range.end, Math.floor(room * HEAD_SHARE));
  const tail = Math.max(head, tailStart(log, head, range.end, room - (head - held)));
  const headText = head > held ? renderPieces(log, pieces(range, held, head), false) : '';
  const tailText = renderPieces(log, pieces(range, tail, range.end), tail > held);
  const marker = omittedMarker(log, head > held ? head : range.from, tail, range.input?.at);
  const joined = headText === '' || headText.endsWith('\n') ? headText : `${headText}\n`;
  return { output: joined + marker + tailText, omitted: { from: head > held ? head : range.from, to: tail } };
}
