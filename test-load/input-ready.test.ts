// Input-ready under CPU load (two busy loops per core) and with input held up on its way to the
// terminal: every answer of a REPL is in the result of the interact that asked for it, whether
// the interact settles or waits for input. Run on its own after the main suite (npm test): its
// busy loops would slow whatever test file ran beside it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobHost } from '../src/host/job-host.js';
import type { Session } from '../src/host/session.js';
import type { JobManager } from '../src/jobs/manager.js';
import { INPUT, withHost } from '../test/helpers/host.js';
import { waitUntil } from '../test/helpers/wait.js';
import { stallThreadPool, withLoad } from '../test/helpers/load.js';

const ROUNDS = 100;
/** Longer than the old 250 ms wake grace and the settle's 150 ms idle, well within its 1.5 s bound. */
const POOL_STALL_MS = 500;

interface Repl {
  command: string;
  prompt: string;
  ask: (n: number) => string;
}

const PYTHON: Repl = { command: 'python3 -q', prompt: '>>> ', ask: (n) => `${n}+1\n` };
const BASH: Repl = { command: "env PS1='$ ' bash --norc -i", prompt: '$ ', ask: (n) => `echo $((${n}+1))\n` };

/** Starts the REPL and waits until its prompt is in the log (startup is not what is measured here). */
async function startRepl(host: JobHost, session: Session, manager: JobManager, repl: Repl): Promise<string> {
  const run = await host.execute(session, { command: repl.command, wait: INPUT });
  const job = manager.get(run.job.job_id);
  await waitUntil(() => job.log.read(0).bytes.toString().endsWith(repl.prompt), `the first ${repl.prompt}`);
  return job.id;
}

/** ROUNDS interacts in a row; returns the results that do not read exactly `answer`, prompt. */
async function askInARow(repl: Repl, wait: typeof INPUT | undefined): Promise<string[]> {
  return withHost(async ({ host, session, manager }) => {
    const jobId = await startRepl(host, session, manager, repl);
    const missed: string[] = [];
    for (let n = 1; n <= ROUNDS; n++) {
      const result = await host.interact(session, { job_id: jobId, input: repl.ask(n), ...(wait && { wait }) });
      const expected = `${n + 1}\n${repl.prompt}`;
      if (result.output !== expected) missed.push(`${n}: ${JSON.stringify(result.output)} (${result.reason ?? 'settled'}, queued ${result.queued_input_bytes ?? 0})`);
    }
    return missed;
  });
}

for (const repl of [PYTHON, BASH]) {
  for (const wait of [undefined, INPUT]) {
    test(`under load, ${ROUNDS} interacts in a row into ${repl.command} (${wait ? 'wait for input' : 'settle'}) each return their answer`, async () => {
      const missed = await withLoad(() => askInARow(repl, wait));
      assert.deepEqual(missed, [], `${missed.length} of ${ROUNDS} answers missed`);
    });
  }
}

// The input-ready cases of waits.test.ts, under load.

test('under load, input-ready: python3, bash, node and `read x` in sh; not while sleep runs in the foreground', async () => {
  await withLoad(() =>
    withHost(async ({ host, session, manager }) => {
      for (const command of ['python3 -q', "env PS1='$ ' bash --norc -i", 'node', "sh -c 'read x; echo got-$x'"]) {
        assert.equal((await host.execute(session, { command, wait: INPUT })).reason, 'input', command);
      }
      const shell = await startRepl(host, session, manager, BASH);
      const started = Date.now();
      const slept = await host.interact(session, { job_id: shell, input: 'sleep 2; echo slept\n', wait: INPUT });
      assert.equal(slept.reason, 'input');
      assert.ok(Date.now() - started >= 1900, `returned after ${Date.now() - started} ms, while sleep ran`);
      assert.equal(slept.output, 'slept\n$ ', `the log: ${JSON.stringify(manager.get(shell).log.read(0).bytes.toString())}`);
    }),
  );
});

test('under load, send-then-wait in one interact returns the answer', async () => {
  await withLoad(() =>
    withHost(async ({ host, session }) => {
      const run = await host.execute(session, { command: "sh -c 'read x; echo got-$x; read y'", wait: INPUT });
      const answer = await host.interact(session, { job_id: run.job.job_id, input: 'abc\n', wait: INPUT });
      assert.equal(answer.reason, 'input');
      assert.equal(answer.output, 'got-abc\n');
    }),
  );
});

test('under load, a multi-line python function pasted into the python REPL', async () => {
  await withLoad(() =>
    withHost(async ({ host, session, manager }) => {
      const python = await startRepl(host, session, manager, PYTHON);
      await host.interact(session, { job_id: python, input: 'def triple(n):\n    return n * 3\n\n', wait: INPUT });
      const tripled = await host.interact(session, { job_id: python, input: 'triple(14)\n', wait: INPUT });
      assert.equal(tripled.output, '42\n>>> ');
    }),
  );
});

test('under load, a partial line in cooked mode counts as taken once the reader stays blocked', async () => {
  await withLoad(() =>
    withHost(async ({ host, session }) => {
      const run = await host.execute(session, { command: "sh -c 'read x; echo got-$x; read y'", wait: INPUT });
      const partial = await host.interact(session, { job_id: run.job.job_id, input: 'ab', wait: INPUT });
      assert.deepEqual([partial.reason, partial.output], ['input', '']);
      const rest = await host.interact(session, { job_id: run.job.job_id, input: 'c\n', wait: INPUT });
      assert.equal(rest.output, 'got-abc\n');
    }),
  );
});

test('input still in the thread pool on its way to the terminal is not taken for ready: settle and wait', async () => {
  await withHost(async ({ host, session, manager }) => {
    const jobId = await startRepl(host, session, manager, PYTHON);
    for (const wait of [undefined, INPUT]) {
      // node-pty writes input through libuv's pool: held longer than any grace for a reader to wake.
      const stalled = stallThreadPool(POOL_STALL_MS);
      const result = await host.interact(session, { job_id: jobId, input: '300+1\n', ...(wait && { wait }) });
      await stalled;
      assert.equal(result.output, `301\n${PYTHON.prompt}`, wait ? 'wait for input' : 'settle');
    }
  });
});
