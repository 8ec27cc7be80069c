// What the model reads must be true and new: patterns never match stale text or the echo of
// the input, text shows what a person saw, prompts on /dev/tty are seen, keys arrive as key
// presses, and character widths agree with the programs'.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { LINE_START_LOST_PATTERN } from '../../src/terminal/screen.js';
import { textLines } from '../../src/terminal/text.js';
import { INPUT, type TestHost, withHost } from '../helpers/host.js';
import { tempDir } from '../helpers/paths.js';
import { waitUntil } from '../helpers/wait.js';

const BASH = "env PS1='$ ' bash --norc -i";

async function atPrompt({ host, session }: TestHost, command: string): Promise<string> {
  const run = await host.execute(session, { command, wait: INPUT });
  assert.equal(run.reason, 'input', command);
  return run.job.job_id;
}

test('a pattern in bash matches the command output, not the old line or the echo of the typed command', async () => {
  await withHost(async (ctx) => {
    const [anchored, plain] = await Promise.all([atPrompt(ctx, BASH), atPrompt(ctx, BASH)]);
    for (const id of [anchored, plain]) await ctx.host.interact(ctx.session, { job_id: id, input: 'echo BUILD-OK\n', wait: INPUT });
    const started = Date.now();
    const results = await Promise.all([
      ctx.host.interact(ctx.session, { job_id: anchored, input: 'sleep 3; echo BUILD-OK\n', wait: { pattern: '^BUILD-OK', timeout_ms: 15_000 } }),
      ctx.host.interact(ctx.session, { job_id: plain, input: 'sleep 3; echo BUILD-OK\n', wait: { pattern: 'BUILD-OK', timeout_ms: 15_000 } }),
    ]);
    assert.ok(Date.now() - started >= 2900, `returned after ${Date.now() - started} ms, before the command ran`);
    for (const result of results) {
      assert.equal(result.reason, 'pattern');
      assert.match(result.output ?? '', /^BUILD-OK\n/);
    }
  });
});

test('a dev server that compiled once: the next wait returns on the next compile only', async () => {
  await withHost(async ({ host, session }) => {
    const run = await host.execute(session, { command: "sh -c 'echo compiled successfully; sleep 2; echo compiled successfully; sleep 30'" });
    const first = await host.wait(session, { job_id: run.job.job_id, pattern: 'compiled successfully', timeout_ms: 10_000 });
    assert.equal(first.reason, 'pattern');
    const started = Date.now();
    const second = await host.wait(session, { job_id: run.job.job_id, pattern: 'compiled successfully', timeout_ms: 10_000 });
    assert.equal(second.reason, 'pattern');
    assert.ok(Date.now() - started >= 1500, `the second wait returned after ${Date.now() - started} ms, on the first compile`);
  });
});

test('python3: a wait for DONE returns when DONE is printed, not when it is typed', async () => {
  await withHost(async (ctx) => {
    const id = await atPrompt(ctx, 'python3 -q');
    const started = Date.now();
    const done = await ctx.host.interact(ctx.session, { job_id: id, input: "import time; time.sleep(2); print('DONE')\n", wait: { pattern: 'DONE', timeout_ms: 15_000 } });
    assert.equal(done.reason, 'pattern');
    assert.ok(Date.now() - started >= 1900, `returned after ${Date.now() - started} ms`);
    assert.match(done.output ?? '', /^DONE\n/);
  });
});

