// Real programs in real ptys through the host API every front uses, each checked for what a
// person would see.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestHost } from '../helpers/host.js';
import { INPUT, withHost } from '../helpers/host.js';
import { FIXTURES, tempDir } from '../helpers/paths.js';
import { waitUntil } from '../helpers/wait.js';

/** Starts a job and waits until it waits for input; returns its id. */
async function startAtPrompt({ host, session }: TestHost, command: string, extra: Record<string, unknown> = {}): Promise<string> {
  const run = await host.execute(session, { command, wait: INPUT, ...extra });
  assert.equal(run.reason, 'input', command);
  return run.job.job_id;
}

async function screenText({ host, session }: TestHost, jobId: string): Promise<string> {
  return (await host.tail(session, { job_id: jobId })).screen.lines?.join('\n') ?? (await host.tail(session, { job_id: jobId })).lines.join('\n');
}

test('python3 REPL: an answer without the echo, and Ctrl-C interrupting a loop', async () => {
  await withHost(async (ctx) => {
    const id = await startAtPrompt(ctx, 'python3 -q');
    const answer = await ctx.host.interact(ctx.session, { job_id: id, input: '6*7\n', wait: INPUT });
    assert.equal(answer.output, '42\n>>> ');
    await ctx.host.interact(ctx.session, { job_id: id, input: 'while True: pass\n', wait: { idle_ms: 300, timeout_ms: 5000 } });
    const interrupted = await ctx.host.interact(ctx.session, { job_id: id, keys: ['C-c'], wait: INPUT });
    assert.equal(interrupted.reason, 'input');
    assert.match(interrupted.output ?? '', /KeyboardInterrupt\n>>> $/);
  });
});

test('node REPL answers at its prompt', async () => {
  await withHost(async (ctx) => {
    const id = await startAtPrompt(ctx, 'node');
    const answer = await ctx.host.interact(ctx.session, { job_id: id, input: '[1,2,3].map(x => x * 7).join("-")\n', wait: INPUT });
    assert.match(answer.output ?? '', /'7-14-21'/);
  });
});

test('interactive bash: a command, and Up recalling history', async () => {
  await withHost(async (ctx) => {
    const id = await startAtPrompt(ctx, "env PS1='$ ' bash --norc -i");
    const echo = await ctx.host.interact(ctx.session, { job_id: id, input: 'echo hi-$((40+2))\n', wait: INPUT });
    assert.equal(echo.output, 'hi-42\n$ ');
    await ctx.host.interact(ctx.session, { job_id: id, keys: ['Up'] });
    const tail = await ctx.host.tail(ctx.session, { job_id: id });
    assert.equal(tail.lines.at(-1), '$ echo hi-$((40+2))');
  });
});

test('vim: insert text, :wq, the file has it; alternate screen while vim runs', async () => {
  const file = join(tempDir('ptyjobs-vim-'), 'note.txt');
  await withHost(async (ctx) => {
    const id = await startAtPrompt(ctx, `vim -u NONE -N ${file}`);
    assert.equal(ctx.manager.get(id).screen.modes.applicationCursor, true);
    const typed = await ctx.host.interact(ctx.session, { job_id: id, input: 'ihello from ptyjobs', keys: ['Escape'], wait: INPUT });
    assert.equal(typed.screen?.alternate_screen, true);
    assert.equal(typed.screen?.lines?.[0], 'hello from ptyjobs');
    const quit = await ctx.host.interact(ctx.session, { job_id: id, input: ':wq', keys: ['Enter'], wait: { exit: true, timeout_ms: 10_000 } });
    assert.equal(quit.job.status, 'completed');
    assert.equal(quit.screen?.alternate_screen, false);
    assert.equal(readFileSync(file, 'utf8'), 'hello from ptyjobs\n');
  });
});

test('less pages through a file', async () => {
  const file = join(tempDir('ptyjobs-less-'), 'lines.txt');
  writeFileSync(file, Array.from({ length: 200 }, (_, i) => `line ${i + 1}`).join('\n') + '\n');
  await withHost(async (ctx) => {
    const run = await ctx.host.execute(ctx.session, { command: `less ${file}`, rows: 10, env: { LESS: '' }, wait: { pattern: '^line 9$', timeout_ms: 10_000 } });
    const id = run.job.job_id;
    assert.equal(run.screen?.lines?.[0], 'line 1');
    const paged = await ctx.host.interact(ctx.session, { job_id: id, input: ' ', wait: { pattern: '^line 18$', timeout_ms: 10_000 } });
    assert.equal(paged.screen?.lines?.[0], 'line 10');
    await ctx.host.interact(ctx.session, { job_id: id, input: 'G', wait: { pattern: '^line 200$', timeout_ms: 10_000 } });
    const quit = await ctx.host.interact(ctx.session, { job_id: id, input: 'q', wait: { exit: true, timeout_ms: 10_000 } });
    assert.equal(quit.job.status, 'completed');
  });
});

