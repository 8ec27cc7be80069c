// Waiting without sleeps: patterns over text not shown yet, quiet, exit, input-ready; typing,
// pastes, big input, and incremental reads that neither skip nor repeat a byte.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { INPUT, withHost } from '../helpers/host.js';
import { waitUntil } from '../helpers/wait.js';

test('a pattern wait returns when the text appears; a later wait never matches it again', async () => {
  await withHost(async ({ host, session }) => {
    const run = await host.execute(session, { command: "sh -c 'sleep 0.5; echo READY; sleep 30'" });
    const started = Date.now();
    const ready = await host.wait(session, { job_id: run.job.job_id, pattern: '^READY$', timeout_ms: 20_000 });
    assert.deepEqual([ready.reason, ready.match], ['pattern', 'READY']);
    assert.ok(Date.now() - started < 10_000);
    assert.equal(ready.job.status, 'running');
    // READY was in that result: it is stale now, though still on the screen.
    const again = await host.wait(session, { job_id: run.job.job_id, pattern: 'READY', timeout_ms: 500 });
    assert.equal(again.reason, 'timeout');
    // An explicit offset from before it makes it new again.
    const since = await host.wait(session, { job_id: run.job.job_id, pattern: 'READY', since: 0, timeout_ms: 2000 });
    assert.equal(since.reason, 'pattern');
  });
});

test('text that arrived unseen before the wait matches at once, also after it scrolled off the screen', async () => {
  await withHost(async ({ host, session }) => {
    const run = await host.execute(session, { command: 'echo SERVER-UP; seq 1 500; sleep 30', rows: 10 });
    await waitUntil(async () => (await host.tail(session, { job_id: run.job.job_id, lines: 1 })).lines[0] === '500', 'the output');
    const started = Date.now();
    const up = await host.wait(session, { job_id: run.job.job_id, pattern: 'SERVER-UP', timeout_ms: 5000 });
    assert.equal(up.reason, 'pattern');
    assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
  });
});

test('exit, idle and timeout', async () => {
  await withHost(async ({ host, session }) => {
    const sleeper = await host.execute(session, { command: 'sleep 2', wait: { exit: true, timeout_ms: 20_000 } });
    assert.deepEqual([sleeper.reason, sleeper.job.status], ['exit', 'completed']);
    const quiet = await host.execute(session, { command: 'seq 1 3; sleep 30', wait: { idle_ms: 300, timeout_ms: 10_000 } });
    assert.deepEqual([quiet.reason, quiet.output], ['idle', '1\n2\n3\n']);
    const busy = await host.execute(session, { command: 'sleep 30', wait: { pattern: 'never', timeout_ms: 200 } });
    assert.deepEqual([busy.reason, busy.job.status], ['timeout', 'running']);
  });
});

test('input-ready: python3, bash, node and `read x` in sh; not while sleep runs in the foreground', async () => {
  await withHost(async ({ host, session, manager }) => {
    for (const command of ['python3 -q', "env PS1='$ ' bash --norc -i", 'node', "sh -c 'read x; echo got-$x'"]) {
      assert.equal((await host.execute(session, { command, wait: INPUT })).reason, 'input', command);
    }
    const shell = await host.execute(session, { command: "env PS1='$ ' bash --norc -i", wait: INPUT });
    const started = Date.now();
    const slept = await host.interact(session, { job_id: shell.job.job_id, input: 'sleep 2; echo slept\n', wait: INPUT });
    assert.equal(slept.reason, 'input');
    assert.ok(Date.now() - started >= 1900, `returned after ${Date.now() - started} ms, while sleep ran`);
    assert.equal(slept.output, 'slept\n$ ', `the log: ${JSON.stringify(manager.get(shell.job.job_id).log.read(0).bytes.toString())}`);
  });
});

test('send-then-wait in one interact returns the answer', async () => {
  await withHost(async ({ host, session }) => {
    const run = await host.execute(session, { command: "sh -c 'read x; echo got-$x; read y'", wait: INPUT });
    const answer = await host.interact(session, { job_id: run.job.job_id, input: 'abc\n', wait: INPUT });
    assert.equal(answer.reason, 'input');
    assert.equal(answer.output, 'got-abc\n');
  });
});

const PYTHON_FUNCTION = 'def triple(n):\n    return n * 3\n\n';

