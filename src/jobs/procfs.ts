// What Linux's /proc says about a job's processes: which belong to it, whether the terminal's
// foreground process is blocked reading the terminal, how often a process ran and how much it
// wrote (evidence that typed input was taken), and which TCP ports they listen on.
// Every function tolerates processes vanishing mid-read (they are skipped).
import { closeSync, openSync, readdirSync, readlinkSync, readSync } from 'node:fs';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgrp: number;
  session: number;
  /** Foreground process group of the controlling terminal, or -1. */
  tpgid: number;
  /** R running, S sleeping, D disk wait, Z zombie, T stopped … */
  state: string;
}

export const hasProcfs = process.platform === 'linux';

/** Reused by readText, grown when a file is bigger (a long environment, a busy /proc/net/tcp). */
let readBuffer = Buffer.allocUnsafe(16 * 1024);

/**
 * A /proc file's text, or null if it cannot be read (the process is gone). Plain open/read/close
 * into a reused buffer: readFileSync's fstat and allocations double the cost of the hundreds of
 * small reads a process-table scan makes.
 */
function readText(path: string): string | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    let length = 0;
    for (;;) {
      if (length === readBuffer.length) {
        const bigger = Buffer.allocUnsafe(readBuffer.length * 2);
        readBuffer.copy(bigger, 0, 0, length);
        readBuffer = bigger;
      }
      const read = readSync(fd, readBuffer, length, readBuffer.length - length, null);
      if (read === 0) return readBuffer.toString('latin1', 0, length);
      length += read;
    }
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

function readLink(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch {
    return null;
  }
}

export function readProcess(pid: number): ProcessInfo | null {
  const stat = readText(`/proc/${pid}/stat`);
  if (stat === null) return null;
  // The command name is in parentheses and may itself contain spaces or parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { pid, state: fields[0], ppid: Number(fields[1]), pgrp: Number(fields[2]), session: Number(fields[3]), tpgid: Number(fields[5]) };
}

/** Every process on the machine (that /proc lets us see). */
export function readProcessTable(): ProcessInfo[] {
  const table: ProcessInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (name.charCodeAt(0) < 48 || name.charCodeAt(0) > 57) continue;
    const info = readProcess(Number(name));
    if (info) table.push(info);
  }
  return table;
}

/**
 * A process and everything below it, found through each thread's children list (a few reads for
 * a job, where the whole table is hundreds); null where the kernel keeps no such list.
 */
function descendantsOf(pid: number): ProcessInfo[] | null {
  const found: ProcessInfo[] = [];
  const pending = [pid];
  while (pending.length > 0) {
    const next = pending.pop()!;
    const info = readProcess(next);
    if (!info) continue; // gone meanwhile
    found.push(info);
    let threads: string[];
    try {
      threads = readdirSync(`/proc/${next}/task`);
    } catch {
      continue;
    }
    for (const thread of threads) {
      const children = readText(`/proc/${next}/task/${thread}/children`);
      if (children === null) {
        if (readProcess(next) === null) break; // it exited while we looked
        return null; // no children lists on this kernel (CONFIG_PROC_CHILDREN)
      }
      for (const child of children.split(' ')) if (child.trim()) pending.push(Number(child));
    }
  }
  return found;
}

/** One reading of the process table; each process's environment is read when first asked for. */
class ProcessSnapshot {
  readonly takenAt = performance.now();
  readonly table = readProcessTable().filter((p) => p.state !== 'Z' && p.state !== 'X');
  private readonly environs = new Map<number, string | null>();

  environ(pid: number): string | null {
    let environ = this.environs.get(pid);
    if (environ === undefined) this.environs.set(pid, (environ = readText(`/proc/${pid}/environ`)));
    return environ;
  }
}

let lastSnapshot: ProcessSnapshot | null = null;

/**
 * The live processes of a job: its session (every process group in it), their descendants
 * that left it (setsid), and any process whose environment holds the job's `NAME=value` tag
 * entry (a daemon that double-forked away to init). With `maxAgeMs`, a reading of /proc that
 * recent may be reused: many jobs being killed at once then share one reading per poll instead
 * of each reading every process's environment.
 */
