// Command-line arguments of a CLI command: options with values, switches, positional words, and
// everything after `--` kept exactly as given.

export class UsageError extends Error {}

export interface ParsedArgs {
  flags: Map<string, string>;
  positional: string[];
  /** The words after `--`, untouched (null when there was no `--`). */
  rest: string[] | null;
}

export function parseArgs(args: readonly string[], spec: { valued?: readonly string[]; switches?: readonly string[] }, usage: string): ParsedArgs {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') return { flags, positional, rest: args.slice(i + 1) };
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (spec.valued?.includes(name)) {
      const value = name === arg ? args[++i] : arg.slice(eq + 1);
      if (value === undefined) throw new UsageError(`${name} needs a value. ${usage}`);
      flags.set(name, value);
    } else if (spec.switches?.includes(arg)) flags.set(arg, '');
    else if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option ${arg}. ${usage}`);
    else positional.push(arg);
  }
  return { flags, positional, rest: null };
}

/** A shell word that the shell reads back as exactly `word`. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
