// CPU load for a test body: two busy loops per core, as on a busy CI machine, always ended;
// and a stalled thread pool, which delays input on its way to a job's terminal.
// Each loop runs in a session of its own: with the kernel's autogroup scheduling (on by default)
// CPU time is shared between sessions first, so loops in the test's own session would only slow
// the test process and never the jobs (each job is a session).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

const LOOPS_PER_CORE = 2;
/** libuv's thread pool size unless UV_THREADPOOL_SIZE says otherwise. */
const DEFAULT_THREADPOOL_SIZE = 4;

/** Runs `body` while 2 busy loops per core spin, and kills them however `body` ends. */
export async function withLoad<T>(body: () => Promise<T>): Promise<T> {
  const loops: ChildProcess[] = [];
  try {
    for (let i = 0; i < availableParallelism() * LOOPS_PER_CORE; i++) {
      loops.push(spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore', detached: true }));
    }
    return await body();
  } finally {
    await Promise.all(loops.map(stopLoop));
  }
}

function stopLoop(loop: ChildProcess): Promise<void> {
  if (loop.exitCode !== null || loop.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    loop.once('exit', () => resolve());
    loop.kill('SIGKILL');
  });
}

/**
 * Holds every thread of libuv's pool for about `ms` (each blocked opening a FIFO that nobody
 * opens for writing yet): file writes queue behind them, as node-pty's input writes (made
 * through the pool) do when a loaded machine runs the pool late. Resolves once released.
 */
export async function stallThreadPool(ms: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ptyjobs-stall-'));
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  try {
    const readers = Array.from({ length: Number(process.env.UV_THREADPOOL_SIZE ?? DEFAULT_THREADPOOL_SIZE) }, () => open(fifo, 'r'));
    await new Promise((resolve) => setTimeout(resolve, ms));
    // Opened for reading and writing, a FIFO never blocks the opener, and it frees every reader,
    // also one whose open() has not started yet (it is held open until they all are through).
    const writer = openSync(fifo, 'r+');
    for (const reader of await Promise.all(readers)) await reader.close();
    closeSync(writer);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
