// Waiting without sleeps: patterns, quiet, exit, input-ready; typing, pastes, big input, and
// incremental reads that neither skip nor repeat a byte.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitUntil, withManager } from '../helpers.js';

test('a pattern wait returns when the text appears, the job still running', async () => {
  await withManager(async (manager) => {
    const job = manager.start({ command: "sh -c 'sleep 0.5; echo READY; sleep 30'" });
    const started = Date.now();
    const outcome = await manager.wait(job.id, { pattern: /^READY$/m, timeoutMs: 20_000 }, {});
    assert.deepEqual(outcome, { reason: 'pattern', match: 'READY' });
    assert.ok(Date.now() - started < 10_000);
    assert.equal(job.status, 'running');
    // Issued after the text appeared, a wait succeeds at once.
    const again = await manager.wait(job.id, { pattern: /READY/, timeoutMs: 5000 }, {});
    assert.equal(again.reason, 'pattern');
  });
});

test('a pattern that scrolled off the screen is still found in the output since the action', async () => {
  await withManager(async (manager) => {
    const job = manager.start({ command: 'echo SERVER-UP; seq 1 500; sleep 30', rows: 10 });
    await manager.wait(job.id, { pattern: /^500$/m, timeoutMs: 10_000 }, {});
    assert.ok(!(await manager.screen(job.id)).lines.includes('SERVER-UP'));
    assert.equal((await manager.wait(job.id, { pattern: /SERVER-UP/, timeoutMs: 2000 }, {})).reason, 'pattern');
  });
});

test('exit, idle and timeout', async () => {
  await withManager(async (manager) => {
    const sleeper = manager.start({ command: 'sleep 2' });
    assert.equal((await manager.wait(sleeper.id, { exit: true, timeoutMs: 20_000 }, {})).reason, 'exit');
    assert.equal(sleeper.status, 'completed');

    const quiet = manager.start({ command: 'seq 1 3; sleep 30' });
    assert.equal((await manager.wait(quiet.id, { idleMs: 300, timeoutMs: 10_000 }, {})).reason, 'idle');
    assert.deepEqual(manager.tail(quiet.id, 3), ['1', '2', '3']);

    const busy = manager.start({ command: 'sleep 30' });
    assert.equal((await manager.wait(busy.id, { pattern: /never/, timeoutMs: 200 }, {})).reason, 'timeout');
    assert.equal(busy.status, 'running');
  });
});

test('input-ready: python3, bash, node and `read x` in sh; not while sleep runs in the foreground', async () => {
  await withManager(async (manager) => {
    for (const command of ['python3 -q', "env PS1='$ ' bash --norc -i", 'node', "sh -c 'read x; echo got-$x'"]) {
      const job = manager.start({ command });
      assert.equal((await manager.wait(job.id, { input: true, timeoutMs: 15_000 }, {})).reason, 'input', command);
    }
    const shell = manager.start({ command: "env PS1='$ ' bash --norc -i" });
    await manager.wait(shell.id, { input: true, timeoutMs: 15_000 }, {});
    const started = Date.now();
    const outcome = await manager.interact(shell.id, 'sleep 2; echo slept\r', undefined, { input: true, timeoutMs: 15_000 }, {});
    assert.equal(outcome?.reason, 'input');
    assert.ok(Date.now() - started >= 1900, `returned after ${Date.now() - started} ms, while sleep ran`);
    assert.match(manager.takeNewOutput(shell).text, /slept\n\$ $/);
  });
});

test('send-then-wait in one interact returns the answer', async () => {
  await withManager(async (manager) => {
    const job = manager.start({ command: "sh -c 'read x; echo got-$x; read y'" });
    await manager.wait(job.id, { input: true, timeoutMs: 15_000 }, {});
    const outcome = await manager.interact(job.id, 'abc\r', undefined, { input: true, timeoutMs: 15_000 }, {});
    assert.equal(outcome?.reason, 'input');
    assert.equal(manager.takeNewOutput(job).text, 'abc\ngot-abc\n');
  });
});

const PYTHON_FUNCTION = 'def triple(n):\r    return n * 3\r\r';

