// Reads settings once, from CLI flags and the environment, into a frozen Config.
// This is the only module that reads process.env. It uses no schema library: every start
// (the server's, `ptyjobs ls`'s, `--version`'s) reads settings, and zod alone costs ~40 ms of
// module evaluation (see the start-up notes in scripts/startup-bench.mjs).
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import type { JobsSettings } from './jobs/manager.js';
import { parseAllowedCommands } from './jobs/policy.js';
import { encodeKey } from './terminal/keys.js';
import { MAX_TERMINAL_CELLS } from './terminal/limits.js';
import { parseArgs } from './util/args.js';
import { closestName } from './util/closest.js';

export interface Config extends JobsSettings {
  /** Waits longer than this return `timeout`, below the request timeout of common clients. */
  readonly maxWaitMs: number;
  /** Where hosts listen and the CLI looks: a full path, resolved once (see socket/dir.ts for the rule). */
  readonly socketDir: string;
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
const MAX_WAIT_LIMIT_S = 7 * 24 * 3600;
/** Shells tried, in order, when neither PTYJOBS_SHELL nor SHELL says (GUI clients pass no SHELL). */
const FALLBACK_SHELLS = ['/bin/bash', '/bin/sh'];

/**
 * ptyjobs's own variables that no job (nor the shared daemon) is given: the HTTP token is a
 * secret, and the HTTP address and remote switch would make a ptyjobs started inside a job
 * serve HTTP on the same port. The other PTYJOBS_* settings stay, so a `ptyjobs ls` or a
 * nested server in a job finds the same socket dir and limits.
 */
export const VARIABLES_KEPT_FROM_JOBS = ['PTYJOBS_HTTP', 'PTYJOBS_HTTP_TOKEN', 'PTYJOBS_HTTP_ALLOW_REMOTE'] as const;

const SIZE_UNITS: Record<string, number> = { '': 1, B: 1, KB: 1024, K: 1024, MB: 1024 ** 2, M: 1024 ** 2, GB: 1024 ** 3, G: 1024 ** 3 };

/** Parses `10MB`, `512KB`, `1.5M` or a plain byte count (units are binary: 1KB = 1024 bytes). */
export function parseSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([KMG]?B?)\s*$/i.exec(text);
  if (!match) throw new Error(`"${text}" is not a size; use bytes or a number with KB, MB or GB (e.g. 20MB)`);
  return Math.floor(Number(match[1]) * SIZE_UNITS[match[2].toUpperCase()]);
}

/** A decimal number, or NaN (Number() alone would take "0x10" and "1e3"). */
function decimal(text: string): number {
  return /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(text) ? Number(text) : NaN;
}

const intIn = (min: number, max: number) => (text: string): number => {
  const value = decimal(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`must be a whole number from ${min} to ${max}`);
  return value;
};

const secondsAbove0 = (max = Infinity) => (text: string): number => {
  const value = decimal(text);
  if (!(value > 0 && value <= max)) throw new Error(`must be a number of seconds above 0${max < Infinity ? ` and at most ${max}` : ''}`);
  return value;
};

/** One of the words in `meanings`; the message lists them. */
const oneOf = <T>(meanings: Record<string, T>) => (text: string): T => {
  if (!Object.hasOwn(meanings, text)) throw new Error(`use one of ${Object.keys(meanings).join(', ')}`);
  return meanings[text];
};

function executableFile(path: string): string {
  try {
    if (!statSync(path).isFile()) throw new Error();
    accessSync(path, fsConstants.X_OK);
    return path;
  } catch {
    throw new Error('is not an executable file; name a shell that exists, e.g. /bin/bash');
  }
}

function existingDirectory(path: string): string {
  let isDir = false;
  try {
    isDir = path !== '' && statSync(path).isDirectory();
  } catch {
    /* missing: said below */
  }
  if (!isDir) throw new Error('is not an existing directory');
  return path;
}

