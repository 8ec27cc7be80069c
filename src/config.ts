// Reads settings once, from CLI flags and the environment, into a frozen Config.
// This is the only module that reads process.env.
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { z } from 'zod';
import { isDirectory, type JobsSettings } from './jobs/manager.js';
import { parseAllowedCommands } from './jobs/policy.js';
import { encodeKey } from './terminal/keys.js';
import { MAX_TERMINAL_CELLS } from './terminal/limits.js';

export interface Config extends JobsSettings {
  /** Waits longer than this return `timeout`, below the request timeout of common clients. */
  readonly maxWaitMs: number;
  /** Where hosts listen and the CLI looks (null: the default place, see socket/dir.ts). */
  readonly socketDir: string | null;
  /** Whether this server listens on a control socket. */
  readonly socket: boolean;
  /** The key that ends `ptyjobs attach` (pressed twice, it is sent through). */
  readonly detachKey: string;
  /** Serve MCP as a front of the user's shared daemon, whose jobs outlive this server. */
  readonly shared: boolean;
  /** The daemon ends after this long with no running job and no client. */
  readonly daemonIdleS: number;
  /** Serve MCP over Streamable HTTP on this address instead of stdio (null: stdio). */
  readonly http: { host: string; port: number } | null;
  /** Allow --http on an address other than loopback. */
  readonly httpAllowRemote: boolean;
  /** The bearer token HTTP clients must send (null: generated at start). */
  readonly httpToken: string | null;
}

const DEFAULT_RETENTION_S = 3600;
/** The SDK client's default request timeout is 60 s: a wait must answer before it. */
const DEFAULT_MAX_WAIT_S = 50;
/** Shells tried, in order, when neither PTYJOBS_SHELL nor SHELL says (GUI clients pass no SHELL). */
const FALLBACK_SHELLS = ['/bin/bash', '/bin/sh'];

const SIZE_UNITS: Record<string, number> = { '': 1, B: 1, KB: 1024, K: 1024, MB: 1024 ** 2, M: 1024 ** 2, GB: 1024 ** 3, G: 1024 ** 3 };

/** Parses `10MB`, `512KB`, `1.5M` or a plain byte count (units are binary: 1KB = 1024 bytes). */
export function parseSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([KMG]?B?)\s*$/i.exec(text);
  if (!match) throw new Error(`"${text}" is not a size; use bytes or a number with KB, MB or GB (e.g. 20MB)`);
  return Math.floor(Number(match[1]) * SIZE_UNITS[match[2].toUpperCase()]);
}

