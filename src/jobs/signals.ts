// Signal names ⇄ numbers, and the names callers may use ("TERM", "sigint", "SIGKILL").
import { constants as osConstants } from 'node:os';
import { JobError } from '../errors.js';

const SIGNAL_NAMES = new Map<number, string>(Object.entries(osConstants.signals).map(([name, num]) => [num, name]));

export function signalName(signal: number): string {
  return SIGNAL_NAMES.get(signal) ?? `SIG${signal}`;
}

/** A signal name in any case, with or without SIG; throws a JobError listing common names. */
export function normalizeSignal(name: string): NodeJS.Signals {
  const upper = name.trim().toUpperCase();
  const full = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  if (!(full in osConstants.signals)) throw new JobError(`Unknown signal "${name}". Use a name such as SIGTERM, SIGINT, SIGHUP or SIGKILL.`);
  return full as NodeJS.Signals;
}

/** Whether a process exists (signal 0; one we may not signal exists too). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
