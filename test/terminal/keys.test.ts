import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeInput, encodeKey, encodeKeys } from '../../src/terminal/keys.js';

const normal = { applicationCursor: false };
const application = { applicationCursor: true };

test('fixed keys encode as a terminal sends them', () => {
  const table: [string, string][] = [
    ['Enter', '\r'],
    ['Tab', '\t'],
    ['S-Tab', '\x1b[Z'], // CSI Z
    ['Escape', '\x1b'],
    ['Backspace', '\x7f'],
    ['Insert', '\x1b[2~'], // CSI 2 ~
    ['Delete', '\x1b[3~'], // CSI 3 ~
    ['PageUp', '\x1b[5~'], // CSI 5 ~
    ['PageDown', '\x1b[6~'], // CSI 6 ~
    ['F1', '\x1bOP'], // SS3 P
    ['F4', '\x1bOS'], // SS3 S
    ['F5', '\x1b[15~'],
    ['F6', '\x1b[17~'],
    ['F10', '\x1b[21~'],
    ['F11', '\x1b[23~'],
    ['F12', '\x1b[24~'],
  ];
  for (const [name, bytes] of table) {
    assert.equal(encodeKey(name, normal), bytes, name);
    assert.equal(encodeKey(name, application), bytes, `${name} (application mode)`);
  }
});

test('cursor keys follow application-cursor mode', () => {
  const table: [string, string, string][] = [
    ['Up', '\x1b[A', '\x1bOA'],
    ['Down', '\x1b[B', '\x1bOB'],
    ['Right', '\x1b[C', '\x1bOC'],
    ['Left', '\x1b[D', '\x1bOD'],
    ['Home', '\x1b[H', '\x1bOH'],
    ['End', '\x1b[F', '\x1bOF'],
  ];
  for (const [name, normalBytes, appBytes] of table) {
    assert.equal(encodeKey(name, normal), normalBytes, name);
    assert.equal(encodeKey(name, application), appBytes, `${name} (application mode)`);
  }
});

test('control, alt and modified cursor keys', () => {
  assert.equal(encodeKey('C-a', normal), '\x01');
  assert.equal(encodeKey('C-c', normal), '\x03');
  assert.equal(encodeKey('C-z', normal), '\x1a');
  assert.equal(encodeKey('C-Z', normal), '\x1a');
  assert.equal(encodeKey('C-\\', normal), '\x1c');
  assert.equal(encodeKey('C-]', normal), '\x1d');
  assert.equal(encodeKey('C-@', normal), '\x00');
  assert.equal(encodeKey('M-x', normal), '\x1bx');
  assert.equal(encodeKey('M-C-x', normal), '\x1b\x18');
  assert.equal(encodeKey('C-Up', normal), '\x1b[1;5A'); // CSI 1 ; 5 A
  assert.equal(encodeKey('C-Up', application), '\x1b[1;5A');
  assert.equal(encodeKey('S-Left', normal), '\x1b[1;2D');
  assert.equal(encodeKey('M-Right', normal), '\x1b[1;3C');
  assert.equal(encodeKey('C-S-Home', normal), '\x1b[1;6H');
  assert.equal(encodeKeys(['Escape', 'C-c', 'Enter'], normal), '\x1b\x03\r');
});

test('unknown keys are a clear error listing the valid names', () => {
  assert.throws(() => encodeKey('Ctrl+C', normal), /Unknown key "Ctrl\+C".*Valid keys: Enter/);
  assert.throws(() => encodeKey('F13', normal), /Unknown key/);
  assert.throws(() => encodeKey('C-1', normal), /Unknown key/);
});

test('multi-line input is bracketed only when the program asked for it', () => {
  assert.equal(encodeInput('a\nb', false), 'a\nb');
  assert.equal(encodeInput('single line', true), 'single line');
  assert.equal(encodeInput('a\nb', true), '\x1b[200~a\nb\x1b[201~');
  // A single line ending in Enter is typing, not a paste.
  assert.equal(encodeInput('echo hi\r', true), 'echo hi\r');
  // Trailing line breaks press Enter after the paste.
  assert.equal(encodeInput('def f():\r  return 1\r\r', true), '\x1b[200~def f():\r  return 1\x1b[201~\r\r');
  // An embedded end marker cannot end the paste early.
  assert.equal(encodeInput('x\x1b[201~y\nz', true), '\x1b[200~xy\nz\x1b[201~');
});
