// CPU load for a test body: two busy loops per core, as on a busy CI machine, always ended.
// Each loop runs in a session of its own: with the kernel's autogroup scheduling (on by default)
// CPU time is shared between sessions first, so loops in the test's own session would only slow
// the test process and never the jobs (each job is a session).
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';

const LOOPS_PER_CORE = 2;

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
