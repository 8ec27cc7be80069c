// Hundreds of malformed and hostile tool calls: each gets a clear error (never a protocol
// error or a crash), and the server works normally afterwards.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { call, connectClient, textOf } from '../helpers/mcp.js';
import { random } from '../helpers/random.js';

const HOSTILE_VALUES: unknown[] = [
  null, true, -1, 0, 1e12, -1e12, 3.5, '', ' ', 'x'.repeat(2_000_000), '(', '[a-', '*', '\u0000\u0001', '../../etc/passwd',
  [], [1, 2], {}, { nested: { deep: true } }, 'j999999', 'SIGBOGUS', '%s%n', '\x1b[6n',
];
const TOOLS: Record<string, string[]> = {
  execute: ['command', 'cwd', 'env', 'name', 'cols', 'rows', 'timeout_s', 'wait'],
  list: [],
  status: ['job_id', 'lines'],
  tail: ['job_id', 'lines', 'max_bytes'],
  output: ['job_id', 'since', 'max_bytes'],
  interact: ['job_id', 'input', 'keys', 'wait'],
  wait: ['job_id', 'pattern', 'idle_ms', 'exit', 'input', 'port', 'timeout_ms', 'lines', 'since'],
  kill: ['job_id', 'signal', 'grace_ms'],
  resize: ['job_id', 'cols', 'rows'],
};

test('a few hundred hostile calls each get a clear answer, and the server still works', async () => {
  const { client, close } = await connectClient({ PTYJOBS_MAX_JOBS: '4', PTYJOBS_ALLOWED_COMMANDS: '^echo\\b,^sleep 52\\d\\d$' });
  try {
    const victim = await call(client, 'execute', { command: 'sleep 5201' });
    const victimId = victim.structuredContent.job.job_id;
    const next = random(20261122);
    const pick = <T>(items: T[]) => items[Math.floor(next() * items.length)];
    let errors = 0;
    for (let i = 0; i < 300; i++) {
      const tool = pick(Object.keys(TOOLS));
      const args: Record<string, unknown> = {};
      for (const param of TOOLS[tool]) if (next() < 0.5) args[param] = next() < 0.2 && param === 'job_id' ? victimId : pick(HOSTILE_VALUES);
      if (next() < 0.1) args.unexpected = pick(HOSTILE_VALUES);
      if (tool === 'wait' && args.timeout_ms === undefined) args.timeout_ms = 50; // keep valid waits short
      if (tool === 'interact' && (args.wait === undefined || typeof args.wait !== 'object')) args.wait = { idle_ms: 10, timeout_ms: 50 };
      const result = await call(client, tool, args);
      assert.ok(Array.isArray(result.content), `${tool} ${JSON.stringify(args).slice(0, 200)}`);
      if (args.max_bytes === undefined) assert.ok(JSON.stringify(result).length <= 8192, `${tool}: a ${JSON.stringify(result).length}-byte result`);
      if (result.isError) {
        errors++;
        const message = textOf(result);
        assert.ok(message.length > 10 && message.length < 5000, `${tool}: unclear error ${message.slice(0, 200)}`);
      }
    }
    assert.ok(errors > 200, `${errors} of 300 were errors`);
    // Unknown tools are errors too, not crashes.
    assert.equal((await call(client, 'no_such_tool', {})).isError, true);
    // Still serving: a job runs, the victim is unharmed or cleanly ended.
    const after = await call(client, 'execute', { command: 'echo still alive', wait: { exit: true, timeout_ms: 10_000 } });
    assert.equal(after.structuredContent.output, 'still alive\n');
    const status = await call(client, 'status', { job_id: victimId });
    assert.ok(['running', 'killed'].includes(status.structuredContent.job.status));
  } finally {
    await close();
  }
});
