// The one place a result's size is decided. Every result an agent gets (text block and
// structured content together) stays within a byte budget: 8 KB unless the caller asks for
// more (up to 256 KB). Long lines are cut in the middle with a marker saying how much was cut;
// long output keeps its head and tail and says which `output` call reads the rest.

export const DEFAULT_RESULT_BYTES = 8 * 1024;
export const MAX_RESULT_BYTES = 256 * 1024;
/** A result carries its text twice (text block and structured content), plus field names. */
const COPIES = 2;
const FRAMING_BYTES = 600;
/** Lines longer than this are cut in the middle (a 2 MB minified line is not readable anyway). */
export const LINE_MAX_CHARS = 1000;
/** A job's command line in results (the whole one is in `ptyjobs ls --json`). */
export const COMMAND_MAX_CHARS = 300;
/** A pattern match in results. */
export const MATCH_MAX_CHARS = 200;
/** Of the text kept from a long output, the share taken from its start. */
const HEAD_SHARE = 0.25;

/** Bytes one copy of a result's variable text may take, for a whole-result budget. */
export function textBudget(resultBytes: number): number {
  return Math.max(256, Math.floor((resultBytes - FRAMING_BYTES) / COPIES));
}

export function byteLength(value: unknown): number {
  return Buffer.byteLength(typeof value === 'string' ? value : JSON.stringify(value));
}

/** Cuts `text` in the middle to at most `maxChars`, saying how many characters were cut. */
export function cutMiddle(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const cut = text.length - maxChars;
  const marker = `[… ${cut} characters cut …]`;
  const keep = Math.max(0, maxChars - marker.length);
  const head = Math.ceil(keep * HEAD_SHARE);
  return text.slice(0, head) + marker + text.slice(text.length - (keep - head));
}

/** Head and tail byte counts to keep of a long output that must fit `budget` bytes. */
export function headTail(budget: number): { head: number; tail: number } {
  const head = Math.floor(budget * HEAD_SHARE);
  return { head, tail: budget - head };
}

/** The newest lines that fit `maxBytes`, each cut to LINE_MAX_CHARS; `omitted` counts the rest. */
export function fitLines(lines: readonly string[], maxBytes: number): { lines: string[]; omitted: number } {
  const kept: string[] = [];
  let used = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = cutMiddle(lines[i], LINE_MAX_CHARS);
    // JSON quoting and escapes cost a few bytes a line.
    const cost = Buffer.byteLength(line) + 4;
    if (used + cost > maxBytes && kept.length > 0) break;
    kept.push(used + cost > maxBytes ? cutMiddle(line, Math.max(16, maxBytes - 8)) : line);
    used += cost;
  }
  return { lines: kept.reverse(), omitted: lines.length - kept.length };
}

/**
 * Builds a result with a text allowance, shrinking the allowance until the whole result (both
 * copies) fits `resultBytes`. `build` must grow with its allowance and nothing else.
 */
export function fitResult<T>(resultBytes: number, build: (allowance: number) => T): T {
  let allowance = textBudget(resultBytes);
  for (let attempt = 0; ; attempt++) {
    const result = build(allowance);
    const size = COPIES * byteLength(result) + FRAMING_BYTES;
    if (size <= resultBytes || attempt === 6 || allowance <= 64) return result;
    allowance = Math.floor(allowance * Math.min(0.9, resultBytes / size));
  }
}
