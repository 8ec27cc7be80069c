// Processes as /proc shows them: alive, or found by command line or name.
import { existsSync, readdirSync, readFileSync } from 'node:fs';

export function isProcessAlive(pid: number): boolean {
  if (!existsSync(`/proc/${pid}`)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Pids of live processes whose argv, joined by spaces, is exactly `commandLine`. */
export function processesMatching(commandLine: string): number[] {
  const found: number[] = [];
  for (const name of readdirSafe('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').slice(0, -1);
      if (argv.join(' ') === commandLine && isProcessAlive(Number(name))) found.push(Number(name));
    } catch {
      /* gone */
    }
  }
  return found;
}

/** Pids of live processes whose name (/proc/PID/comm, e.g. "socat", "pylsp") is `name`. */
export function processesNamed(name: string): number[] {
  return readdirSafe('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        return readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name && isProcessAlive(Number(entry));
      } catch {
        return false;
      }
    })
    .map(Number);
}

function readdirSafe(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}
