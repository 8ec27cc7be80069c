// Whether a process is running, as any client of a host may ask (not a zombie: a SIGKILLed
// daemon that its starter has not reaped yet is gone for every purpose).
import { readFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
}

/** A finished process's status as a shell reports it: its exit code, or 128 + the signal's number. */
export function exitStatus(exitCode: number | null, signal: string | null): number {
  if (!signal) return exitCode ?? 0;
  return 128 + ((osConstants.signals as Record<string, number>)[signal] ?? 1);
}

/** How a job ended, for people: "exit 3" or "SIGKILL". */
export function endedHow(exitCode: number | null, signal: string | null): string {
  return signal ?? `exit ${exitCode ?? 0}`;
}
