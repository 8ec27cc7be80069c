// The tools through a real MCP Client: an embedded server over an in-memory transport, and the
// built server as a --shared front of its own daemon (a front must never miss a tool).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { call, connectClient, textOf } from '../helpers/mcp.js';
import { tempDir } from '../helpers/paths.js';
import { connectFront } from '../helpers/socket.js';

const FRONTS: Record<string, () => Promise<{ client: Client; close: () => Promise<void> }>> = {
  embedded: () => connectClient({ PTYJOBS_MAX_JOBS: '20' }),
  'a --shared front': () => connectFront({ PTYJOBS_MAX_JOBS: '20' }),
};

for (const [front, connectTo] of Object.entries(FRONTS)) {
  describe(front, () => {
    let client: Client;
    let close: () => Promise<void>;

    before(async () => {
      ({ client, close } = await connectTo());
    });
    after(async () => close());

    test('all nine tools are listed with input and output schemas and annotations', async () => {
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), ['execute', 'interact', 'kill', 'list', 'output', 'resize', 'status', 'tail', 'wait']);
      for (const tool of tools) {
        assert.equal(tool.inputSchema.type, 'object', tool.name);
        assert.equal(tool.outputSchema?.type, 'object', tool.name);
        assert.ok(tool.description, tool.name);
        assert.equal(typeof tool.annotations?.readOnlyHint, 'boolean', tool.name);
        assert.equal(typeof tool.annotations?.destructiveHint, 'boolean', tool.name);
      }
      const execute = tools.find((t) => t.name === 'execute');
      assert.ok((execute?.inputSchema.properties as Record<string, { description?: string }>).command.description);
    });

    test('execute with a wait, then status, tail, output and list', async () => {
      const run = await call(client, 'execute', { command: 'echo one; echo two; exit 4', name: 'counting', wait: { exit: true, timeout_ms: 10_000 } });
      assert.equal(run.isError, undefined);
      const { job, reason, output, screen } = run.structuredContent;
      assert.equal(reason, 'exit');
      assert.equal(job.status, 'failed');
      assert.equal(job.exit_code, 4);
      assert.equal(job.name, 'counting');
      assert.equal(output, 'one\ntwo\n');
      assert.equal(screen.lines, undefined, 'the text shows the output, so the screen rows are left out');
      assert.match(textOf(run), /failed \(exit 4\)/);

      const status = await call(client, 'status', { job_id: job.job_id, lines: 1 });
      assert.deepEqual(status.structuredContent.tail, ['two']);
      const tail = await call(client, 'tail', { job_id: job.job_id });
      assert.deepEqual(tail.structuredContent.lines, ['one', 'two']);
      const first = await call(client, 'output', { job_id: job.job_id, since: 0 });
      assert.deepEqual([first.structuredContent.text, first.structuredContent.next], ['one\ntwo\n', 10]);
      const rest = await call(client, 'output', { job_id: job.job_id, since: 5 });
      assert.equal(rest.structuredContent.text, 'two\n');
      const list = await call(client, 'list');
      assert.ok(list.structuredContent.jobs.some((j: { job_id: string }) => j.job_id === job.job_id));
    });

    test('a python REPL driven through interact', async () => {
      const run = await call(client, 'execute', { command: 'python3 -q', wait: { input: true, timeout_ms: 15_000 } });
      const id = run.structuredContent.job.job_id;
      assert.equal(run.structuredContent.reason, 'input');
      const answer = await call(client, 'interact', { job_id: id, input: 'sum(range(10))\n' });
      assert.equal(answer.structuredContent.output, '45\n>>> ');
      assert.equal(textOf(answer), `${id} running\noutput:\n45\n>>> `);
      const keys = await call(client, 'interact', { job_id: id, keys: ['C-d'], wait: { exit: true, timeout_ms: 10_000 } });
      assert.equal(keys.structuredContent.reason, 'exit');
      assert.equal(keys.structuredContent.job.status, 'completed');
    });

    test('vim through the tools: the screen shows the full-screen app', async () => {
      const run = await call(client, 'execute', { command: 'vim -u NONE -N', cwd: tempDir(), rows: 10, cols: 60, wait: { input: true, timeout_ms: 15_000 } });
      const id = run.structuredContent.job.job_id;
      const typed = await call(client, 'interact', { job_id: id, input: 'iHello vim', keys: ['Escape'] });
      assert.equal(typed.structuredContent.screen.alternate_screen, true);
      assert.equal(typed.structuredContent.screen.lines[0], 'Hello vim');
      assert.match(textOf(typed), /full-screen app[\s\S]*Hello vim/);
      const resized = await call(client, 'resize', { job_id: id, cols: 70, rows: 12 });
      assert.deepEqual([resized.structuredContent.screen.cols, resized.structuredContent.screen.rows], [70, 12]);
      await call(client, 'interact', { job_id: id, input: ':q!', keys: ['Enter'], wait: { exit: true, timeout_ms: 10_000 } });
    });

    test('kill reports killed, then already_terminated', async () => {
      const run = await call(client, 'execute', { command: 'sleep 4712' });
      const id = run.structuredContent.job.job_id;
      const killed = await call(client, 'kill', { job_id: id });
      assert.equal(killed.structuredContent.result, 'killed');
      assert.equal(killed.structuredContent.job.status, 'killed');
      const again = await call(client, 'kill', { job_id: id, signal: 'KILL' });
      assert.equal(again.structuredContent.result, 'already_terminated');
    });

    test('domain failures are isError results with a recovery hint, and the server keeps serving', async () => {
      const cases: [string, Record<string, unknown>, RegExp][] = [
        ['status', { job_id: 'j999' }, /No job with id "j999".*Call list/],
        ['execute', { command: '   ' }, /command is empty/],
        ['execute', { command: 'true', cwd: '/no/such/dir' }, /does not exist/],
        ['execute', { command: 'true', wait: {} }, /at least one condition/],
        ['execute', { command: 'true', wait: { pattern: '(' } }, /not a valid JavaScript regex/],
        ['interact', { job_id: 'nope', input: 'x' }, /No job with id/],
        ['interact', { job_id: 'j1', keys: ['NotAKey'] }, /not running|Unknown key/],
        ['kill', { job_id: 'j1', signal: 'SIGBOGUS' }, /Unknown signal/],
        ['execute', { command: 42 }, /Input validation error/],
        ['tail', { job_id: 'j1', lines: 0 }, /Input validation error/],
        ['status', { job_id: 'j1', lines: 0 }, /Input validation error/],
        ['resize', { job_id: 'j1', cols: 100000, rows: 10 }, /Input validation error/],
      ];
      for (const [tool, args, message] of cases) {
        const result = await call(client, tool, args);
        assert.equal(result.isError, true, `${tool} ${JSON.stringify(args)}`);
        assert.match(textOf(result), message, `${tool} ${JSON.stringify(args)}`);
      }
      const finished = await call(client, 'execute', { command: 'true', wait: { exit: true } });
      const notRunning = await call(client, 'interact', { job_id: finished.structuredContent.job.job_id, input: 'x' });
      assert.match(textOf(notRunning), /is not running \(status: completed\)/);
      assert.equal((await call(client, 'list')).isError, undefined);
    });

    test('a wait that times out leaves the job running', async () => {
      const run = await call(client, 'execute', { command: 'sleep 4713', wait: { pattern: 'never', timeout_ms: 300 } });
      assert.equal(run.structuredContent.reason, 'timeout');
      assert.equal(run.structuredContent.job.status, 'running');
      await call(client, 'kill', { job_id: run.structuredContent.job.job_id });
    });

    test('long waits send progress and stop when the client cancels', async () => {
      const run = await call(client, 'execute', { command: 'sleep 4714' });
      const id = run.structuredContent.job.job_id;
      const progress: number[] = [];
      const controller = new AbortController();
      const started = Date.now();
      const pending = client.callTool({ name: 'wait', arguments: { job_id: id, pattern: 'never', timeout_ms: 60_000 } }, undefined, {
        signal: controller.signal,
        onprogress: (p) => {
          progress.push(p.progress);
          if (progress.length === 2) controller.abort();
        },
      });
      await assert.rejects(pending, /abort|cancel/i);
      assert.ok(progress.length >= 2);
      assert.ok(Date.now() - started < 20_000);
      const status = await call(client, 'status', { job_id: id });
      assert.equal(status.structuredContent.job.status, 'running');
      await call(client, 'kill', { job_id: id });
    });

    test('unknown arguments are refused, naming the closest real one; unknown wait fields too', async () => {
      const typo = await call(client, 'execute', { command: 'echo hi', timeout: 5 });
      assert.equal(typo.isError, true);
      assert.match(textOf(typo), /Unknown argument "timeout" \(did you mean "timeout_s"\?\)/);
      const bogus = await call(client, 'execute', { command: 'echo hi', unknown_field: true });
      assert.match(textOf(bogus), /Unknown argument "unknown_field"; the arguments are: command, cwd/);
      const inWait = await call(client, 'execute', { command: 'echo hi', wait: { exit: true, bogus: 1 } });
      assert.match(textOf(inWait), /Invalid wait: Unknown argument "bogus"/);
    });
  });
}
