import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stripTerminalReplies } from '../../src/terminal/replies.js';

test('a terminal\'s answers to queries are removed; keys stay', () => {
  assert.equal(stripTerminalReplies('\x1b[12;40R'), ''); // CPR
  assert.equal(stripTerminalReplies('\x1b[?64;1;2;6;22c'), ''); // DA1
  assert.equal(stripTerminalReplies('\x1b[>0;276;0c'), ''); // DA2
  assert.equal(stripTerminalReplies('\x1b]11;rgb:0000/0000/0000\x1b\\'), ''); // OSC 11
  assert.equal(stripTerminalReplies('ab\x1b[3;5Rcd'), 'abcd');
  for (const key of ['\x1b[A', '\x1b[1;5C', '\x1bOP', '\x1b[3~', 'plain', '\x1c']) assert.equal(stripTerminalReplies(key), key);
});