interface SettingSpec {
  env: string;
  alias?: string;
  flag: string;
  help: string;
  /** Turns the (trimmed) text into the value; throws an Error saying what is accepted. */
  parse: (text: string, env: NodeJS.ProcessEnv) => unknown;
  /** The default as text, or a function of the environment. */
  default: string | ((env: NodeJS.ProcessEnv) => string);
}

const ON_OFF = { 0: false, 1: true, on: true, off: false, true: true, false: false };

/** Every setting: its env var, its alias (the Python mcp-background-job server's name), flag, parser. */
const SETTINGS = {
  maxJobs: { env: 'PTYJOBS_MAX_JOBS', alias: 'MCP_BG_MAX_JOBS', flag: '--max-jobs', help: 'running jobs at once', parse: intIn(1, 10_000), default: '10' },
  maxOutputBytes: {
    env: 'PTYJOBS_MAX_OUTPUT_BYTES', alias: 'MCP_BG_MAX_OUTPUT_SIZE', flag: '--max-output-bytes', help: 'raw output kept per job (bytes, or 512KB, 20MB)',
    parse: (text) => {
      const bytes = parseSize(text);
      if (bytes < 1024) throw new Error('must be at least 1KB');
      return bytes;
    },
    default: '10MB',
  },
  jobTimeoutS: {
    env: 'PTYJOBS_JOB_TIMEOUT_S', alias: 'MCP_BG_JOB_TIMEOUT', flag: '--job-timeout-s', help: 'default per-job timeout in seconds (none, or 0: no timeout)',
    parse: (text) => {
      if (['none', 'unlimited', '0'].includes(text)) return null;
      const value = decimal(text);
      if (!(value > 0)) throw new Error('use a number of seconds above 0, or none, unlimited or 0 for no timeout');
      return value;
    },
    default: 'none',
  },
  retentionS: {
    env: 'PTYJOBS_RETENTION_S', alias: 'MCP_BG_CLEANUP_INTERVAL', flag: '--retention-s', help: 'seconds a finished job stays listed',
    parse: (text) => {
      const value = decimal(text);
      if (!(value >= 0)) throw new Error('must be a number of seconds, 0 or more');
      return value;
    },
    default: String(DEFAULT_RETENTION_S),
  },
  workingDir: { env: 'PTYJOBS_WORKING_DIR', alias: 'MCP_BG_WORKING_DIR', flag: '--working-dir', help: "default working directory of jobs (default: the server's)", parse: existingDirectory, default: () => process.cwd() },
  allowedCommands: {
    env: 'PTYJOBS_ALLOWED_COMMANDS', alias: 'MCP_BG_ALLOWED_COMMANDS', flag: '--allowed-commands', help: 'regexes a command must match (JSON array or comma list; empty = all)',
    parse: parseAllowedCommands, default: '',
  },
  shell: {
    env: 'PTYJOBS_SHELL', flag: '--shell', help: 'shell that runs commands with -c (default: $SHELL, else bash, else sh)',
    parse: executableFile, default: (env) => env.SHELL || FALLBACK_SHELLS.find(isExecutable) || '/bin/sh',
  },
  cols: { env: 'PTYJOBS_COLS', flag: '--cols', help: 'default terminal columns', parse: intIn(2, MAX_TERMINAL_CELLS), default: '120' },
  rows: { env: 'PTYJOBS_ROWS', flag: '--rows', help: 'default terminal rows', parse: intIn(2, MAX_TERMINAL_CELLS), default: '40' },
  scrollback: { env: 'PTYJOBS_SCROLLBACK', flag: '--scrollback', help: 'lines per job screen kept above it (tail reads this far back)', parse: intIn(0, 100_000), default: '1000' },
  killGraceMs: { env: 'PTYJOBS_KILL_GRACE_MS', flag: '--kill-grace-ms', help: 'milliseconds from SIGTERM to SIGKILL', parse: intIn(0, 600_000), default: '3000' },
  maxWaitMs: {
    env: 'PTYJOBS_MAX_WAIT_S', flag: '--max-wait-s', help: "longest wait in seconds before it returns timeout (keep it under your client's request timeout)",
    parse: (text) => secondsAbove0(MAX_WAIT_LIMIT_S)(text) * 1000, default: String(DEFAULT_MAX_WAIT_S),
  },
  socketDir: {
    env: 'PTYJOBS_SOCKET_DIR', flag: '--socket-dir', help: 'dir of the control sockets (default: $XDG_RUNTIME_DIR/ptyjobs, else $TMPDIR/ptyjobs-UID)',
    parse: (text, env) => resolvePath(resolveSocketDir(text || null, env)), default: '',
  },
  socket: {
    env: 'PTYJOBS_SOCKET', flag: '--socket', help: 'on: listen on a control socket so people can see and attach to jobs; off: do not',
    parse: oneOf({ on: true, off: false }), default: 'on',
  },
  detachKey: {
    env: 'PTYJOBS_DETACH_KEY', flag: '--detach-key', help: 'the key that ends ptyjobs attach (twice sends it through)',
    parse: (text) => {
      const bytes = encodeKey(text, { applicationCursor: false });
      if (bytes.length !== 1) throw new Error('must be a single control key such as C-\\ or C-]');
      return bytes;
    },
    default: 'C-\\',
  },
  shared: {
    env: 'PTYJOBS_SHARED', flag: '--shared', help: '1: jobs live in your shared daemon and outlive this server (started on demand); 0: in this server',
    parse: oneOf(ON_OFF), default: '0',
  },
  http: {
    env: 'PTYJOBS_HTTP', flag: '--http', help: '[HOST:]PORT: serve MCP over Streamable HTTP at /mcp instead of stdio (HOST defaults to 127.0.0.1)',
    parse: (text) => {
      if (text === '') return null;
      const match = /^(?:(\[[0-9a-f:]+\]|[\w.-]+):)?(\d{1,5})$/i.exec(text);
      const port = match ? Number(match[2]) : NaN;
      if (!match || port < 1 || port > 65535) throw new Error('use PORT or HOST:PORT, e.g. 8765 or 127.0.0.1:8765');
      return { host: (match[1] ?? '127.0.0.1').replace(/^\[|\]$/g, ''), port };
    },
    default: '',
  },
  httpAllowRemote: {
    env: 'PTYJOBS_HTTP_ALLOW_REMOTE', flag: '--http-allow-remote', help: '1: allow --http on an address other than loopback (anyone who reaches it with the token runs commands)',
    parse: oneOf({ 0: false, 1: true }), default: '0',
  },
  httpToken: {
    env: 'PTYJOBS_HTTP_TOKEN', flag: '--http-token', help: 'bearer token for --http (default: generated, saved 0600 as http-token-PORT in the socket dir while the server runs)',
    parse: (text) => text || null, default: '',
  },
  daemonIdleS: { env: 'PTYJOBS_DAEMON_IDLE_S', flag: '--daemon-idle-s', help: 'the shared daemon exits after this many seconds with no running job and no client', parse: secondsAbove0(), default: '900' },
} satisfies Record<Exclude<keyof Config, 'baseEnv' | 'sources'>, SettingSpec>;

