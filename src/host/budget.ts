// The one place a result's size is decided. Each representation of a result a client may hand
// the model (the text block, and the structured content) stays within a byte budget: 8 KB
// unless the caller asks for more output (`max_bytes`, up to 256 KB of text). Long lines are cut
// in the middle with a marker saying how much was cut; long output keeps its head and tail and
// says which `output` call reads the rest.

export const DEFAULT_RESULT_BYTES = 8 * 1024;
export const MAX_RESULT_BYTES = 256 * 1024;
/** What a result carries besides its variable text (the job, field names, the text block's header). */
const FRAMING_BYTES = 1024;
/** Lines longer than this are cut in the middle (a 2 MB minified line is not readable anyway). */
export const LINE_MAX_CHARS = 1000;
/** A job's command line in results (the whole one is in `ptyjobs ls --json`). */
export const COMMAND_MAX_CHARS = 300;
/** A pattern match in results. */
export const MATCH_MAX_CHARS = 200;
/** Of a line cut in the middle, the share kept from its start. */
const HEAD_SHARE = 0.25;

/** Bytes a result's variable text may take within a budget for each representation. */
export function textBudget(resultBytes: number): number {
  return Math.max(256, resultBytes - FRAMING_BYTES);
}

export function byteLength(value: unknown): number {
  return Buffer.byteLength(typeof value === 'string' ? value : JSON.stringify(value));
}

const cutMarker = (removed: number) => `[… ${removed} characters cut …]`;

/** Cuts `text` in the middle to at most `maxChars`, saying exactly how many characters were removed. */
export function cutMiddle(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  // The marker's own length depends on the count it states: settle it in two rounds.
  let keep = Math.max(0, maxChars - cutMarker(text.length).length);
  let head = Math.ceil(keep * HEAD_SHARE);
  // Never split a surrogate pair.
  if (head > 0 && isHighSurrogate(text.charCodeAt(head - 1))) head--;
  let tailFrom = text.length - (keep - head);
  if (tailFrom < text.length && isLowSurrogate(text.charCodeAt(tailFrom))) tailFrom++;
  keep = head + text.length - tailFrom;
  return text.slice(0, head) + cutMarker(text.length - keep) + text.slice(tailFrom);
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code < 0xdc00;
const isLowSurrogate = (code: number) => code >= 0xdc00 && code < 0xe000;

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
 * Builds a result with a text allowance, shrinking the allowance until its structured content
 * fits `resultBytes` (the text block, made from it, is smaller: it carries no JSON escapes and a
 * shorter job line). `build` must grow with its allowance and nothing else.
 */
export function fitResult<T>(resultBytes: number, build: (allowance: number) => T): T {
  let allowance = textBudget(resultBytes);
  for (let attempt = 0; ; attempt++) {
    const result = build(allowance);
    const size = byteLength(result);
    if (size <= resultBytes || attempt === 6 || allowance <= 64) return result;
    allowance = Math.floor(allowance * Math.min(0.9, resultBytes / size));
  }
}