test('a carriage-return progress loop shows only its final state', async () => {
  await withHost(async (ctx) => {
    const run = await ctx.host.execute(ctx.session, { command: `sh ${join(FIXTURES, 'progress.sh')}`, wait: { exit: true } });
    assert.equal(run.output, 'progress done\n');
    assert.deepEqual((await ctx.host.status(ctx.session, { job_id: run.job.job_id, lines: 5 })).tail, ['progress done']);
  });
});

test('invalid UTF-8 and binary output are shown safely', async () => {
  await withHost(async (ctx) => {
    // Random bytes may switch charsets or set margins: a reset (RIS) first, as `reset` would.
    const run = await ctx.host.execute(ctx.session, { command: "printf 'ok \\377\\376 end\\n'; head -c 20000 /dev/urandom; printf '\\033c\\nafter binary\\n'", wait: { exit: true } });
    assert.equal(run.job.status, 'completed');
    const read = await ctx.host.output(ctx.session, { job_id: run.job.job_id, max_bytes: 1024 });
    assert.match(read.text, /^ok \ufffd\ufffd end\n/);
    assert.equal((await ctx.host.status(ctx.session, { job_id: run.job.job_id, lines: 1 })).tail[0], 'after binary');
    assert.ok(read.end > 20_000);
  });
});

test('exit codes and signals are recorded', async () => {
  await withHost(async (ctx) => {
    const ended = (command: string) => ctx.host.execute(ctx.session, { command, wait: { exit: true } }).then((run) => run.job);
    const [ok, bad, signalled] = await Promise.all([ended('true'), ended('exit 3'), ended('kill -SEGV $$')]);
    assert.deepEqual([ok.status, ok.exit_code, ok.signal], ['completed', 0, null]);
    assert.deepEqual([bad.status, bad.exit_code, bad.signal], ['failed', 3, null]);
    assert.deepEqual([signalled.status, signalled.exit_code, signalled.signal], ['failed', null, 'SIGSEGV']);
    assert.ok(signalled.ended_at);
  });
});

test('cwd and env are per job; a relative cwd resolves against the working dir', async () => {
  const dir = tempDir('ptyjobs-cwd-');
  await withHost(async (ctx) => {
    const run = await ctx.host.execute(ctx.session, { command: 'pwd; echo "v=$PTYJOBS_TEST_VAR"; echo "term=$TERM"', cwd: dir, env: { PTYJOBS_TEST_VAR: 'per-job' }, wait: { exit: true } });
    assert.equal(run.output, `${dir}\nv=per-job\nterm=xterm-256color\n`);
    const other = await ctx.host.execute(ctx.session, { command: 'echo "v=$PTYJOBS_TEST_VAR"; pwd', wait: { exit: true } });
    assert.equal(other.output, `v=\n${ctx.manager.settings.workingDir}\n`);
    await assert.rejects(ctx.host.execute(ctx.session, { command: 'true', cwd: join(dir, 'missing') }), /does not exist/);
  });
});

test('the job limit counts running jobs only, and its message names the setting that set it', async () => {
  await withHost(
    async (ctx) => {
      const a = await ctx.host.execute(ctx.session, { command: 'sleep 4711' });
      await assert.rejects(ctx.host.execute(ctx.session, { command: 'true' }), /Limit reached: 1 job is running \(MCP_BG_MAX_JOBS=1\).*Kill a job/);
      await ctx.host.kill(ctx.session, { job_id: a.job.job_id, grace_ms: 1000 });
      const c = await ctx.host.execute(ctx.session, { command: 'echo freed', wait: { exit: true } });
      assert.equal(c.job.status, 'completed');
    },
    { MCP_BG_MAX_JOBS: '1' },
  );
});

test('the allowed-commands policy rejects before anything runs', async () => {
  await withHost(
    async (ctx) => {
      const ok = await ctx.host.execute(ctx.session, { command: 'echo allowed && echo twice', wait: { exit: true } });
      assert.equal(ok.output, 'allowed\ntwice\n');
      await assert.rejects(ctx.host.execute(ctx.session, { command: 'echo ok; touch /tmp/ptyjobs-should-not-exist' }), /Command not allowed: "touch \/tmp\/ptyjobs-should-not-exist"/);
      assert.equal((await ctx.host.list(ctx.session)).jobs.length, 1);
    },
    { PTYJOBS_ALLOWED_COMMANDS: '^echo\\b' },
  );
});

test('resize reaches the program and the screen', async () => {
  await withHost(async (ctx) => {
    const id = await startAtPrompt(ctx, "env PS1='$ ' bash --norc -i", { cols: 80, rows: 24 });
    const resized = await ctx.host.resize(ctx.session, { job_id: id, cols: 100, rows: 30 });
    assert.deepEqual([resized.screen.cols, resized.screen.rows, resized.job.cols], [100, 30, 100]);
    const size = await ctx.host.interact(ctx.session, { job_id: id, input: 'stty size\n', wait: INPUT });
    assert.match(size.output ?? '', /30 100/);
    await waitUntil(async () => (await screenText(ctx, id)).includes('30 100'), 'the screen to show the size');
  });
});