function isExecutable(path: string): boolean {
  try {
    executableFile(path);
    return true;
  } catch {
    return false;
  }
}

/** $PTYJOBS_SOCKET_DIR, else $XDG_RUNTIME_DIR/ptyjobs, else ${TMPDIR:-/tmp}/ptyjobs-<uid>. */
function resolveSocketDir(configured: string | null, env: NodeJS.ProcessEnv): string {
  if (configured) return configured;
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'ptyjobs');
  return join(env.TMPDIR || tmpdir(), `ptyjobs-${userInfo().uid}`);
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
    try {
      values[key] = spec.parse(raw.trim(), env);
    } catch (error) {
      throw new ConfigError(`Invalid setting ${source ?? spec.env}=${JSON.stringify(raw)}: ${(error as Error).message}`);
    }
    sources[key] = source ?? spec.env;
  }
  const baseEnv = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && !(VARIABLES_KEPT_FROM_JOBS as readonly string[]).includes(entry[0])),
  );
  const config = Object.freeze({ ...values, sources: Object.freeze(sources), baseEnv: Object.freeze(baseEnv) }) as Config;
  return { kind: 'serve', config, warnings: misspelledVariables(env) };
}

/** Drops VARIABLES_KEPT_FROM_JOBS from `env` (process.env once it is read), so no child inherits them. */
export function forgetVariablesKeptFromJobs(env: NodeJS.ProcessEnv): void {
  for (const name of VARIABLES_KEPT_FROM_JOBS) delete env[name];
}

