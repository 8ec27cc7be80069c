// Ends a job's whole process tree: the signal to every process and process group of the job,
// then SIGKILL to whatever is left after the grace period.
import { setTimeout as sleep } from 'node:timers/promises';
import { hasProcfs, jobProcesses } from './procfs.js';

/** How often the process table is re-read while waiting for processes to go. */
const POLL_INTERVAL_MS = 20;
/** While waiting, a reading of /proc this recent is good enough (shared by jobs killed together). */
const POLL_SNAPSHOT_MAX_AGE_MS = POLL_INTERVAL_MS / 2;
/** How long SIGKILLed processes get to disappear from the table before we call them survivors. */
const SIGKILL_SETTLE_MS = 1000;
/** SIGKILL sweeps, each re-reading the table, for trees that fork while being killed. */
const SIGKILL_SWEEPS = 5;

export interface KillTarget {
  /** The job's session leader (its first process). */
  leaderPid: number;
  /** The job's environment tag, which finds daemons that left the session. */
  envTag: string | null;
}

function signalAll(pids: Iterable<number>, groups: Iterable<number>, signal: NodeJS.Signals): void {
  for (const pgrp of groups) {
    try {
      process.kill(-pgrp, signal);
    } catch {
      /* the group is gone already */
    }
  }
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      /* the process is gone already */
    }
  }
}

function snapshot(target: KillTarget, maxAgeMs = 0): { pids: number[]; groups: Set<number> } {
  if (!hasProcfs) return { pids: [target.leaderPid], groups: new Set([target.leaderPid]) };
  const procs = jobProcesses(target.leaderPid, target.envTag, maxAgeMs).filter((p) => p.pid !== process.pid);
  // A group is the job's when it lies in the job's session or one of the job's processes leads it.
  const groups = new Set(procs.filter((p) => p.session === target.leaderPid || p.pgrp === p.pid).map((p) => p.pgrp));
  return { pids: procs.map((p) => p.pid), groups };
}

async function waitUntilGone(target: KillTarget, timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = snapshot(target, POLL_SNAPSHOT_MAX_AGE_MS).pids;
    if (left.length === 0 || Date.now() >= deadline) return left;
    await sleep(POLL_INTERVAL_MS);
  }
}

/**
 * Sends `signal` to the job's tree, waits up to `graceMs` for it to end, then SIGKILLs what
 * is left. Resolves with the pids that survived even SIGKILL (normally none).
 */
export async function killTree(target: KillTarget, signal: NodeJS.Signals, graceMs: number): Promise<number[]> {
  const first = snapshot(target);
  if (first.pids.length === 0) return [];
  signalAll(first.pids, first.groups, signal);
  if (signal === 'SIGKILL') return waitUntilGone(target, SIGKILL_SETTLE_MS);
  const left = await waitUntilGone(target, graceMs);
  if (left.length === 0) return [];
  for (let sweep = 0; sweep < SIGKILL_SWEEPS; sweep++) {
    const { pids, groups } = snapshot(target);
    if (pids.length === 0) return [];
    signalAll(pids, groups, 'SIGKILL');
    await sleep(POLL_INTERVAL_MS);
  }
  return waitUntilGone(target, SIGKILL_SETTLE_MS);
}
