// Wait patterns on RE2: the JavaScript spellings agents write, what is refused and why, multiline
// anchors, and bounded work over long texts (checked against V8's RegExp where both run).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JobError } from '../../src/errors.js';
import { compilePattern, PATTERN_MAX_CHARS } from '../../src/jobs/pattern.js';
import { random } from '../helpers/random.js';

async function refusal(source: string): Promise<string> {
  try {
    await compilePattern(source);
  } catch (error) {
    assert.ok(error instanceof JobError, `${source}: ${error}`);
    return error.message;
  }
  assert.fail(`${source} was accepted`);
}

test('the JavaScript spellings agents write match as RegExp with the m flag does', async () => {
  const text = 'build 42 ok\nserver: listening on http://127.0.0.1:8080/api\n$ \nTOTAL: 3 passed, 0 failed\ncafé naïve\n';
  const sources = [
    '\\d+', '\\w+:', '\\s\\d', '\\bok\\b', '(?:\\d+\\.){3}\\d+', '(?<port>\\d{2,5})/', ':(\\d+?)', 'http:\\/\\/[^/]+', '\\u00e9', '\\x24 $',
    '^\\$ $', '^TOTAL: (\\d+) passed', 'failed$', 'ok$', '[^]{3}', 'a|ab', 'x*', '[a-z-]+ [a-z]+$', '\\.\\*', '\\D+', '\\W\\S',
  ];
  for (const source of sources) {
    const expected = new RegExp(source, 'm').exec(text);
    const match = (await compilePattern(source)).exec(text);
    assert.deepEqual(match, expected && { index: expected.index, text: expected[0] }, source);
  }
});

test('RE2 adds inline flags the wait has no field for; positions are UTF-16 indexes, as in JavaScript', async () => {
  assert.equal((await compilePattern('(?i)error')).exec('Build ERROR: 1')?.text, 'ERROR');
  assert.equal((await compilePattern('(?s)start.*end')).exec('start\nmiddle\nend')?.text, 'start\nmiddle\nend');
  assert.deepEqual((await compilePattern('x')).exec('😀é x'), { index: 4, text: 'x' });
  assert.deepEqual((await compilePattern('^$')).exec('a\n\nb'), { index: 2, text: '' });
});

test('lookarounds and backreferences are refused: the message says why and how to rewrite', async () => {
  const cases: [string, string][] = [
    ['done(?=\\n)', 'a(?=b) → ab'],
    ['error(?!s)', 'a(?!b) → a(?:[^b]|$)'],
    ['(?<=port )\\d+', '(?<=a)b → ab'],
    ['(?<!un)ready', '(?<!a)b → (?:^|[^a])b'],
    ['(\\w+) \\1', '(ab)\\1 → (ab)ab'],
    ['(?<word>\\w+) \\k<word>', '(ab)\\1 → (ab)ab'],
  ];
  for (const [source, rewrite] of cases) {
    const message = await refusal(source);
    assert.match(message, /linear-time engine \(RE2\) so that no pattern can freeze the host/, source);
    assert.ok(message.includes(rewrite), `${source}: ${message}`);
  }
  // The same characters inside a class or escaped are plain text.
  assert.equal((await compilePattern('[(?=]+')).exec('a(?=b')?.text, '(?=');
  assert.equal((await compilePattern('\\(?!')).exec('x!')?.text, '!');
  assert.equal((await compilePattern('\\\\1')).exec('a\\1')?.text, '\\1');
});

test('invalid patterns (in V8\'s words where JavaScript rejects them too), too long ones and ones that compile to too much say what to change', async () => {
  for (const source of ['(', 'build [', 'a{2,1}', 'a**']) {
    const message = await refusal(source);
    assert.match(message, /^The pattern is not a valid JavaScript regex: Invalid regular expression: .+ Escape special characters/, source);
  }
  for (const source of ['a{1001}', '[\\b]']) {
    const message = await refusal(source);
    assert.match(message, /^The pattern is valid JavaScript, but RE2, the linear-time engine wait patterns run on, refuses it: invalid .+ Repetition counts go up to \{1000\}/, source);
    assert.ok(!message.includes('(?m)'), `the engine's flags leak into: ${message}`);
  }
  assert.match(await refusal('x'.repeat(PATTERN_MAX_CHARS + 1)), /1001 characters; at most 1000/);
  assert.match(await refusal('.{0,1000}'), /compiles to \d+ steps; at most 500 .* Lower its repetition counts/);
  await compilePattern('x'.repeat(PATTERN_MAX_CHARS - 600)); // a long literal is fine
});

