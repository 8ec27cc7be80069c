// Wait patterns come from agents, and one host serves every client: a pattern must never block
// it. JavaScript's RegExp backtracks ((a+)+$ over 31 characters ran 96 s, and every call of
// every client waited), so patterns run on RE2 (re2js, pure JavaScript), whose time is linear in
// the text. Linear is not yet cheap: the worst patterns measured cost up to 90 ns per compiled
// program step and character, seconds over a megabyte. So programs are bounded, and a long text
// is matched in windows, within a time budget. re2js is loaded at the first pattern, never at
// start-up.
import type { RE2JS } from 're2js';
import { JobError } from '../errors.js';
import { log } from '../util/log.js';

export interface PatternMatch {
  /** Where the match starts in the text (UTF-16 units, as String.prototype.indexOf). */
  index: number;
  text: string;
}

/** A compiled wait pattern: multiline (^ and $ at line boundaries), first match wins. */
export interface Pattern {
  readonly source: string;
  exec(text: string): PatternMatch | null;
}

export const PATTERN_MAX_CHARS = 1000;
/** Compiled program steps (re2js programSize); typical patterns take 5-70, `.{0,200}` about 400. */
const PROGRAM_MAX_STEPS = 500;
/** A window's worst-case work in program steps × characters (about 0.2 s at 90 ns each). */
const WINDOW_WORK = 2_000_000;
const WINDOW_MIN_CHARS = 8 * 1024;
/** Consecutive windows overlap this much, so a match across a cut is seen (as wait's chunks do). */
const WINDOW_OVERLAP_CHARS = 4096;
/**
 * Past this, the rest of one text goes unmatched rather than block the host further: one call
 * blocks at most this plus a window. Ordinary patterns scan 5-15 MB in it (15-45 ms per MB
 * measured on a loaded machine); a pathological one over a big text reaches it.
 */
const MATCH_BUDGET_MS = 250;

let engine: Promise<typeof import('re2js')> | null = null;

/** Compiles an agent's wait pattern; throws a JobError that says how to fix a refused one. */
export async function compilePattern(source: string): Promise<Pattern> {
  if (source.length > PATTERN_MAX_CHARS) {
    throw new JobError(`The pattern is ${source.length} characters; at most ${PATTERN_MAX_CHARS} are allowed. Wait for a shorter, distinctive part of the text.`);
  }
  refuseBacktrackingOnly(source);
  const literal = literalOf(source);
  if (literal !== null) return literalPattern(source, literal);
  const { RE2JS } = await (engine ??= import('re2js'));
  // translateRegExp turns JavaScript spellings into RE2's: (?<n>…) → (?P<n>…), \uXXXX → \x{XXXX}, \cJ, [^].
  const translated = RE2JS.translateRegExp(source);
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(translated, RE2JS.MULTILINE);
  } catch (error) {
    throw invalid(source, (error as Error).message);
  }
  const steps = compiled.programSize();
  if (steps > PROGRAM_MAX_STEPS) {
    throw new JobError(`The pattern compiles to ${steps} steps; at most ${PROGRAM_MAX_STEPS} are allowed, so that matching stays fast. Lower its repetition counts (.{0,1000} → .*) or wait for a shorter part of the text.`);
  }
  return new Re2Pattern(source, (variant) => RE2JS.compile(variant, RE2JS.MULTILINE), translated, compiled, steps);
}

/** Characters with a meaning in a regex; any other, or one of these escaped, stands for itself. */
const REGEX_SYNTAX = new Set('\\^$.|?*+()[]{}'.split(''));

/**
 * The text a pattern matches when it is a plain string (`ready`, `BUILD-OK`, `k3z\]`): no regex
 * syntax, only punctuation escaped. Null for anything else.
 */
function literalOf(source: string): string | null {
  let text = '';
  for (let i = 0; i < source.length; i++) {
    const char = source[i];
    if (char === '\\') {
      const next = source[++i];
      // \d, \n, \u… and the like mean more than themselves.
      if (next === undefined || /[\p{L}\p{N}]/u.test(next)) return null;
      text += next;
    } else if (REGEX_SYNTAX.has(char)) return null;
    else text += char;
  }
  return text;
}

/** A plain-string pattern: found with indexOf, no engine, linear by construction. */
function literalPattern(source: string, literal: string): Pattern {
  return {
    source,
    exec: (text) => {
      const index = text.indexOf(literal);
      return index < 0 ? null : { index, text: literal };
    },
  };
}

/** Says what is wrong in the terms the agent wrote in: V8's message where JavaScript rejects it too. */
function invalid(source: string, re2Message: string): JobError {
  try {
    new RegExp(source, 'm'); // parsed only, never run
  } catch (error) {
    return new JobError(`The pattern is not a valid JavaScript regex: ${(error as Error).message}. Escape special characters such as ( [ { . * + ? with a backslash.`);
  }
  const reason = re2Message.replace(/^error parsing regexp: /, '').replace('`(?m)', '`');
  return new JobError(`The pattern is valid JavaScript, but RE2, the linear-time engine wait patterns run on, refuses it: ${reason}. Repetition counts go up to {1000}; in a class, write a backspace as \\x08.`);
}

