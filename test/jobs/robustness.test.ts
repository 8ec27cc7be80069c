// The lifecycle promises, checked against the process table rather than the server's word.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { spawn, spawnSync } from 'node:child_process';
import { jobProcesses, readProcessTable } from '../../src/jobs/procfs.js';
import { withHost } from '../helpers/host.js';
import { FIXTURES, ROOT, tempDir } from '../helpers/paths.js';
import { isProcessAlive, processesMatching } from '../helpers/processes.js';
import { waitUntil } from '../helpers/wait.js';

/** Pids of every live process in the job's session (the job's tree while it runs). */
function sessionPids(leader: number): number[] {
  return readProcessTable().filter((p) => p.session === leader && p.state !== 'Z').map((p) => p.pid);
}

test('kill ends trees that resist: interactive bash, traps, background children, setsid, daemons', async () => {
  await withHost(async ({ manager, host, session }) => {
    const cases = [
      { command: "env PS1='$ ' bash --norc -i", marker: null },
      { command: `sh ${join(FIXTURES, 'stubborn.sh')}`, marker: null },
      { command: "sh -c \"trap '' HUP; sleep 5101 & sleep 5102\"", marker: 'sleep 5101' },
      { command: "sh -c 'setsid sleep 5103 & wait'", marker: 'sleep 5103' },
      { command: `sh ${join(FIXTURES, 'daemon.sh')} 5104; sleep 5105`, marker: 'sleep 5104' },
    ];
    for (const { command, marker } of cases) {
      const job = manager.start({ command });
      if (marker) await waitUntil(() => processesMatching(marker).length === 1, `${marker} to start`);
      else await host.wait(session, { job_id: job.id, input: true, pattern: 'ready', timeout_ms: 10_000 });
      const leftover = marker ? processesMatching(marker) : [];
      const tree = sessionPids(job.pid);
      assert.ok(tree.length >= 2, command);
      const { result, survivors } = await manager.kill(job.id, 'SIGTERM', 500);
      assert.equal(result, 'killed', command);
      assert.deepEqual(survivors, [], command);
      assert.equal(job.status, 'killed', command);
      for (const pid of [...tree, ...leftover]) assert.equal(isProcessAlive(pid), false, `${command}: pid ${pid} survived`);
    }
  });
});

test('a process whose environment is far bigger than one read is still found by its job tag', async () => {
  // The tag comes after 200 KB of environment, so a truncated read would miss it.
  const tag = `PTYJOBS_JOB=test-${process.pid}-big-env`;
  const big = Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`BIG${i}`, 'x'.repeat(50_000)])); // one string may not pass 128 KB
  const child = spawn('sleep', ['30'], { env: { PATH: process.env.PATH, ...big, PTYJOBS_JOB: tag.split('=')[1] }, stdio: 'ignore' });
  try {
    await waitUntil(() => isProcessAlive(child.pid!), 'the child to start');
    await waitUntil(() => jobProcesses(-1, tag).some((p) => p.pid === child.pid), 'the child to be found by its tag');
  } finally {
    child.kill('SIGKILL');
  }
});

test('background processes left by a finished job end with it', async () => {
  await withHost(async ({ manager }) => {
    const job = manager.start({ command: 'nohup sleep 5106 >/dev/null 2>&1 & echo started' });
    await job.ended;
    await job.closed;
    assert.deepEqual(processesMatching('sleep 5106'), []);
  });
});

test('per-job and default timeouts end the tree with status timed_out', async () => {
  await withHost(
    async ({ manager }) => {
      const own = manager.start({ command: 'sleep 5107 & sleep 5108', timeoutS: 0.5 });
      const byDefault = manager.start({ command: 'sleep 5109' });
      await Promise.all([own.ended, byDefault.ended]);
      assert.equal(own.status, 'timed_out');
      assert.equal(byDefault.status, 'timed_out');
      await Promise.all([own.closed, byDefault.closed]);
      for (const marker of ['sleep 5107', 'sleep 5108', 'sleep 5109']) assert.deepEqual(processesMatching(marker), [], marker);
    },
    { PTYJOBS_JOB_TIMEOUT_S: '1' },
  );
});