test('the regex bomb from the issue is linear: (a+)+$ returns at once', async () => {
  const bomb = await compilePattern('(a+)+$');
  const started = performance.now();
  assert.equal(bomb.exec(`${'a'.repeat(31)}b`), null);
  assert.equal(bomb.exec(`${'a'.repeat(100_000)}b`), null);
  assert.deepEqual(bomb.exec('xaaa\nb'), { index: 1, text: 'aaa' });
  assert.ok(performance.now() - started < 2000, `${performance.now() - started} ms`); // RegExp: ~96 s for the first alone
});

test('long texts are matched in windows: the same matches as RegExp, also across a cut, and $ never matches at a cut inside a line', async () => {
  const next = random(20);
  const word = () => Math.floor(next() * 1e6).toString(36);
  const lines: string[] = [];
  for (let length = 0; length < 150_000; length += lines[lines.length - 1].length + 1) lines.push(Array.from({ length: 1 + Math.floor(next() * 12) }, word).join(' '));
  // The needle is 3,000 characters; z{300} never matches but makes windows small (8,192 characters), so that
  // the needle often straddles a cut and is found in the overlap.
  const needle = `MARKER spans\n${'x\n'.repeat(1500)}a cut`;
  const sources = ['^MARKER (?:spans)\\s\\w+', 'MARKER.*$', '\\bMARKER spans\\n\\w{1,100}', '(?:MARKER spans\\n[x\\n]*a cut$|z{300})'].map((source) => [source, compilePattern(source)] as const);
  for (let at = 0; at < lines.length; at += 29) {
    const text = [...lines.slice(0, at), needle, ...lines.slice(at)].join('\n');
    for (const [source, pattern] of sources) {
      const expected = new RegExp(source, 'm').exec(text);
      assert.deepEqual((await pattern).exec(text), expected && { index: expected.index, text: expected[0] }, `${source} at line ${at}`);
    }
  }
  // One line longer than a window: the cuts inside it are no line ends.
  const line = 'a'.repeat(100_000);
  const atLineEnd = await compilePattern('a{50}$');
  assert.equal(atLineEnd.exec(`${line}b\n`), null);
  assert.deepEqual(atLineEnd.exec(`${line}\n`), { index: line.length - 50, text: 'a'.repeat(50) });
  assert.equal((await compilePattern('^a{50}b')).exec(`x${line}b`), null);
  assert.equal((await compilePattern('\\ba{50}\\b')).exec(`${line} ${line}`), null);
});

test('a pathological pattern over a big text is cut off by the time budget instead of blocking', async () => {
  const next = random(7);
  const text = Array.from({ length: 1 << 20 }, () => (next() < 0.5 ? 'a' : 'b')).join('');
  // Its DFA overflows; RE2's NFA takes ~15 s for this megabyte (RegExp fares no better).
  const pattern = await compilePattern('a[ab]{100}b[ab]{100}$');
  const started = performance.now();
  assert.equal(pattern.exec(text), null);
  assert.ok(performance.now() - started < 5000, `${performance.now() - started} ms`);
});

test('a plain-string pattern is found without the regex engine, as RegExp finds it', async () => {
  for (const [source, text] of [['ready', 'server ready\n'], ['k3z\\]', '[k3z]'], ['BUILD-OK', 'x\nBUILD-OK\n'], ['a\\.b', 'axb a.b'], ['no such', 'text']] as const) {
    const match = (await compilePattern(source)).exec(text);
    const expected = new RegExp(source, 'm').exec(text);
    assert.deepEqual(match && [match.index, match.text], expected && [expected.index, expected[0]], source);
  }
});