export function jobProcesses(sessionId: number, envTag: string | null, maxAgeMs = 0): ProcessInfo[] {
  if (!lastSnapshot || performance.now() - lastSnapshot.takenAt > maxAgeMs) lastSnapshot = new ProcessSnapshot();
  const snapshot = lastSnapshot;
  const table = snapshot.table;
  const members = new Set(table.filter((p) => p.session === sessionId).map((p) => p.pid));
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of table) {
      if (!members.has(p.pid) && members.has(p.ppid)) {
        members.add(p.pid);
        grew = true;
      }
    }
  }
  if (envTag !== null) {
    const needle = `\0${envTag}\0`;
    for (const p of table) {
      if (members.has(p.pid) || p.pid === process.pid) continue;
      const environ = snapshot.environ(p.pid);
      if (environ !== null && `\0${environ}`.includes(needle)) members.add(p.pid);
    }
  }
  return table.filter((p) => members.has(p.pid));
}

// Syscall numbers of the calls a program blocks in while it waits for terminal input, and
// which argument holds the call's timeout (`ms`: an int of milliseconds, `timespec`/`timeval`:
// a pointer, 0 meaning none).
interface WaitSyscall {
  kind: 'read' | 'select' | 'poll' | 'epoll';
  timeoutArg?: number;
  timeoutType?: 'ms' | 'timespec' | 'timeval';
}
const SYSCALLS: Record<string, Record<number, WaitSyscall>> = {
  x64: {
    0: { kind: 'read' },
    19: { kind: 'read' },
    23: { kind: 'select', timeoutArg: 4, timeoutType: 'timeval' },
    270: { kind: 'select', timeoutArg: 4, timeoutType: 'timespec' },
    7: { kind: 'poll', timeoutArg: 2, timeoutType: 'ms' },
    271: { kind: 'poll', timeoutArg: 2, timeoutType: 'timespec' },
    232: { kind: 'epoll', timeoutArg: 3, timeoutType: 'ms' },
    281: { kind: 'epoll', timeoutArg: 3, timeoutType: 'ms' },
    441: { kind: 'epoll', timeoutArg: 3, timeoutType: 'timespec' },
  },
  arm64: {
    63: { kind: 'read' },
    65: { kind: 'read' },
    72: { kind: 'select', timeoutArg: 4, timeoutType: 'timespec' },
    73: { kind: 'poll', timeoutArg: 2, timeoutType: 'timespec' },
    22: { kind: 'epoll', timeoutArg: 3, timeoutType: 'ms' },
    441: { kind: 'epoll', timeoutArg: 3, timeoutType: 'timespec' },
  },
};
const POLLIN = 0x1;
const EPOLLIN = 0x1;
/** Byte size of struct pollfd { int fd; short events; short revents; }. */
const POLLFD_BYTES = 8;
/** More fds than this in one wait is not an interactive program waiting on its terminal. */
const MAX_WAITED_FDS = 4096;
/**
 * A program waiting on the terminal with a shorter timeout than this is in the middle of
 * something (vim deciding whether Escape starts a key sequence, readline's keyseq-timeout)
 * and will act on its own: it is not waiting for the user yet. Idle REPLs wait forever, or
 * (node, vim) for seconds.
 */
const PENDING_TIMEOUT_MAX_MS = 1500;

