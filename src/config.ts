// Reads settings once, from CLI flags and the environment, into a frozen Config.
// This is the only module that reads process.env.
import { statSync } from 'node:fs';
import { z } from 'zod';
import { parseAllowedCommands } from './jobs/policy.js';

export interface Config {
  readonly maxJobs: number;
  readonly maxOutputBytes: number;
  readonly jobTimeoutS: number | null;
  readonly retentionS: number;
  readonly workingDir: string;
  readonly allowedCommands: readonly RegExp[];
  readonly shell: string;
  readonly cols: number;
  readonly rows: number;
  readonly scrollback: number;
  readonly killGraceMs: number;
  /** The environment jobs start from (the server's own). */
  readonly baseEnv: Readonly<Record<string, string>>;
}

const DEFAULT_RETENTION_S = 3600;
const MAX_TERMINAL_CELLS = 1000;

const SIZE_UNITS: Record<string, number> = { '': 1, B: 1, KB: 1024, K: 1024, MB: 1024 ** 2, M: 1024 ** 2, GB: 1024 ** 3, G: 1024 ** 3 };

/** Parses `10MB`, `512KB`, `1.5M` or a plain byte count (units are binary: 1KB = 1024 bytes). */
export function parseSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([KMG]?B?)\s*$/i.exec(text);
  if (!match) throw new Error(`"${text}" is not a size; use bytes or a number with KB, MB or GB (e.g. 20MB)`);
  return Math.floor(Number(match[1]) * SIZE_UNITS[match[2].toUpperCase()]);
}

const intIn = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const none = z.enum(['none', 'unlimited', '0', '']).transform(() => null);

interface SettingSpec {
  env: string;
  alias?: string;
  flag: string;
  help: string;
  schema: z.ZodType;
  default?: string;
}

