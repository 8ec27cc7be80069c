// Real programs in real ptys, each checked for what a person would see.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { JobManager } from '../../src/jobs/manager.js';
import { FIXTURES, waitUntil, withManager } from '../helpers.js';

const INPUT = { input: true, timeoutMs: 15_000 } as const;

async function screenText(manager: JobManager, jobId: string): Promise<string> {
  return (await manager.screen(jobId)).lines.join('\n');
}

async function interactText(manager: JobManager, jobId: string, input: string | undefined, keys?: string[]): Promise<string> {
  const job = manager.get(jobId);
  await manager.interact(jobId, input, keys, INPUT, {});
  return manager.takeNewOutput(job).text;
}

test('python3 REPL: prompt, an answer, and Ctrl-C interrupting a loop', async () => {
  await withManager(async (manager) => {
    const job = manager.start({ command: 'python3 -q' });
    assert.equal((await manager.wait(job.id, INPUT, {})).reason, 'input');
    assert.match(await screenText(manager, job.id), />>>$/);
    assert.match(await interactText(manager, job.id, '6*7\r'), /^6\*7\n42\n>>> $/);
    await manager.interact(job.id, 'while True: pass\r', undefined, { idleMs: 300, timeoutMs: 5000 }, {});
    assert.equal(await manager.interact(job.id, undefined, ['C-c'], INPUT, {}).then((o) => o?.reason), 'input');
    const after = manager.takeNewOutput(job).text;
    assert.match(after, /KeyboardInterrupt/);
    assert.match(await screenText(manager, job.id), />>>$/);
  });
});

test('node REPL answers at its prompt', async () => {
  await withManager(async (manager) => {
    const job = manager.start({ command: 'node' });
    assert.equal((await manager.wait(job.id, INPUT, {})).reason, 'input');
    assert.match(await screenText(manager, job.id), />$/);
    assert.match(await interactText(manager, job.id, '[1,2,3].map(x => x * 7).join("-")\r'), /'7-14-21'/);
  });
});

test('interactive bash: PS1, a command, and Up recalling history', async () => {
  await withManager(async (manager) => {
    const job = manager.start({ command: "env PS1='$ ' bash --norc -i" });
    await manager.wait(job.id, INPUT, {});
    assert.match(await interactText(manager, job.id, 'echo hi-$((40+2))\r'), /hi-42\n\$ $/);
    await manager.interact(job.id, undefined, ['Up'], { pattern: /\$ echo hi-\$\(\(40\+2\)\)$/, timeoutMs: 5000 }, {});
    const screen = await manager.screen(job.id);
    assert.equal(screen.lines[screen.cursor.row], '$ echo hi-$((40+2))');
  });
});

test('vim: insert text, :wq, the file has it; alternate screen while vim runs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ptyjobs-vim-'));
  const file = join(dir, 'note.txt');
  await withManager(async (manager) => {
    const job = manager.start({ command: `vim -u NONE -N ${file}` });
    await manager.wait(job.id, INPUT, {});
    assert.equal((await manager.screen(job.id)).alternate_screen, true);
    assert.equal(manager.get(job.id).screen.modes.applicationCursor, true);
    await manager.interact(job.id, 'ihello from ptyjobs', ['Escape'], INPUT, {});
    assert.match(await screenText(manager, job.id), /hello from ptyjobs/);
    await manager.interact(job.id, ':wq', ['Enter'], { exit: true, timeoutMs: 10_000 }, {});
    await job.ended;
    assert.equal(job.status, 'completed');
    assert.equal((await manager.screen(job.id)).alternate_screen, false);
    assert.equal(readFileSync(file, 'utf8'), 'hello from ptyjobs\n');
  });
});

test('less pages through a file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ptyjobs-less-'));
  const file = join(dir, 'lines.txt');
  writeFileSync(file, Array.from({ length: 200 }, (_, i) => `line ${i + 1}`).join('\n') + '\n');
  await withManager(async (manager) => {
    const job = manager.start({ command: `less ${file}`, rows: 10, env: { LESS: '' } });
    await manager.wait(job.id, { pattern: /^line 9$/, timeoutMs: 10_000 }, {});
    let screen = await manager.screen(job.id);
    assert.equal(screen.alternate_screen, true);
    assert.equal(screen.lines[0], 'line 1');
    await manager.interact(job.id, ' ', undefined, { pattern: /^line 18$/, timeoutMs: 10_000 }, {});
    screen = await manager.screen(job.id);
    assert.equal(screen.lines[0], 'line 10');
    await manager.interact(job.id, 'G', undefined, { pattern: /^line 200$/, timeoutMs: 10_000 }, {});
    await manager.interact(job.id, 'q', undefined, { exit: true, timeoutMs: 10_000 }, {});
    assert.equal(job.status, 'completed');
  });
});