test('vim :w twice: each interact waiting for "written" returns after its own write', async () => {
  const file = join(tempDir('ptyjobs-vim-'), 'twice.txt');
  await withHost(async (ctx) => {
    const id = await atPrompt(ctx, `vim -u NONE -N ${file}`);
    await ctx.host.interact(ctx.session, { job_id: id, input: 'ione', keys: ['Escape'], wait: INPUT });
    const first = await ctx.host.interact(ctx.session, { job_id: id, input: ':w', keys: ['Enter'], wait: { pattern: 'written', timeout_ms: 10_000 } });
    assert.equal(first.reason, 'pattern');
    assert.equal(readFileSync(file, 'utf8'), 'one\n');
    // The message is still on the screen, but it was shown: a wait does not take it again.
    assert.equal((await ctx.host.wait(ctx.session, { job_id: id, pattern: 'written', timeout_ms: 500 })).reason, 'timeout');
    await ctx.host.interact(ctx.session, { job_id: id, input: 'A two', keys: ['Escape'], wait: INPUT });
    const second = await ctx.host.interact(ctx.session, { job_id: id, input: ':w', keys: ['Enter'], wait: { pattern: 'written', timeout_ms: 10_000 } });
    assert.equal(second.reason, 'pattern');
    assert.equal(readFileSync(file, 'utf8'), 'one two\n');
    await ctx.host.interact(ctx.session, { job_id: id, input: ':q', keys: ['Enter'], wait: { exit: true, timeout_ms: 10_000 } });
  });
});

// Redraw styles: each one's text (rendered from the byte log) must read as its screen does.
const REDRAWS: [string, string][] = [
  ['erase-line progress (npm, pip, cargo)', "for i in 1 2 3 4 5; do printf '\\033[1G\\033[2Kstep %d/5' $i; done; printf '\\033[1G\\033[2Kall done\\n'"],
  ['backspaces', "printf 'abcdef\\b\\b\\bXY\\n'"],
  ['carriage-return percentages', "for i in 10 55 100; do printf '\\rprogress %d%%' $i; done; printf '\\n'"],
  ['a multi-line progress display redrawn with cursor-up', "for i in 1 2 3; do printf 'a: %d\\nb: %d\\n' $i $i; [ $i -lt 3 ] && printf '\\033[2A'; done; true"],
  ['tput-drawn status lines', "tput sc; printf 'working...'; tput rc; tput el; printf 'finished\\n'; printf 'x'; tput cub1; printf 'y\\n'"],
  ['a spinner left in front of a line', "for c in '|' / - '\\\\'; do printf '%s\\b' \"$c\"; done; printf ' \\bdone\\n'"],
  ['wide characters', "printf '中文字\\b\\bX\\n'; printf 'emoji 🥲 ok\\n'"],
  ['wide characters rewritten after a CR', "printf '0%% 日本語\\r10%% 日本語\\n'; printf 'a日本語\\r日本語\\n'; printf 'x日本語\\r\\033[2Cy\\n'"],
  ['tabs', "printf 'a\\tb\\tc\\n'"],
  ['invalid UTF-8', "printf 'ok1\\n\\377\\376bad\\n\\346\\227A\\nok2\\n'"],
];

test('text lines read as the screen does, for every redraw style', async () => {
  await withHost(async ({ host, session, manager }) => {
    for (const [style, command] of REDRAWS) {
      const run = await host.execute(session, { command, wait: { exit: true, timeout_ms: 10_000 } });
      const screen = (await manager.get(run.job.job_id).snapshot()).lines;
      assert.deepEqual(textLines(run.output ?? ''), screen, `${style}: output`);
      assert.deepEqual((await host.status(session, { job_id: run.job.job_id, lines: 20 })).tail, screen, `${style}: status`);
      const read = await host.output(session, { job_id: run.job.job_id });
      assert.deepEqual(textLines(read.text), screen, `${style}: output tool`);
    }
  });
});

test('bash history recall reads as the command that ran', async () => {
  await withHost(async (ctx) => {
    const id = await atPrompt(ctx, BASH);
    await ctx.host.interact(ctx.session, { job_id: id, input: 'echo first-one\n', wait: INPUT });
    await ctx.host.interact(ctx.session, { job_id: id, input: 'echo $((6*7))\n', wait: INPUT });
    const recalled = await ctx.host.interact(ctx.session, { job_id: id, keys: ['Up', 'Up', 'Enter'], wait: INPUT });
    assert.equal(recalled.output, 'echo first-one\nfirst-one\n$ ');
    const screen = (await ctx.manager.get(id).snapshot()).lines;
    assert.deepEqual((await ctx.host.status(ctx.session, { job_id: id, lines: 3 })).tail, screen.slice(-3));
    assert.equal(screen.at(-3), '$ echo first-one');
  });
});