const intIn = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
/** Parses with `parse`, turning its Error into a zod issue. */
const parsedBy = <T>(parse: (text: string) => T) =>
  z.string().transform((text, ctx) => {
    try {
      return parse(text);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });

function executableFile(path: string): string {
  try {
    if (!statSync(path).isFile()) throw new Error();
    accessSync(path, fsConstants.X_OK);
    return path;
  } catch {
    throw new Error('is not an executable file; name a shell that exists, e.g. /bin/bash');
  }
}

interface SettingSpec {
  env: string;
  alias?: string;
  flag: string;
  help: string;
  schema: z.ZodType;
  /** The default as text, or a function of the environment. */
  default: string | ((env: NodeJS.ProcessEnv) => string);
}

/** Every setting: its env var, its alias (the Python mcp-background-job server's name), flag, parser. */
const SETTINGS = {
  maxJobs: { env: 'PTYJOBS_MAX_JOBS', alias: 'MCP_BG_MAX_JOBS', flag: '--max-jobs', help: 'running jobs at once', schema: intIn(1, 10_000), default: '10' },
  maxOutputBytes: {
    env: 'PTYJOBS_MAX_OUTPUT_BYTES', alias: 'MCP_BG_MAX_OUTPUT_SIZE', flag: '--max-output-bytes', help: 'raw output kept per job (bytes, or 512KB, 20MB)',
    schema: parsedBy((text) => {
      const bytes = parseSize(text);
      if (bytes < 1024) throw new Error('must be at least 1KB');
      return bytes;
    }),
    default: '10MB',
  },
  jobTimeoutS: {
    env: 'PTYJOBS_JOB_TIMEOUT_S', alias: 'MCP_BG_JOB_TIMEOUT', flag: '--job-timeout-s', help: 'default per-job timeout in seconds (none, or 0: no timeout)',
    schema: z.union([z.enum(['none', 'unlimited', '0']).transform(() => null), z.coerce.number().positive()]), default: 'none',
  },
  retentionS: { env: 'PTYJOBS_RETENTION_S', alias: 'MCP_BG_CLEANUP_INTERVAL', flag: '--retention-s', help: 'seconds a finished job stays listed', schema: z.coerce.number().min(0), default: String(DEFAULT_RETENTION_S) },
  workingDir: {
    env: 'PTYJOBS_WORKING_DIR', alias: 'MCP_BG_WORKING_DIR', flag: '--working-dir', help: "default working directory of jobs (default: the server's)",
    schema: z.string().min(1).refine(isDirectory, 'is not an existing directory'), default: () => process.cwd(),
  },
  allowedCommands: {
    env: 'PTYJOBS_ALLOWED_COMMANDS', alias: 'MCP_BG_ALLOWED_COMMANDS', flag: '--allowed-commands', help: 'regexes a command must match (JSON array or comma list; empty = all)',
    schema: parsedBy(parseAllowedCommands), default: '',
  },
  shell: {
    env: 'PTYJOBS_SHELL', flag: '--shell', help: 'shell that runs commands with -c (default: $SHELL, else bash, else sh)',
    schema: parsedBy(executableFile), default: (env) => env.SHELL || FALLBACK_SHELLS.find(isExecutable) || '/bin/sh',
  },
  cols: { env: 'PTYJOBS_COLS', flag: '--cols', help: 'default terminal columns', schema: intIn(2, MAX_TERMINAL_CELLS), default: '120' },
  rows: { env: 'PTYJOBS_ROWS', flag: '--rows', help: 'default terminal rows', schema: intIn(2, MAX_TERMINAL_CELLS), default: '40' },
  scrollback: { env: 'PTYJOBS_SCROLLBACK', flag: '--scrollback', help: 'lines per job screen kept above it (tail reads this far back)', schema: intIn(0, 100_000), default: '1000' },
  killGraceMs: { env: 'PTYJOBS_KILL_GRACE_MS', flag: '--kill-grace-ms', help: 'milliseconds from SIGTERM to SIGKILL', schema: intIn(0, 600_000), default: '3000' },
  maxWaitMs: {
    env: 'PTYJOBS_MAX_WAIT_S', flag: '--max-wait-s', help: "longest wait in seconds before it returns timeout (keep it under your client's request timeout)",
    schema: z.coerce.number().positive().max(7 * 24 * 3600).transform((s) => s * 1000), default: String(DEFAULT_MAX_WAIT_S),
  },
  socketDir: {
    env: 'PTYJOBS_SOCKET_DIR', flag: '--socket-dir', help: 'dir of the control sockets (default: $XDG_RUNTIME_DIR/ptyjobs, else $TMPDIR/ptyjobs-UID)',
    schema: z.string().transform((text) => text || null), default: '',
  },
  socket: {
    env: 'PTYJOBS_SOCKET', flag: '--socket', help: 'on: listen on a control socket so people can see and attach to jobs; off: do not',
    schema: z.enum(['on', 'off']).transform((value) => value === 'on'), default: 'on',
  },
  detachKey: {
    env: 'PTYJOBS_DETACH_KEY', flag: '--detach-key', help: 'the key that ends ptyjobs attach (twice sends it through)',
    schema: parsedBy((text) => {
      const bytes = encodeKey(text, { applicationCursor: false });
      if (bytes.length !== 1) throw new Error('must be a single control key such as C-\\ or C-]');
      return bytes;
    }),
    default: 'C-\\',
  },
  shared: {
    env: 'PTYJOBS_SHARED', flag: '--shared', help: '1: jobs live in your shared daemon and outlive this server (started on demand); 0: in this server',
    schema: z.enum(['0', '1', 'on', 'off', 'true', 'false']).transform((value) => ['1', 'on', 'true'].includes(value)), default: '0',
  },
  http: {
    env: 'PTYJOBS_HTTP', flag: '--http', help: '[HOST:]PORT: serve MCP over Streamable HTTP at /mcp instead of stdio (HOST defaults to 127.0.0.1)',
    schema: parsedBy((text) => {
      if (text === '') return null;
      const match = /^(?:(\[[0-9a-f:]+\]|[\w.-]+):)?(\d{1,5})$/i.exec(text);
      const port = match ? Number(match[2]) : NaN;
      if (!match || port < 1 || port > 65535) throw new Error('use PORT or HOST:PORT, e.g. 8765 or 127.0.0.1:8765');
      return { host: (match[1] ?? '127.0.0.1').replace(/^\[|\]$/g, ''), port };
    }),
    default: '',
  },
  httpAllowRemote: {
    env: 'PTYJOBS_HTTP_ALLOW_REMOTE', flag: '--http-allow-remote', help: '1: allow --http on an address other than loopback (anyone who reaches it with the token runs commands)',
    schema: z.enum(['0', '1']).transform((value) => value === '1'), default: '0',
  },
  httpToken: {
    env: 'PTYJOBS_HTTP_TOKEN', flag: '--http-token', help: 'bearer token for --http (default: generated, saved 0600 as http-token in the socket dir)',
    schema: z.string().transform((text) => text || null), default: '',
  },
  daemonIdleS: { env: 'PTYJOBS_DAEMON_IDLE_S', flag: '--daemon-idle-s', help: 'the shared daemon exits after this many seconds with no running job and no client', schema: z.coerce.number().positive(), default: '900' },
} satisfies Record<Exclude<keyof Config, 'baseEnv' | 'sources'>, SettingSpec>;

function isExecutable(path: string): boolean {
  try {
    executableFile(path);
    return true;
  } catch {
    return false;
  }
}

export class ConfigError extends Error {}

/** A setting's own variable name (PTYJOBS_MAX_JOBS for maxJobs), whatever source gave its value. */
export function settingName(key: keyof typeof SETTINGS): string {
  return SETTINGS[key].env;
}

export type CliRequest = { kind: 'help' } | { kind: 'version' } | { kind: 'serve'; config: Config; warnings: string[] };

/** Turns argv and env into a Config, or a help/version request; throws ConfigError naming the bad setting. */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): CliRequest {
  const flags = parseFlags(argv);
  if (flags.has('--help')) return { kind: 'help' };
  if (flags.has('--version')) return { kind: 'version' };
  const values: Record<string, unknown> = {};
  const sources: Record<string, string> = {};
  // An empty value (common in client configs for "unset") means the default.
  const given = (name: string | undefined) => (name !== undefined && env[name]?.trim() ? name : undefined);
  for (const [key, spec] of Object.entries(SETTINGS) as [string, SettingSpec][]) {
    const source = flags.has(spec.flag) ? spec.flag : (given(spec.env) ?? given(spec.alias));
    const raw = source === spec.flag ? flags.get(spec.flag)! : source !== undefined ? env[source]! : typeof spec.default === 'string' ? spec.default : spec.default(env);
    const parsed = spec.schema.safeParse(raw.trim());
    if (!parsed.success) {
      throw new ConfigError(`Invalid setting ${source ?? spec.env}=${JSON.stringify(raw)}: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`);
    }
    values[key] = parsed.data;
    sources[key] = source ?? spec.env;
  }
  const baseEnv = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const config = Object.freeze({ ...values, sources: Object.freeze(sources), baseEnv: Object.freeze(baseEnv) }) as Config;
  return { kind: 'serve', config, warnings: misspelledVariables(env) };
}

