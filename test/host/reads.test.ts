// What a client reads: nothing the job printed between two of its results is skipped or
// repeated, a settle that gave up says so, list never hides a running job, unknown arguments
// are named, and multi-line input can be typed key by key.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { INPUT_MARKER } from '../../src/host/new-output.js';
import { INPUT, withHost } from '../helpers/host.js';
import { tempDir } from '../helpers/paths.js';
import { waitUntil } from '../helpers/wait.js';

const BASH = "env PS1='$ ' bash --norc -i";

test('python: a late answer that arrived between two interacts is in the next result, before the marker of the new input', async () => {
  await withHost(async ({ host, session, manager }) => {
    const run = await host.execute(session, { command: 'python3 -q', wait: INPUT });
    const id = run.job.job_id;
    const first = await host.interact(session, { job_id: id, input: "import time; time.sleep(1); print('late result', 1 + 1)\n" });
    assert.doesNotMatch(first.output ?? '', /late result 2/, 'the settle returned while python slept');
    assert.equal(first.still_running, true, 'and said so');
    await waitUntil(() => manager.get(id).log.read(0).bytes.toString().includes('late result 2'), 'python to print');
    const second = await host.interact(session, { job_id: id, input: '2+2\n' });
    assert.equal(second.output, `late result 2\n>>> \n${INPUT_MARKER}4\n>>> `);
    assert.equal(second.still_running, undefined);
    const quiet = await host.wait(session, { job_id: id, idle_ms: 300 });
    assert.equal(quiet.output, '', 'nothing repeated');
  });
});

test('bash: background ticks printed between calls all reach the agent, each once', async () => {
  await withHost(async ({ host, session }) => {
    const run = await host.execute(session, { command: BASH, wait: INPUT });
    const id = run.job.job_id;
    const outputs = [
      (await host.interact(session, { job_id: id, input: '(for i in 1 2 3 4 5; do sleep .4; echo tick$i; done) &\n', wait: INPUT })).output,
      (await host.interact(session, { job_id: id, input: 'echo hi\n', wait: INPUT })).output,
    ];
    while (!outputs.join('').includes('tick5')) outputs.push((await host.wait(session, { job_id: id, pattern: 'tick\\d', timeout_ms: 5000 })).output);
    outputs.push((await host.wait(session, { job_id: id, idle_ms: 300 })).output);
    const seen = outputs.join('');
    for (let i = 1; i <= 5; i++) assert.equal(seen.split(`tick${i}`).length - 1, 1, `tick${i} shown exactly once in:\n${seen}`);
    assert.match(seen, /^\$? ?hi$/m);
  });
});

test('list shows every running job first, finished ones after, and how to see the rest', async () => {
  await withHost(async ({ host, session }) => {
    const repl = await host.execute(session, { command: 'python3 -q' });
    for (let i = 0; i < 40; i++) await host.execute(session, { command: `echo build step ${i} ${'x'.repeat(250)}`, wait: { exit: true, timeout_ms: 15_000 } });
    const list = await host.list(session);
    assert.equal(list.jobs[0].job_id, repl.job.job_id, 'the running REPL leads');
    assert.ok((list.omitted_jobs ?? 0) > 0, 'finished jobs beyond the budget are counted');
    const finished = await host.list(session, { status: 'finished' });
    assert.ok(finished.jobs.every((job) => job.status !== 'running'));
    const running = await host.list(session, { status: 'running' });
    assert.deepEqual(running.jobs.map((job) => job.job_id), [repl.job.job_id]);
  });
});

test('multi-line input into vim: a paste by default, key presses with paste: false', async () => {
  await withHost(async ({ host, session }) => {
    const dir = tempDir('ptyjobs-paste-');
    const run = await host.execute(session, { command: 'vim -u NONE -N', cwd: dir, rows: 12, cols: 60, wait: INPUT });
    const id = run.job.job_id;
    const typed = await host.interact(session, { job_id: id, input: 'Goadded by agent\nsecond added line', keys: ['Escape'], paste: false, wait: INPUT });
    assert.deepEqual(typed.screen?.lines?.slice(0, 3), ['', 'added by agent', 'second added line'], 'typed as keys: o opened a line in normal mode');
  });
});

test('a settle on a program at its prompt does not say still running', async () => {
  await withHost(async ({ host, session }) => {
    const run = await host.execute(session, { command: 'python3 -q', wait: INPUT });
    const answer = await host.interact(session, { job_id: run.job.job_id, input: '6*7\n' });
    assert.equal(answer.output, '42\n>>> ');
    assert.equal(answer.still_running, undefined);
  });
});