test('top on the main screen is shown as a screen', async () => {
  await withHost(async ({ host, session }) => {
    const run = await host.execute(session, { command: 'top -d 1', rows: 24, cols: 100, wait: { pattern: 'load average', timeout_ms: 15_000 } });
    assert.equal(run.reason, 'pattern');
    const tail = await host.tail(session, { job_id: run.job.job_id });
    assert.equal(tail.screen.alternate_screen, false);
    assert.equal(tail.screen.drawing, true);
    assert.match(tail.screen.lines?.[0] ?? '', /^top - .*load average/);
    await host.kill(session, { job_id: run.job.job_id });
  });
});

test('prompts that read /dev/tty count as waiting for input', async () => {
  await withHost(async ({ host, session }) => {
    const prompts = [
      "python3 -c 'import getpass; getpass.getpass()'",
      "bash -c 'read -s x </dev/tty; echo got'",
      "python3 -c \"import os; fd = os.open('/dev/tty', os.O_RDONLY); os.read(fd, 10)\"",
    ];
    for (const command of prompts) {
      const run = await host.execute(session, { command, wait: { input: true, timeout_ms: 10_000 } });
      assert.equal(run.reason, 'input', command);
      const answered = await host.interact(session, { job_id: run.job.job_id, input: 'secret\n', wait: { exit: true, timeout_ms: 10_000 } });
      assert.equal(answered.job.status, 'completed', command);
    }
  });
});

test('keys after input arrive as key presses: Tab completes in node, python and bash', async () => {
  await withHost(async (ctx) => {
    const node = await atPrompt(ctx, 'node');
    const listed = await ctx.host.interact(ctx.session, { job_id: node, input: 'con', keys: ['Tab', 'Tab'] });
    assert.match(listed.output ?? '', /console/, 'node listed the completions');
    const python = await atPrompt(ctx, 'python3 -q');
    await ctx.host.interact(ctx.session, { job_id: python, input: 'imp', keys: ['Tab'] });
    assert.equal((await ctx.manager.get(python).snapshot()).lines.at(-1), '>>> import');
    const bash = await atPrompt(ctx, BASH);
    await ctx.host.interact(ctx.session, { job_id: bash, input: 'ech', keys: ['Tab'] });
    assert.equal((await ctx.manager.get(bash).snapshot()).lines.at(-1), '$ echo');
  });
});

const NEW_EMOJI = ['🥲', '🧋', '🫠', '🛝'];

test('emoji newer than Unicode 11 take two cells, as glibc counts them', async () => {
  await withHost(async (ctx) => {
    const printf = NEW_EMOJI.map((emoji) => `printf '%s\\033[3G|\\n' '${emoji}'`).join('; ');
    const run = await ctx.host.execute(ctx.session, { command: printf, wait: { exit: true } });
    assert.deepEqual((await ctx.manager.get(run.job.job_id).snapshot()).lines, NEW_EMOJI.map((emoji) => `${emoji}|`));

    const id = await atPrompt(ctx, 'python3 -q');
    await ctx.host.interact(ctx.session, { job_id: id, input: `s = "${NEW_EMOJI.join('')}"`, keys: ['Left', 'Left', 'Left'] });
    await ctx.host.interact(ctx.session, { job_id: id, input: 'X' });
    const screen = await ctx.manager.get(id).snapshot();
    assert.equal(screen.lines.at(-1), '>>> s = "🥲🧋X🫠🛝"');
    assert.equal(screen.cursor.col, 14);
    const value = await ctx.host.interact(ctx.session, { job_id: id, keys: ['End', 'Enter'], wait: INPUT });
    await ctx.host.interact(ctx.session, { job_id: id, input: 'print(len(s))\n', wait: INPUT });
    assert.equal(value.reason, 'input');
    assert.match((await ctx.host.tail(ctx.session, { job_id: id, lines: 2 })).lines.join('\n'), /^5\n>>>/);
  });
});