function readMemory(pid: number, address: number, length: number): Buffer | null {
  let fd: number | null = null;
  try {
    fd = openSync(`/proc/${pid}/mem`, 'r');
    const buffer = Buffer.alloc(length);
    return readSync(fd, buffer, 0, length, address) === length ? buffer : null;
  } catch {
    return null;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** The timeout (ms) of a blocked call, or null for none (wait forever) or unreadable. */
function callTimeoutMs(pid: number, call: WaitSyscall, args: string[]): number | null {
  if (call.timeoutArg === undefined) return null;
  const raw = args[call.timeoutArg];
  if (call.timeoutType === 'ms') {
    const ms = Number(BigInt.asIntN(32, BigInt(raw)));
    return ms < 0 ? null : ms;
  }
  const address = Number(raw);
  if (address === 0) return null;
  const value = readMemory(pid, address, 16);
  if (value === null) return null;
  const fraction = Number(value.readBigInt64LE(8));
  return Number(value.readBigInt64LE(0)) * 1000 + (call.timeoutType === 'timeval' ? fraction / 1000 : fraction / 1e6);
}

/** The path every process opens for its controlling terminal. */
const CONTROLLING_TTY = '/dev/tty';

export type TerminalWait = 'waiting' | 'pending' | 'other' | 'unknown';

/**
 * What the process is blocked in: `waiting` for the terminal to become readable (read() on
 * it, or select/poll/epoll with it among the descriptors watched for input), `pending` when
 * that wait has a short timeout, `other` for anything else, `unknown` when the kernel does not
 * let us see.
 */
export function terminalWait(pid: number, ttyPath: string): TerminalWait {
  const calls = SYSCALLS[process.arch];
  const line = readText(`/proc/${pid}/syscall`);
  if (!calls || line === null) return 'unknown';
  const parts = line.trim().split(' ');
  if (parts[0] === 'running' || parts.length < 7) return 'other';
  const call = calls[Number(parts[0])];
  if (!call) return 'other';
  const args = parts.slice(1, 7);
  const nums = args.map((hex) => Number(hex));
  // /dev/tty is the opener's controlling terminal, which for the job's foreground group is the
  // job's own (getpass, sudo, ssh and gpg prompt there).
  const isTty = (fd: number) => {
    const link = readLink(`/proc/${pid}/fd/${fd}`);
    return link === ttyPath || link === CONTROLLING_TTY;
  };

  let watchesTty: boolean | null = false;
  if (call.kind === 'read') {
    watchesTty = isTty(nums[0]);
  } else if (call.kind === 'select') {
    const nfds = Math.min(nums[0], MAX_WAITED_FDS);
    const bits = nfds > 0 && nums[1] !== 0 ? readMemory(pid, nums[1], Math.ceil(nfds / 8)) : Buffer.alloc(0);
    if (bits === null) watchesTty = null;
    else for (let fd = 0; fd < nfds && !watchesTty; fd++) watchesTty = (bits[fd >> 3] & (1 << (fd & 7))) !== 0 && isTty(fd);
  } else if (call.kind === 'poll') {
    const nfds = Math.min(nums[1], MAX_WAITED_FDS);
    const fds = nfds > 0 ? readMemory(pid, nums[0], nfds * POLLFD_BYTES) : Buffer.alloc(0);
    if (fds === null) watchesTty = null;
    else for (let i = 0; i < nfds && !watchesTty; i++) watchesTty = (fds.readInt16LE(i * POLLFD_BYTES + 4) & POLLIN) !== 0 && isTty(fds.readInt32LE(i * POLLFD_BYTES));
  } else {
    const info = readText(`/proc/${pid}/fdinfo/${nums[0]}`);
    if (info === null) watchesTty = null;
    else for (const match of info.matchAll(/^tfd:\s*(\d+)\s+events:\s*([0-9a-f]+)/gm)) watchesTty ||= (Number.parseInt(match[2], 16) & EPOLLIN) !== 0 && isTty(Number(match[1]));
  }
  if (watchesTty === null) return 'unknown';
  if (!watchesTty) return 'other';
  const timeoutMs = callTimeoutMs(pid, call, args);
  return timeoutMs !== null && timeoutMs < PENDING_TIMEOUT_MAX_MS ? 'pending' : 'waiting';
}

/**
 * `ready`: some process of the terminal's foreground group waits for terminal input, and none
 * of that group is running. `pending`: it waits on the terminal only briefly (mid key
 * sequence). `busy`: anything else. `unknown`: /proc does not tell.
 */
export type InputState = 'ready' | 'pending' | 'busy' | 'unknown';

/** The terminal's foreground group now: its input state and the processes waiting on the terminal. */
export interface Foreground {
  state: InputState;
  /** Processes of the group blocked waiting for terminal input (empty unless `ready`). */
  readers: number[];
}

export function readForeground(leaderPid: number): Foreground {
  const leader = readProcess(leaderPid);
  const ttyPath = readLink(`/proc/${leaderPid}/fd/0`);
  if (!leader || !ttyPath || leader.tpgid <= 0) return { state: 'unknown', readers: [] };
  // The foreground group is the job's: its processes are the leader's descendants (the shim is their subreaper).
  const candidates = descendantsOf(leaderPid) ?? readProcessTable();
  const foreground = candidates.filter((p) => p.pgrp === leader.tpgid && p.pid !== leaderPid && p.state !== 'Z');
  if (foreground.length === 0 || foreground.some((p) => p.state === 'R' || p.state === 'D')) return { state: 'busy', readers: [] };
  const waits = foreground.map((p) => terminalWait(p.pid, ttyPath));
  const readers = foreground.filter((_, i) => waits[i] === 'waiting').map((p) => p.pid);
  if (readers.length > 0) return { state: 'ready', readers };
  if (waits.includes('pending')) return { state: 'pending', readers: [] };
  return { state: waits.includes('unknown') ? 'unknown' : 'busy', readers: [] };
}

/** TCP ports on which any of the processes listen (IPv4 and IPv6), ascending. */
export function listeningPorts(pids: readonly number[]): number[] {
  if (pids.length === 0) return [];
  const portByInode = new Map<string, number>();
  for (const table of ['tcp', 'tcp6']) {
    const text = readText(`/proc/${pids[0]}/net/${table}`);
    if (text === null) continue;
    for (const row of text.split('\n').slice(1)) {
      const cols = row.trim().split(/\s+/);
      // st 0A is TCP_LISTEN; local_address is HEXIP:HEXPORT.
      if (cols.length > 9 && cols[3] === '0A') portByInode.set(cols[9], Number.parseInt(cols[1].split(':')[1], 16));
    }
  }
  if (portByInode.size === 0) return [];
  const ports = new Set<number>();
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      const link = readLink(`/proc/${pid}/fd/${fd}`);
      const inode = link?.startsWith('socket:[') ? link.slice(8, -1) : null;
      const port = inode === null ? undefined : portByInode.get(inode);
      if (port !== undefined) ports.add(port);
    }
  }
  return [...ports].sort((a, b) => a - b);
}