/** PTYJOBS_* variables that are no setting, each with the closest real name. */
function misspelledVariables(env: NodeJS.ProcessEnv): string[] {
  const known = (Object.values(SETTINGS) as SettingSpec[]).map((spec) => spec.env);
  const extra = [...EXTRA_VARIABLES];
  return Object.keys(env)
    .filter((name) => name.startsWith('PTYJOBS_') && !known.includes(name) && !extra.includes(name))
    .map((name) => {
      const closest = [...known, ...extra].reduce((best, candidate) => (editDistance(name, candidate) < editDistance(name, best) ? candidate : best));
      return `ptyjobs: ignoring unknown setting ${name}; did you mean ${closest}?`;
    });
}

/** Variables ptyjobs reads that are not settings of the job host. */
const EXTRA_VARIABLES = ['PTYJOBS_JOB'];

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

function parseFlags(argv: readonly string[]): Map<string, string> {
  const known = new Set(Object.values(SETTINGS).map((spec: SettingSpec) => spec.flag));
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') flags.set('--help', '');
    else if (arg === '--version' || arg === '-v') flags.set('--version', '');
    else if (arg === '--shared') flags.set('--shared', '1'); // switches: no value needed
    else if (arg === '--http-allow-remote') flags.set('--http-allow-remote', '1');
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
  const lines = [
    `ptyjobs ${version}: an MCP server that runs shell commands as jobs in pseudo-terminals.`,
    '',
    'Usage: ptyjobs [--setting value ...]        serve MCP on stdio (--shared: jobs in your shared daemon; --http [HOST:]PORT: over HTTP)',
    '       ptyjobs ls | attach | watch | tail | kill | web | run | daemon ...   for people (each takes --help)',
    '',
    'Settings (flag, env var, alias, default):',
  ];
  for (const spec of Object.values(SETTINGS) as SettingSpec[]) {
    const shown = typeof spec.default === 'string' ? ` [${spec.default || 'empty'}]` : '';
    lines.push(`  ${spec.flag.padEnd(20)} ${spec.env}${spec.alias ? ` (${spec.alias})` : ''}${shown}`);
    lines.push(`  ${''.padEnd(20)} ${spec.help}`);
  }
  lines.push('', 'An empty variable means the default. MCP_BG_* are the names of the Python mcp-background-job server.', '', '  --help, --version');
  return lines.join('\n');
}