test('after vim and less exit, the shell prompt is a screen of lines again, not a drawn one', async () => {
  await withHost(async (ctx) => {
    const id = await atPrompt(ctx, BASH);
    for (const [program, quit] of [['vim -u NONE -N', ':q\n'], ['seq 1 200 | less', 'q']]) {
      const job = ctx.manager.get(id);
      await ctx.host.interact(ctx.session, { job_id: id, input: `${program}\n`, wait: INPUT });
      await waitUntil(async () => (await job.snapshot()).alternate_screen, `${program} on the alternate screen`);
      await ctx.host.interact(ctx.session, { job_id: id, input: quit, wait: INPUT });
      await waitUntil(async () => {
        const now = await job.snapshot();
        return !now.alternate_screen && now.lines.at(-1) === '$';
      }, `the prompt after ${program}`);
      assert.equal((await job.snapshot()).drawing, false, program);
      const tail = await ctx.host.tail(ctx.session, { job_id: id });
      assert.equal(tail.screen.drawing, false, program);
      assert.equal(tail.lines.at(-1), '$', program);
    }
  });
});

test('tail joins wrapped rows as the terminal reflows them, and says when a line outgrew the scrollback', async () => {
  await withHost(async ({ host, session }) => {
    const wide = await host.execute(session, { command: "printf 'x%.0s' $(seq 1 119); printf '漢\\n'", cols: 120, wait: { exit: true, timeout_ms: 10_000 } });
    const joined = `${'x'.repeat(119)}漢`;
    assert.equal(wide.output, `${joined}\n`);
    assert.deepEqual((await host.tail(session, { job_id: wide.job.job_id })).lines, [joined]);

    const long = await host.execute(session, { command: "head -c 2000000 /dev/zero | tr '\\0' x; echo; echo after", wait: { exit: true, timeout_ms: 60_000 } });
    assert.equal(long.reason, 'exit');
    const [line, after] = (await host.tail(session, { job_id: long.job.job_id, lines: 2 })).lines;
    assert.equal(after, 'after');
    const kept = LINE_START_LOST_PATTERN.exec(line);
    assert.ok(kept, line.slice(0, 200));
    assert.ok(Number(kept[1]) < 2_000_000 && Number(kept[1]) > 100_000, kept[0]);
  });
});

test('the echo of a multi-line paste into bash, which readline draws twice, is not in the result', async () => {
  await withHost(async (ctx) => {
    const id = await atPrompt(ctx, BASH);
    const pasted = await ctx.host.interact(ctx.session, { job_id: id, input: 'echo one\necho two\n', wait: INPUT });
    assert.equal(pasted.output, 'one\ntwo\n$ ');
    const three = await ctx.host.interact(ctx.session, { job_id: id, input: 'x=1\necho $((x+1))\necho done\n', wait: INPUT });
    assert.equal(three.output, '2\ndone\n$ ');
  });
});

test('a megabyte typed into cat, whose echo mixes with its output, does not come back as the result', async () => {
  await withHost(async (ctx) => {
    const id = await atPrompt(ctx, BASH);
    await ctx.host.interact(ctx.session, { job_id: id, input: 'cat\n', wait: INPUT });
    const lines = Array.from({ length: 1000 }, (_, i) => String(i).padEnd(999, 'y'));
    const result = await ctx.host.interact(ctx.session, { job_id: id, input: `${lines.join('\n')}\n`, wait: { input: true, timeout_ms: 60_000 } });
    assert.equal(result.reason, 'input');
    // At most what cat printed after the last line's echo: never the echo of the lines before.
    const early = textLines(result.output ?? '').filter((line) => /^\d+y/.test(line) && Number(/^\d+/.exec(line)![0]) < lines.length - 10);
    assert.deepEqual(early.map((line) => line.slice(0, 12)), []);
    // cat may still be printing (and the terminal drops echo it cannot keep up with): the next input goes in once it is quiet.
    await ctx.host.wait(ctx.session, { job_id: id, idle_ms: 1000, timeout_ms: 60_000 });
    const small = await ctx.host.interact(ctx.session, { job_id: id, input: 'small\n', wait: INPUT });
    assert.equal(small.output, 'small\n');
    await ctx.host.interact(ctx.session, { job_id: id, keys: ['C-c'], wait: INPUT });
  });
});