/** Host-level settings: the shared daemon's own, taken from the front that starts it. */
export const HOST_SETTINGS = ['maxJobs', 'maxOutputBytes', 'retentionS', 'scrollback', 'killGraceMs', 'daemonIdleS', 'shell'] as const;

/**
 * The arguments (after node) that start the shared daemon with this front's host settings:
 * those given as flags become flags again (those from the environment reach it through
 * daemonEnv, so the daemon names them as the front does); never a token or an HTTP address.
 */
export function daemonArgs(config: Config, entry = process.argv[1]): string[] {
  const flags = HOST_SETTINGS.filter((key) => config.sources[key] === SETTINGS[key].flag).flatMap((key) => [SETTINGS[key].flag, String(config[key])]);
  return [entry, 'daemon', 'serve', '--socket-dir', config.socketDir, ...flags];
}

/** The shared daemon's environment: the front's, without what jobs must not see (VARIABLES_KEPT_FROM_JOBS). */
export function daemonEnv(config: Config): Record<string, string> {
  return { ...config.baseEnv };
}

/** PTYJOBS_* variables that are no setting, each with the closest real name. */
function misspelledVariables(env: NodeJS.ProcessEnv): string[] {
  const known = (Object.values(SETTINGS) as SettingSpec[]).map((spec) => spec.env);
  const extra = [...EXTRA_VARIABLES];
  return Object.keys(env)
    .filter((name) => name.startsWith('PTYJOBS_') && !known.includes(name) && !extra.includes(name))
    .map((name) => {
      const closest = closestName(name, [...known, ...extra]);
      return `ptyjobs: ignoring unknown setting ${name}${closest ? `; did you mean ${closest}?` : ''}`;
    });
}

/** Variables ptyjobs reads that are not settings of the job host. */
const EXTRA_VARIABLES = ['PTYJOBS_JOB'];

/** Switches that take no value, and the value each stands for. */
const SWITCHES: Record<string, [string, string]> = {
  '--help': ['--help', ''],
  '-h': ['--help', ''],
  '--version': ['--version', ''],
  '-v': ['--version', ''],
  '--shared': ['--shared', '1'],
  '--http-allow-remote': ['--http-allow-remote', '1'],
};

function parseFlags(argv: readonly string[]): Map<string, string> {
  const valued = (Object.values(SETTINGS) as SettingSpec[]).map((spec) => spec.flag).filter((flag) => !(flag in SWITCHES));
  let parsed;
  try {
    parsed = parseArgs(argv, { valued, switches: Object.keys(SWITCHES) }, 'Run ptyjobs --help to see the settings and commands.');
  } catch (error) {
    throw new ConfigError((error as Error).message.replace(/^./, (first) => first.toUpperCase()));
  }
  const stray = parsed.positional[0] ?? (parsed.rest ? '--' : undefined);
  if (stray !== undefined) throw new ConfigError(`Unknown command ${stray}; the commands are ls, attach, watch, tail, kill, web, run and daemon. Run ptyjobs --help to see them.`);
  const flags = new Map<string, string>();
  for (const [flag, value] of parsed.flags) {
    const [name, switchValue] = SWITCHES[flag] ?? [flag, value];
    flags.set(name, switchValue);
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
