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

test('bash 5 draws a pasted input twice (highlighted, then plain): both are the echo', () => {
  // As bash 5.2 answered `echo one\necho two\n` sent as a bracketed paste.
  const echo = '\x1b[7mecho one\x1b[27m\r\n\r\x1b[7mecho two\x1b[27m\x1b[A\r\x1b[C\x1b[Cecho one\r\n\recho two\r\n';
  const output = `${echo}\x1b[?2004l\rone\r\ntwo\r\n\x1b[?2004h$ `;
  assert.deepEqual(scan(output, 'echo one\recho two\r'), { bytes: echo.length, done: true });
  assert.deepEqual(scan(echo.slice(0, -20), 'echo one\recho two\r'), { bytes: echo.indexOf('\x1b[27m\x1b[A'), done: false });
});

test('cat: the echo of a line and cat printing it back are told apart', () => {
  assert.deepEqual(scan('hello\r\nhello\r\n', 'hello\r'), { bytes: 7, done: true });
});

test('a large input whose echo mixes with the output: the echo ends after the last line was last seen', () => {
  const lines = Array.from({ length: 10 }, (_, i) => `${i}`.padEnd(500, 'y'));
  const typed = `${lines.join('\r')}\r`;
  // cat's copy of each line arrives while later lines are still echoed, even inside them.
  const echoed = lines.map((line) => `${line}\r\n`).join('');
  const copies = lines.map((line) => `${line}\r\n`).join('');
  const output = Buffer.from(echoed.slice(0, 1200) + copies.slice(0, 800) + echoed.slice(1200) + copies.slice(800));
  assert.deepEqual(scanEcho(output, typed), { bytes: output.length, done: true, mixed: true });
  // Before the last line's echo has come, nothing yet is taken for output.
  const early = output.subarray(0, 3000);
  assert.deepEqual(scanEcho(early, typed), { bytes: early.length, done: false, mixed: true });
  // A program that echoes nothing of a large input: all its output is output.
  assert.deepEqual(scanEcho(Buffer.from('read 10 lines\r\n'), typed), { bytes: 0, done: true });
});

test('a prompt that arrives after the write (a slow program) comes before the echo and goes with it', () => {
  const output = Buffer.from('>>> 6*7\r\n42\r\n>>> ');
  assert.deepEqual(scanEcho(output, '6*7\r'), { bytes: '>>> 6*7\r\n'.length, done: true });
});