test('finished jobs are evicted after the retention period; running jobs never', async () => {
  await withHost(
    async ({ manager }) => {
      const done = manager.start({ command: 'true' });
      const running = manager.start({ command: 'sleep 5110' });
      await done.ended;
      await waitUntil(() => !manager.list().some((j) => j.id === done.id), 'the finished job to be evicted', 10_000);
      assert.throws(() => manager.get(done.id), /No job with id/);
      assert.equal(manager.get(running.id).status, 'running');
    },
    { PTYJOBS_RETENTION_S: '1' },
  );
});

test('no output is lost on fast exit: 200 runs each of 20 KB and 1 MB', async () => {
  await withHost(
    async ({ manager }) => {
      for (const size of [20_000, 1_000_000]) {
        let complete = 0;
        for (let batch = 0; batch < 20; batch++) {
          const jobs = Array.from({ length: 10 }, () => manager.start({ command: `head -c ${size} /dev/zero | tr '\\0' x; printf END; exit 7` }));
          await Promise.all(jobs.map((job) => job.ended));
          for (const job of jobs) {
            // The pty turns nothing into CRLF here (no newlines): bytes in = bytes out.
            if (job.log.end === size + 3 && job.log.read(size).bytes.toString() === 'END' && job.exitCode === 7) complete++;
          }
          await Promise.all(jobs.map((job) => job.closed));
        }
        assert.equal(complete, 200, `${size} bytes: ${complete}/200 runs complete`);
      }
    },
    { PTYJOBS_MAX_JOBS: '20', PTYJOBS_MAX_OUTPUT_BYTES: '2MB', PTYJOBS_RETENTION_S: '0' },
  );
});

test('floods keep memory bounded and the server answering', async () => {
  await withHost(
    async ({ manager, host, session }) => {
      const baseline = process.memoryUsage().rss;
      const floods = [
        manager.start({ command: 'yes' }),
        manager.start({ command: "yes | tr -d '\\n'" }),
        manager.start({ command: 'cat /dev/urandom' }),
        manager.start({ command: "while :; do head -c 2000000 /dev/zero | tr '\\0' y; echo; done" }),
      ];
      let peak = 0;
      let slowest = 0;
      const until = Date.now() + 4000;
      while (Date.now() < until) {
        const started = Date.now();
        await host.list(session);
        await host.tail(session, { job_id: floods[0].id, lines: 20 });
        await host.wait(session, { job_id: floods[1].id, idle_ms: 1, timeout_ms: 1 });
        slowest = Math.max(slowest, Date.now() - started);
        peak = Math.max(peak, process.memoryUsage().rss);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      for (const job of floods) assert.ok(job.log.end > 1_000_000, `${job.spec.command} produced output`);
      // 4 jobs × (2 MB ring + a 1000-line screen) plus parser backlogs bounded by the pause watermark.
      const grownMb = (peak - baseline) / 2 ** 20;
      assert.ok(grownMb < 300, `RSS grew by ${grownMb.toFixed(0)} MB`);
      assert.ok(slowest < 2000, `a read took ${slowest} ms during the flood`);
      console.error(`flood: RSS +${grownMb.toFixed(0)} MB, slowest read ${slowest} ms`);
    },
    { PTYJOBS_MAX_OUTPUT_BYTES: '2MB' },
  );
});

test('out of file descriptors: starting a job says so and what to raise, and the server keeps serving', async () => {
  // The server under a low descriptor limit, as a real process (the limit is per process).
  const script = `
    import('${ROOT}/dist/test/helpers/host.js').then(async ({ withHost }) => {
      await withHost(async ({ host, session }) => {
        const errors = [];
        for (let i = 0; i < 400; i++) {
          try { await host.execute(session, { command: 'sleep 30' }); } catch (error) { errors.push(error.message); break; }
        }
        console.log(JSON.stringify({ error: errors[0] ?? null, list: (await host.list(session)).jobs.length }));
      }, { PTYJOBS_MAX_JOBS: '1000' });
    });`;
  const file = join(tempDir('ptyjobs-fds-'), 'server.mjs');
  writeFileSync(file, script);
  const result = spawnSync('sh', ['-c', 'ulimit -n 160; exec "$0" "$1"', process.execPath, file], { encoding: 'utf8', timeout: 60_000 });
  assert.match(result.stdout, /^\{/m, `the server printed no outcome: ${result.stderr}`);
  const outcome = JSON.parse(result.stdout.trim().split('\n').at(-1)!);
  assert.match(outcome.error, /out of file descriptors \(\d+ of its limit of 160 are open.*ulimit -n/, result.stderr);
  assert.ok(outcome.list > 0, 'the jobs that started are listed');
});
