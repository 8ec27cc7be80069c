// Every result is small unless the caller asks for more: hostile outputs measured through a
// real client, tool by tool, as each representation a client may hand the model (the text
// block, and the structured content).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { call, connectClient, textOf } from '../helpers/mcp.js';

const BUDGET = 8192;
let client: Client;
let close: () => Promise<void>;

before(async () => {
  ({ client, close } = await connectClient({ PTYJOBS_MAX_JOBS: '20' }));
});
after(async () => close());

const HOSTILE: Record<string, string> = {
  'a 2 MB single line': "head -c 2000000 /dev/zero | tr '\\0' x; echo",
  'a 50 MB flood': "head -c 50000000 /dev/zero | tr '\\0' y",
  '200 lines of 100 KB': "for i in $(seq 200); do head -c 100000 /dev/zero | tr '\\0' z; echo; done",
};

function assertSmall(result: { structuredContent?: unknown; content: unknown }, what: string, bound = BUDGET): void {
  const text = Buffer.byteLength(textOf(result as Parameters<typeof textOf>[0]));
  const structured = Buffer.byteLength(JSON.stringify(result.structuredContent));
  assert.ok(text <= bound, `${what}: text block ${text} bytes`);
  assert.ok(structured <= bound, `${what}: structured content ${structured} bytes`);
}

for (const [name, command] of Object.entries(HOSTILE)) {
  test(`${name}: every tool's whole result stays within 8 KB`, async () => {
    const run = await call(client, 'execute', { command, wait: { exit: true, timeout_ms: 60_000 } });
    assertSmall(run, 'execute');
    assert.equal(run.structuredContent.job.status, 'completed');
    const id = run.structuredContent.job.job_id;
    // A long output is cut with a marker naming the output call that reads the rest.
    assert.match(textOf(run), /bytes not shown: output since=\d+ max_bytes=\d+ reads/);
    // The call the marker names is one the server accepts.
    const [, since, maxBytes] = /output since=(\d+) max_bytes=(\d+)/.exec(textOf(run))!;
    assert.equal((await call(client, 'output', { job_id: run.structuredContent.job.job_id, since: Number(since), max_bytes: Number(maxBytes) })).isError, undefined);
    assert.ok(run.structuredContent.omitted.to > run.structuredContent.omitted.from);
    for (const [tool, args] of [
      ['status', {}], ['status', { lines: 1000 }], ['tail', {}], ['tail', { lines: 1000 }], ['output', {}],
      ['output', { since: run.structuredContent.omitted.from }], ['wait', { exit: true }], ['wait', { exit: true, lines: 5 }], ['list', {}],
    ] as [string, Record<string, unknown>][]) {
      const result = await call(client, tool, tool === 'list' ? args : { job_id: id, ...args });
      assert.equal(result.isError, undefined, `${tool} ${JSON.stringify(args)}: ${textOf(result).slice(0, 200)}`);
      assertSmall(result, `${tool} ${JSON.stringify(args)}`);
      // Structured content never carries more text than the text block shows.
      assert.ok(JSON.stringify(result.structuredContent).length <= textOf(result).length + 1500, `${tool}: structured content larger than its text`);
    }
    // A long line is cut in the middle, saying how much was cut.
    if (name.includes('line')) assert.match(textOf(await call(client, 'tail', { job_id: id })), /\[… \d+ characters cut …\]/);
  });
}

test('a caller can ask for more, up to the ceiling', async () => {
  const run = await call(client, 'execute', { command: 'seq 1 100000', wait: { exit: true, timeout_ms: 30_000 } });
  const id = run.structuredContent.job.job_id;
  const big = await call(client, 'output', { job_id: id, max_bytes: 200_000 });
  // max_bytes counts bytes of output text.
  assert.ok(Buffer.byteLength(big.structuredContent.text) <= 200_000);
  assert.ok(Buffer.byteLength(big.structuredContent.text) > 199_000);
  const tail = await call(client, 'tail', { job_id: id, lines: 1000, max_bytes: 100_000 });
  assert.equal(tail.structuredContent.lines.length, 1000);
  assert.equal(tail.structuredContent.lines.at(-1), '100000');
  assert.equal((await call(client, 'output', { job_id: id, max_bytes: 300_000 })).isError, true);
});

test('the tool definitions a model reads take at most 4,000 bytes, every parameter described', async () => {
  const { tools } = await client.listTools();
  const visible = JSON.stringify(tools.map((tool) => ({ name: tool.name, description: tool.description, inputSchema: tool.inputSchema })));
  assert.ok(visible.length <= 4000, `${visible.length} bytes`);
  for (const tool of tools) {
    for (const [name, property] of Object.entries(tool.inputSchema.properties ?? {})) assert.ok((property as { description?: string }).description, `${tool.name}.${name} has no description`);
  }
  console.error(`tool definitions: ${visible.length} bytes as the model reads them`);
});

test('a cut marker\'s call returns the omitted range in one call: 20,000 x then END read exactly', async () => {
  const run = await call(client, 'execute', { command: "head -c 20000 /dev/zero | tr '\\0' x; echo; echo END", wait: { exit: true, timeout_ms: 15_000 } });
  const text: string = run.structuredContent.output;
  const [before, after] = text.split(/\[… \d+ bytes not shown: output since=\d+ max_bytes=\d+ reads them …\]\n/);
  const [, since, maxBytes] = /output since=(\d+) max_bytes=(\d+)/.exec(text)!.map(Number);
  const middle = await call(client, 'output', { job_id: run.structuredContent.job.job_id, since, max_bytes: maxBytes });
  assert.equal(middle.structuredContent.next, run.structuredContent.omitted.to, 'one call reads the whole range');
  // The head ends inside the one long line and the rest continues it: together, the output exactly.
  assert.equal(before.replace(/\n$/, '') + middle.structuredContent.text + after, `${'x'.repeat(20_000)}\nEND\n`);
});

test('top at 120x40: tail shows its whole screen, header included', async () => {
  const run = await call(client, 'execute', { command: 'top -d 0.5', cols: 120, rows: 40, wait: { pattern: 'load average', timeout_ms: 15_000 } });
  const id = run.structuredContent.job.job_id;
  await call(client, 'wait', { job_id: id, idle_ms: 300, timeout_ms: 3000 });
  const tail = await call(client, 'tail', { job_id: id });
  assertSmall(tail, 'tail of top');
  assert.doesNotMatch(textOf(tail), /rows not shown/);
  assert.match(textOf(tail), /\(drawn screen\)[^\n]*:\ntop - /);
  await call(client, 'kill', { job_id: id });
});