test('a multi-line python function pasted into the python REPL and into bash', async () => {
  await withManager(async (manager) => {
    const python = manager.start({ command: 'python3 -q' });
    await manager.wait(python.id, { input: true, timeoutMs: 15_000 }, {});
    await manager.interact(python.id, PYTHON_FUNCTION, undefined, { input: true, timeoutMs: 10_000 }, {});
    await manager.interact(python.id, 'triple(14)\r', undefined, { input: true, timeoutMs: 10_000 }, {});
    assert.match(manager.takeNewOutput(python).text, /\n42\n>>> $/);

    // bash turned bracketed paste on: the paste arrives as one piece, and a heredoc runs it.
    const bash = manager.start({ command: "env PS1='$ ' bash --norc -i" });
    await manager.wait(bash.id, { input: true, timeoutMs: 15_000 }, {});
    assert.equal(manager.get(bash.id).screen.modes.bracketedPaste, true);
    const script = `python3 - <<'EOF'\r${PYTHON_FUNCTION.trimEnd()}\rprint(triple(5))\rEOF\r`;
    await manager.interact(bash.id, script, undefined, { pattern: /^15$/m, timeoutMs: 15_000 }, {});
    assert.match(manager.takeNewOutput(bash).text, /^15$/m);
  });
});

test('1 MB of input reaches a raw-mode reader intact', async () => {
  await withManager(async (manager) => {
    const job = manager.start({ command: "sh -c 'stty raw -echo; head -c 1000000 | wc -c'" });
    await manager.wait(job.id, { input: true, timeoutMs: 15_000 }, {});
    const chunk = 'abcdefghij'.repeat(100);
    await manager.interact(job.id, chunk.repeat(1000), undefined, { exit: true, timeoutMs: 60_000 }, {});
    assert.equal(job.status, 'completed');
    assert.match(manager.tail(job.id, 1)[0], /^\s*1000000$/);
  });
});

test('a child that stops reading cannot hang interact', async () => {
  await withManager(async (manager) => {
    const job = manager.start({ command: "sh -c 'stty raw -echo; sleep 30'" });
    await waitUntil(() => job.log.end >= 0 && job.status === 'running', 'start');
    const started = Date.now();
    await manager.interact(job.id, 'x'.repeat(200_000), undefined, undefined, {});
    assert.ok(Date.now() - started < 5000);
    assert.ok(job.queuedInputBytes > 0, 'the unread input is reported as queued');
  });
});

test('output cursors during a steady producer neither skip nor repeat a byte', async () => {
  await withManager(async (manager) => {
    const job = manager.start({ command: 'for i in $(seq 1 3000); do echo "line $i"; done' });
    let since = 0;
    let text = '';
    while (job.status === 'running' || since < job.log.end) {
      const read = manager.read(job.id, since, 997); // an odd size, to cut inside lines and CRLFs
      assert.equal(read.dropped_bytes, 0);
      text += read.text;
      since = read.next;
      if (read.text === '') await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const expected = Array.from({ length: 3000 }, (_, i) => `line ${i + 1}\n`).join('');
    assert.equal(text, expected);
  });
});

test('consecutive interact/wait results do not repeat output', async () => {
  await withManager(async (manager) => {
    const job = manager.start({ command: "sh -c 'echo first; read x; echo second-$x; sleep 30'" });
    await manager.wait(job.id, { input: true, timeoutMs: 15_000 }, {});
    assert.equal(manager.takeNewOutput(job).text, 'first\n');
    await manager.interact(job.id, 'y\r', undefined, { pattern: /second-y/, timeoutMs: 10_000 }, {});
    assert.equal(manager.takeNewOutput(job).text, 'y\nsecond-y\n');
    await manager.wait(job.id, { idleMs: 100, timeoutMs: 5000 }, {});
    assert.equal(manager.takeNewOutput(job).text, '');
  });
});

test('reading past the ring says how much was dropped', async () => {
  await withManager(
    async (manager) => {
      const job = manager.start({ command: 'seq 1 20000' });
      await job.ended;
      const read = manager.read(job.id, 0, 100);
      assert.ok(read.dropped_bytes > 0);
      assert.equal(read.next - read.dropped_bytes - 100 <= 0, true);
      assert.equal(manager.tail(job.id, 1)[0], '20000');
    },
    { PTYJOBS_MAX_OUTPUT_BYTES: '4KB' },
  );
});