/** Every setting: its env var, seed alias, flag, and how its text is parsed. */
export const SETTINGS = {
  maxJobs: { env: 'PTYJOBS_MAX_JOBS', alias: 'MCP_BG_MAX_JOBS', flag: '--max-jobs', help: 'running jobs at once', schema: intIn(1, 10_000), default: '10' },
  maxOutputBytes: {
    env: 'PTYJOBS_MAX_OUTPUT_BYTES', alias: 'MCP_BG_MAX_OUTPUT_SIZE', flag: '--max-output-bytes', help: 'raw output kept per job (bytes, or 512KB, 20MB)',
    schema: z.string().transform((text, ctx) => {
      try {
        const bytes = parseSize(text);
        if (bytes < 1024) ctx.addIssue({ code: 'custom', message: 'must be at least 1KB' });
        return bytes;
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
    default: '10MB',
  },
  jobTimeoutS: { env: 'PTYJOBS_JOB_TIMEOUT_S', alias: 'MCP_BG_JOB_TIMEOUT', flag: '--job-timeout-s', help: 'default per-job timeout in seconds (none = unlimited)', schema: z.union([none, z.coerce.number().positive()]), default: 'none' },
  retentionS: { env: 'PTYJOBS_RETENTION_S', alias: 'MCP_BG_CLEANUP_INTERVAL', flag: '--retention-s', help: 'seconds a finished job stays listed', schema: z.coerce.number().min(0), default: String(DEFAULT_RETENTION_S) },
  workingDir: {
    env: 'PTYJOBS_WORKING_DIR', alias: 'MCP_BG_WORKING_DIR', flag: '--working-dir', help: 'default working directory of jobs (default: the server\'s)',
    schema: z.string().min(1).refine(isDirectory, 'is not an existing directory'),
  },
  allowedCommands: {
    env: 'PTYJOBS_ALLOWED_COMMANDS', alias: 'MCP_BG_ALLOWED_COMMANDS', flag: '--allowed-commands', help: 'regexes a command must match (JSON array or comma list; empty = all)',
    schema: z.string().transform((text, ctx) => {
      try {
        return parseAllowedCommands(text);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
    default: '',
  },
  shell: { env: 'PTYJOBS_SHELL', flag: '--shell', help: 'shell that runs commands with -c (default: $SHELL, else /bin/sh)', schema: z.string().min(1) },
  cols: { env: 'PTYJOBS_COLS', flag: '--cols', help: 'default terminal columns', schema: intIn(2, MAX_TERMINAL_CELLS), default: '120' },
  rows: { env: 'PTYJOBS_ROWS', flag: '--rows', help: 'default terminal rows', schema: intIn(2, MAX_TERMINAL_CELLS), default: '40' },
  scrollback: { env: 'PTYJOBS_SCROLLBACK', flag: '--scrollback', help: 'lines of scrollback per job screen', schema: intIn(0, 100_000), default: '1000' },
  killGraceMs: { env: 'PTYJOBS_KILL_GRACE_MS', flag: '--kill-grace-ms', help: 'milliseconds from SIGTERM to SIGKILL', schema: intIn(0, 600_000), default: '3000' },
} satisfies Record<Exclude<keyof Config, 'baseEnv'>, SettingSpec>;

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export class ConfigError extends Error {}

export type CliRequest = { kind: 'help' } | { kind: 'version' } | { kind: 'serve'; config: Config };

/** Turns argv and env into a Config, or a help/version request; throws ConfigError naming the bad setting. */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): CliRequest {
  const flags = parseFlags(argv);
  if (flags.has('--help')) return { kind: 'help' };
  if (flags.has('--version')) return { kind: 'version' };
  const values: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(SETTINGS) as [string, SettingSpec][]) {
    const raw = flags.get(spec.flag) ?? env[spec.env] ?? (spec.alias ? env[spec.alias] : undefined) ?? defaultFor(key, spec, env);
    const parsed = spec.schema.safeParse(raw.trim());
    if (!parsed.success) {
      const source = flags.has(spec.flag) ? spec.flag : env[spec.env] !== undefined ? spec.env : spec.alias && env[spec.alias] !== undefined ? spec.alias : spec.env;
      throw new ConfigError(`Invalid setting ${source}=${JSON.stringify(raw)}: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`);
    }
    values[key] = parsed.data;
  }
  const baseEnv = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
  return { kind: 'serve', config: Object.freeze({ ...values, baseEnv: Object.freeze(baseEnv) }) as Config };
}

function defaultFor(key: string, spec: SettingSpec, env: NodeJS.ProcessEnv): string {
  if (key === 'workingDir') return process.cwd();
  if (key === 'shell') return env.SHELL || '/bin/sh';
  return spec.default ?? '';
}

function parseFlags(argv: readonly string[]): Map<string, string> {
  const known = new Set(Object.values(SETTINGS).map((spec: SettingSpec) => spec.flag));
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') flags.set('--help', '');
    else if (arg === '--version' || arg === '-v') flags.set('--version', '');
    else {
      const eq = arg.indexOf('=');
      const name = eq > 0 ? arg.slice(0, eq) : arg;
      if (!known.has(name)) throw new ConfigError(`Unknown option ${arg}; run with --help to see the settings.`);
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new ConfigError(`Option ${name} needs a value.`);
      flags.set(name, value);
    }
  }
  return flags;
}

export function helpText(version: string): string {
  const lines = [`ptyjobs ${version}: an MCP server (stdio) that runs shell commands as jobs in pseudo-terminals.`, '', 'Usage: ptyjobs [--setting value ...]', '', 'Settings (flag, env var, seed alias, default):'];
  for (const spec of Object.values(SETTINGS) as SettingSpec[]) {
    lines.push(`  ${spec.flag.padEnd(20)} ${spec.env}${spec.alias ? ` (${spec.alias})` : ''}${spec.default !== undefined ? ` [${spec.default || 'empty'}]` : ''}`);
    lines.push(`  ${''.padEnd(20)} ${spec.help}`);
  }
  lines.push('', '  --help, --version');
  return lines.join('\n');
}
