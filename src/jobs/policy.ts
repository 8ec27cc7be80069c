// The allowed-commands policy: which commands execute may run. A guard against an agent's
// mistakes, not a sandbox: a shell can always be talked into more than a regex foresees.
import { JobError } from '../errors.js';

/**
 * Parses the setting: a JSON array of regexes, or a comma-separated list in which a comma
 * inside (), [] or {} belongs to the regex and `\,` is a literal comma.
 */
export function parseAllowedCommands(text: string): RegExp[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  let sources: unknown;
  if (trimmed.startsWith('[')) {
    try {
      sources = JSON.parse(trimmed);
    } catch (error) {
      throw new Error(`not a valid JSON array of regexes: ${(error as Error).message}`);
    }
    if (!Array.isArray(sources) || !sources.every((s) => typeof s === 'string')) throw new Error('the JSON form must be an array of strings');
  } else {
    sources = splitTopLevelCommas(trimmed);
  }
  return (sources as string[]).map((s) => s.trim()).filter((s) => s !== '').map((source) => {
    try {
      return new RegExp(source);
    } catch (error) {
      throw new Error(`/${source}/ is not a valid regex: ${(error as Error).message}`);
    }
  });
}

function splitTopLevelCommas(text: string): string[] {
  const parts: string[] = [];
  let current = '';
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\' && text[i + 1] === ',') {
      current += ',';
      i++;
    } else if (ch === '\\' && i + 1 < text.length) {
      current += ch + text[++i];
    } else if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      if ('([{'.includes(ch)) depth++;
      else if (')]}'.includes(ch) && depth > 0) depth--;
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

/**
 * Splits a shell command into the simple commands it would run: on `;`, `&&`, `||`, `|`, `&`
 * and newlines outside quotes, plus the bodies of `$(...)` and backquotes (which run too).
 */
export function simpleCommands(command: string): string[] {
  const found: string[] = [];
  // One frame per nesting level: the top level, then each open $( or backquote.
  const frames: { text: string; closer: ')' | '`' | null }[] = [{ text: '', closer: null }];
  let quote: '"' | "'" | null = null;
  const top = () => frames[frames.length - 1];
  const flush = () => {
    // Subshell and group brackets are not part of the command they enclose.
    const text = top().text.replace(/^[\s({]+|[\s)}]+$/g, '');
    if (text) found.push(text);
    top().text = '';
  };
  for (let i = 0; i < command.length; i++) {
    const ch = command[i];
    const next = command[i + 1];
    if (quote === "'") {
      if (ch === "'") quote = null;
      top().text += ch;
    } else if (ch === '\\' && next !== undefined) {
      top().text += ch + next;
      i++;
    } else if (ch === '$' && next === '(') {
      frames.push({ text: '', closer: ')' });
      i++;
    } else if (ch === top().closer) {
      flush();
      frames.pop();
    } else if (ch === '`') {
      frames.push({ text: '', closer: '`' });
    } else if (quote === '"') {
      if (ch === '"') quote = null;
      top().text += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      top().text += ch;
    } else if (ch === ';' || ch === '&' || ch === '|' || ch === '\n') {
      flush();
    } else {
      top().text += ch;
    }
  }
  while (frames.length > 0) {
    flush();
    frames.pop();
  }
  return found;
}

/** Returns the simple command that no regex allows, or null when the command may run. */
export function findDisallowed(command: string, allowed: readonly RegExp[]): string | null {
  if (allowed.length === 0) return null;
  for (const part of simpleCommands(command)) {
    if (!allowed.some((re) => re.test(part))) return part;
  }
  return null;
}

/** The error for a command the policy does not allow (null when it may run); `setting` names where the policy came from. */
export function refuseDisallowed(command: string, allowed: readonly RegExp[], setting: string): JobError | null {
  const disallowed = findDisallowed(command, allowed);
  if (disallowed === null) return null;
  return new JobError(
    `Command not allowed: "${disallowed}" matches none of the allowed patterns (${allowed.map(String).join(', ')}). ` +
      `Every part of a command (split on ; && || | & and $(...)) must match one. Ask the user to widen ${setting}, or run an allowed command.`,
    'not_allowed',
  );
}