test('a carriage-return progress loop shows only its final state', async () => {
  await withManager(async (manager) => {
    const job = manager.start({ command: `sh ${join(FIXTURES, 'progress.sh')}` });
    await job.ended;
    assert.deepEqual((await manager.screen(job.id)).lines, ['progress done']);
    assert.deepEqual(manager.tail(job.id, 5), ['progress done']);
  });
});

test('invalid UTF-8 and binary output are shown safely', async () => {
  await withManager(async (manager) => {
    const job = manager.start({ command: "printf 'ok \\377\\376 end\\n'; head -c 20000 /dev/urandom; printf '\\nafter binary\\n'" });
    await job.ended;
    assert.equal(job.status, 'completed');
    const text = manager.read(job.id, 0, 100).text;
    assert.match(text, /^ok \ufffd\ufffd end\n/);
    assert.equal(manager.tail(job.id, 1)[0], 'after binary');
    assert.ok(job.log.end > 20_000);
  });
});

test('exit codes and signals are recorded', async () => {
  await withManager(async (manager) => {
    const ok = manager.start({ command: 'true' });
    const bad = manager.start({ command: 'exit 3' });
    const signalled = manager.start({ command: 'kill -SEGV $$' });
    await Promise.all([ok.ended, bad.ended, signalled.ended]);
    assert.deepEqual([ok.status, ok.exitCode, ok.signal], ['completed', 0, null]);
    assert.deepEqual([bad.status, bad.exitCode, bad.signal], ['failed', 3, null]);
    assert.deepEqual([signalled.status, signalled.exitCode, signalled.signal], ['failed', null, 'SIGSEGV']);
    assert.ok(signalled.endedAt);
  });
});

test('cwd and env are per job', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ptyjobs-cwd-'));
  await withManager(async (manager) => {
    const job = manager.start({ command: 'pwd; echo "v=$PTYJOBS_TEST_VAR"; echo "term=$TERM"', cwd: dir, env: { PTYJOBS_TEST_VAR: 'per-job' } });
    await job.ended;
    assert.deepEqual(manager.tail(job.id, 3), [dir, 'v=per-job', 'term=xterm-256color']);
    const other = manager.start({ command: 'echo "v=$PTYJOBS_TEST_VAR"' });
    await other.ended;
    assert.deepEqual(manager.tail(other.id, 1), ['v=']);
    assert.throws(() => manager.start({ command: 'true', cwd: join(dir, 'missing') }), /does not exist/);
  });
});

test('the job limit counts running jobs only', async () => {
  await withManager(
    async (manager) => {
      const a = manager.start({ command: 'sleep 4711' });
      manager.start({ command: 'sleep 4711' });
      assert.throws(() => manager.start({ command: 'true' }), /Limit reached: 2 jobs are running.*Kill a job/);
      await manager.kill(a.id, 'SIGTERM', 1000);
      const c = manager.start({ command: 'echo freed' });
      await c.ended;
      assert.equal(c.status, 'completed');
    },
    { PTYJOBS_MAX_JOBS: '2' },
  );
});

test('the allowed-commands policy rejects before anything runs', async () => {
  await withManager(
    async (manager) => {
      const ok = manager.start({ command: 'echo allowed && echo twice' });
      await ok.ended;
      assert.deepEqual(manager.tail(ok.id, 2), ['allowed', 'twice']);
      assert.throws(() => manager.start({ command: 'echo ok; touch /tmp/ptyjobs-should-not-exist' }), /Command not allowed: "touch \/tmp\/ptyjobs-should-not-exist"/);
      assert.equal(manager.list().length, 1);
    },
    { PTYJOBS_ALLOWED_COMMANDS: '^echo\\b' },
  );
});

test('resize reaches the program and the screen', async () => {
  await withManager(async (manager) => {
    const job = manager.start({ command: "env PS1='$ ' bash --norc -i", cols: 80, rows: 24 });
    await manager.wait(job.id, INPUT, {});
    manager.resize(job.id, 100, 30);
    assert.match(await interactText(manager, job.id, 'stty size\r'), /30 100/);
    const screen = await manager.screen(job.id);
    assert.deepEqual([screen.cols, screen.rows], [100, 30]);
    await waitUntil(() => job.info().cols === 100, 'info to show the new size');
  });
});
