import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scanEcho } from '../../src/jobs/echo.js';

const scan = (output: string, typed: string) => scanEcho(Buffer.from(output), typed);

test('a typed line and its CRLF are the echo; what follows is output', () => {
  const output = 'sleep 3; echo BUILD-OK\r\nBUILD-OK\r\n$ ';
  const echo = scan(output, 'sleep 3; echo BUILD-OK\r');
  assert.deepEqual(echo, { bytes: 'sleep 3; echo BUILD-OK\r\n'.length, done: true });
});

test('an echo still arriving is not done; escapes and continuation prompts belong to it', () => {
  assert.deepEqual(scan('sleep 3; ec', 'sleep 3; echo x\r'), { bytes: 11, done: false });
  const pasted = '\x1b[?2004ldef f():\r\n...     return 1\r\n';
  assert.deepEqual(scan(pasted, 'def f():\r    return 1\r'), { bytes: pasted.length, done: true });
});

test('a program that does not echo: nothing is skipped', () => {
  assert.deepEqual(scan('[k1z]', 'k1z'), { bytes: 0, done: true });
});