/**
 * How many times the process has been scheduled onto a CPU (or null when it is gone): it grows
 * whenever the process wakes up, so a reader that took input shows up even if it went back to
 * sleep before we looked.
 */
export function processScheduleCount(pid: number): number | null {
  const text = readText(`/proc/${pid}/schedstat`);
  return text === null ? null : Number(text.trim().split(' ')[2]) || 0;
}

/**
 * Bytes the processes have written in all (`wchar` of /proc/<pid>/io: to the terminal, pipes
 * and files alike), or null when one of them cannot be read (gone, or not ours).
 */
export function writtenBytes(pids: readonly number[]): number | null {
  let total = 0;
  for (const pid of pids) {
    const text = readText(`/proc/${pid}/io`);
    const match = text === null ? null : /^wchar:\s*(\d+)/m.exec(text);
    if (match === null) return null;
    total += Number(match[1]);
  }
  return total;
}

/** The terminal's readers just before input is written: what tells later whether they took it. */
export interface ReadersMark {
  /** Whether the foreground group was waiting for terminal input. */
  waiting: boolean;
  /** The schedule count of each process then waiting on the terminal. */
  counts: Map<number, number>;
  /** Bytes those readers had written in all (see writtenBytes). */
  written: number | null;
}

export function markReaders(leaderPid: number): ReadersMark {
  const { state, readers } = readForeground(leaderPid);
  return {
    waiting: state === 'ready',
    counts: new Map(readers.map((pid) => [pid, processScheduleCount(pid) ?? 0])),
    written: writtenBytes(readers),
  };
}
