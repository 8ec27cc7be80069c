import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findDisallowed, parseAllowedCommands, simpleCommands } from '../../src/jobs/policy.js';

test('the setting parses as a JSON array or a comma list with regex commas kept', () => {
  assert.deepEqual(parseAllowedCommands(''), []);
  assert.deepEqual(parseAllowedCommands('^echo, ^ls').map(String), ['/^echo/', '/^ls/']);
  assert.deepEqual(parseAllowedCommands('^a{1,3}$,^(x|y,z)').map(String), ['/^a{1,3}$/', '/^(x|y,z)/']);
  assert.deepEqual(parseAllowedCommands('^echo a\\,b').map(String), ['/^echo a,b/']);
  assert.deepEqual(parseAllowedCommands('["^echo a,b", "^npm (run|test)"]').map(String), ['/^echo a,b/', '/^npm (run|test)/']);
  assert.throws(() => parseAllowedCommands('^ok,(unclosed'), /\/\(unclosed\/ is not a valid regex/);
  assert.throws(() => parseAllowedCommands('[1,2]'), /array of strings/);
});

test('commands split on control operators and substitutions, respecting quotes', () => {
  assert.deepEqual(simpleCommands('echo ok; rm -rf x'), ['echo ok', 'rm -rf x']);
  assert.deepEqual(simpleCommands('a && b || c | d & e'), ['a', 'b', 'c', 'd', 'e']);
  assert.deepEqual(simpleCommands('echo "a;b" \'c|d\''), ['echo "a;b" \'c|d\'']);
  assert.deepEqual(simpleCommands('echo $(rm -rf x)'), ['rm -rf x', 'echo']);
  assert.deepEqual(simpleCommands('echo `whoami`'), ['whoami', 'echo']);
  assert.deepEqual(simpleCommands('(cd src; make)'), ['cd src', 'make']);
});

test('every simple command must be allowed', () => {
  const allowed = parseAllowedCommands('^echo\\b,^ls\\b');
  assert.equal(findDisallowed('echo hi', allowed), null);
  assert.equal(findDisallowed('echo hi && ls -l', allowed), null);
  assert.equal(findDisallowed('echo ok; rm -rf x', allowed), 'rm -rf x');
  assert.equal(findDisallowed('echo $(rm -rf x)', allowed), 'rm -rf x');
  assert.equal(findDisallowed('anything', []), null);
});