/** JavaScript syntax RE2 does not run, with the rewrite that does the same job. */
const REFUSED: { syntax: string; what: string; rewrite: string }[] = [
  { syntax: '(?=', what: 'a lookahead (?=…)', rewrite: 'match the text itself: a(?=b) → ab' },
  { syntax: '(?!', what: 'a negative lookahead (?!…)', rewrite: 'use a negated class: a(?!b) → a(?:[^b]|$)' },
  { syntax: '(?<=', what: 'a lookbehind (?<=…)', rewrite: 'match the text itself: (?<=a)b → ab' },
  { syntax: '(?<!', what: 'a negative lookbehind (?<!…)', rewrite: 'use a negated class: (?<!a)b → (?:^|[^a])b' },
];
const BACKREFERENCE_REWRITE = 'write the repeated text out: (ab)\\1 → (ab)ab';

function refused(what: string, rewrite: string): JobError {
  return new JobError(
    `The pattern uses ${what}, which wait patterns do not support: they run on a linear-time engine (RE2) so that no pattern can freeze the host, and lookarounds and backreferences need backtracking. Rewrite it: ${rewrite}.`,
  );
}

/** Finds lookarounds and backreferences outside character classes (where they mean something else). */
function refuseBacktrackingOnly(source: string): void {
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const char = source[i];
    if (char === '\\') {
      const next = source[i + 1] ?? '';
      if (!inClass && next >= '1' && next <= '9') throw refused(`a backreference (\\${next})`, BACKREFERENCE_REWRITE);
      if (!inClass && next === 'k' && source[i + 2] === '<') throw refused('a named backreference (\\k<…>)', BACKREFERENCE_REWRITE);
      i++;
    } else if (inClass) {
      if (char === ']') inClass = false;
    } else if (char === '[') {
      inClass = true;
    } else if (char === '(') {
      const construct = REFUSED.find((entry) => source.startsWith(entry.syntax, i));
      if (construct) throw refused(construct.what, construct.rewrite);
    }
  }
}

/** One character of the text, newline included: a guard that gives an anchor at a cut the text's own context. */
const GUARD = '(?s:.)';

class Re2Pattern implements Pattern {
  private readonly windowChars: number;
  /** The pattern with a guard at a window's start, end or both (compiled when a cut inside a line first needs it). */
  private readonly guarded = new Map<string, RE2JS>();
  private warned = false;

  constructor(
    readonly source: string,
    private readonly compile: (source: string) => RE2JS,
    private readonly translated: string,
    private readonly compiled: RE2JS,
    steps: number,
  ) {
    this.windowChars = Math.max(WINDOW_MIN_CHARS, Math.floor(WINDOW_WORK / steps));
  }

  exec(text: string): PatternMatch | null {
    const startedAt = performance.now();
    for (let start = 0; ; ) {
      const end = windowEnd(text, start, this.windowChars);
      const window = start === 0 && end === text.length ? text : text.slice(start, end);
      // A cut inside a line would look like a line edge to ^, $ and \b: there the match must leave the first or last character.
      const headGuard = start > 0 && text[start - 1] !== '\n';
      const tailGuard = end < text.length && text[end] !== '\n';
      const regex = this.guardedBy(headGuard, tailGuard);
      // test() runs on the DFA; exec(), which needs the match's bounds, only where there is one.
      const found = regex.test(window) ? (regex.exec(window) as RegExpExecArray) : null; // shaped as RegExp's, per re2js
      if (found) {
        const head = headGuard ? codePointLength(found[0], 0) : 0;
        const tail = tailGuard ? codePointLength(found[0], found[0].length - 1) : 0;
        return { index: start + found.index + head, text: found[0].slice(head, found[0].length - tail) };
      }
      if (end === text.length) return null;
      if (performance.now() - startedAt > MATCH_BUDGET_MS) {
        this.warnSkipped(text.length - end);
        return null;
      }
      start = nextWindowStart(text, end);
    }
  }

  private guardedBy(head: boolean, tail: boolean): RE2JS {
    if (!head && !tail) return this.compiled;
    const key = `${head} ${tail}`;
    let regex = this.guarded.get(key);
    if (!regex) {
      regex = this.compile(`${head ? GUARD : ''}(?:${this.translated})${tail ? GUARD : ''}`);
      this.guarded.set(key, regex);
    }
    return regex;
  }

  private warnSkipped(chars: number): void {
    if (this.warned) return;
    this.warned = true;
    log(`ptyjobs: wait pattern ${JSON.stringify(this.source)} used up its ${MATCH_BUDGET_MS} ms matching budget; the last ${chars} characters of that output were not searched (and later output may not be either)`);
  }
}

/** A window ends before a newline where it can, so ^, $ and \b see what the whole text has there. */
function windowEnd(text: string, start: number, size: number): number {
  const limit = start + size;
  if (limit >= text.length) return text.length;
  const newline = text.lastIndexOf('\n', limit);
  return newline > start + size / 2 ? newline : limit; // a line longer than half a window is cut
}

/** The length of the character at `at` (2 for either half of a surrogate pair, as RE2 reads it). */
function codePointLength(text: string, at: number): number {
  const code = text.charCodeAt(at);
  if (code >= 0xd800 && code < 0xdc00) return at + 1 < text.length && isLowSurrogate(text.charCodeAt(at + 1)) ? 2 : 1;
  return isLowSurrogate(code) && at > 0 && text.charCodeAt(at - 1) >= 0xd800 && text.charCodeAt(at - 1) < 0xdc00 ? 2 : 1;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code < 0xe000;
}

/** The next window overlaps this one, from a line start within the overlap where there is one. */
function nextWindowStart(text: string, end: number): number {
  const from = end - WINDOW_OVERLAP_CHARS;
  const lineStart = text.indexOf('\n', from) + 1;
  return lineStart > 0 && lineStart < end ? lineStart : from;
}