test('a multi-line python function pasted into the python REPL and into bash', async () => {
  await withHost(async ({ host, session, manager }) => {
    const python = await host.execute(session, { command: 'python3 -q', wait: INPUT });
    await host.interact(session, { job_id: python.job.job_id, input: PYTHON_FUNCTION, wait: INPUT });
    const tripled = await host.interact(session, { job_id: python.job.job_id, input: 'triple(14)\n', wait: INPUT });
    assert.equal(tripled.output, '42\n>>> ');

    // bash turned bracketed paste on: the paste arrives as one piece, and a heredoc runs it.
    const bash = await host.execute(session, { command: "env PS1='$ ' bash --norc -i", wait: INPUT });
    assert.equal(manager.get(bash.job.job_id).screen.modes.bracketedPaste, true);
    const script = `python3 - <<'EOF'\n${PYTHON_FUNCTION.trimEnd()}\nprint(triple(5))\nEOF\n`;
    const ran = await host.interact(session, { job_id: bash.job.job_id, input: script, wait: { pattern: '^15$', timeout_ms: 15_000 } });
    assert.equal(ran.reason, 'pattern');
  });
});

test('1 MB of input reaches a raw-mode reader intact', async () => {
  await withHost(async ({ host, session }) => {
    const run = await host.execute(session, { command: "sh -c 'stty raw -echo; head -c 1000000 | wc -c'", wait: INPUT });
    const chunk = 'abcdefghij'.repeat(100);
    const done = await host.interact(session, { job_id: run.job.job_id, input: chunk.repeat(1000), wait: { exit: true, timeout_ms: 60_000 } });
    assert.equal(done.job.status, 'completed');
    assert.match(done.output ?? '', /^\s*1000000\n$/);
  });
});

test('a child that stops reading cannot hang interact', async () => {
  await withHost(async ({ host, session }) => {
    const run = await host.execute(session, { command: "sh -c 'stty raw -echo; sleep 30'", wait: { idle_ms: 200 } });
    const started = Date.now();
    const typed = await host.interact(session, { job_id: run.job.job_id, input: 'x'.repeat(200_000) });
    assert.ok(Date.now() - started < 5000);
    assert.ok((typed.queued_input_bytes ?? 0) > 0, 'the unread input is reported as queued');
  });
});

test('output reads during a steady producer neither skip nor repeat a byte', async () => {
  await withHost(async ({ host, session, manager }) => {
    const run = await host.execute(session, { command: 'for i in $(seq 1 3000); do echo "line $i"; done' });
    const job = manager.get(run.job.job_id);
    let since = 0;
    let text = '';
    while (job.status === 'running' || since < job.log.end) {
      const read = await host.output(session, { job_id: job.id, since, max_bytes: 1997 }); // an odd size, to cut inside lines and CRLFs
      assert.equal(read.dropped_bytes, 0);
      text += read.text;
      since = read.next;
      if (read.text === '') await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.equal(text, Array.from({ length: 3000 }, (_, i) => `line ${i + 1}\n`).join(''));
  });
});

test('consecutive interact/wait results do not repeat output', async () => {
  await withHost(async ({ host, session }) => {
    const run = await host.execute(session, { command: "sh -c 'echo first; read x; echo second-$x; sleep 30'", wait: INPUT });
    assert.equal(run.output, 'first\n');
    const second = await host.interact(session, { job_id: run.job.job_id, input: 'y\n', wait: { pattern: 'second-y', timeout_ms: 10_000 } });
    assert.equal(second.output, 'second-y\n');
    const quiet = await host.wait(session, { job_id: run.job.job_id, idle_ms: 100, timeout_ms: 5000 });
    assert.equal(quiet.output, '');
  });
});

test('reading past the ring says how much was dropped', async () => {
  await withHost(
    async ({ host, session }) => {
      const run = await host.execute(session, { command: 'seq 1 20000', wait: { exit: true } });
      assert.ok(run.omitted && run.omitted.from === 0 && run.omitted.to > 0, JSON.stringify(run.omitted));
      const read = await host.output(session, { job_id: run.job.job_id, max_bytes: 1024 });
      assert.ok(read.dropped_bytes > 0);
      assert.equal((await host.status(session, { job_id: run.job.job_id, lines: 1 })).tail[0], '20000');
    },
    { PTYJOBS_MAX_OUTPUT_BYTES: '4KB' },
  );
});
