import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { daemonArgs, daemonEnv, helpText, loadConfig, parseSize, VARIABLES_KEPT_FROM_JOBS } from '../../src/config.js';
import { DEFAULT_REQUEST_TIMEOUT_MSEC } from '@modelcontextprotocol/sdk/shared/protocol.js';

const serve = (argv: string[], env: Record<string, string> = {}) => {
  const request = loadConfig(argv, { SHELL: '/bin/bash', ...env });
  assert.equal(request.kind, 'serve');
  return (request as Extract<typeof request, { kind: 'serve' }>).config;
};

test('defaults follow the contract', () => {
  const config = serve([]);
  assert.equal(config.maxJobs, 10);
  assert.equal(config.maxOutputBytes, 10 * 1024 * 1024);
  assert.equal(config.jobTimeoutS, null);
  assert.equal(config.cols, 120);
  assert.equal(config.rows, 40);
  assert.equal(config.scrollback, 1000);
  assert.equal(config.killGraceMs, 3000);
  assert.equal(config.shell, '/bin/bash');
  assert.equal(config.workingDir, process.cwd());
  assert.deepEqual(config.allowedCommands, []);
  assert.equal(config.maxWaitMs, 50_000);
  // A wait at the cap answers before the SDK client gives up on a request.
  assert.ok(config.maxWaitMs < DEFAULT_REQUEST_TIMEOUT_MSEC - 5000);
  assert.ok(Object.isFrozen(config));
});

test('an empty value means the default, as client configs use it for "unset"', () => {
  const config = serve([], { PTYJOBS_MAX_JOBS: '', MCP_BG_MAX_JOBS: ' ', PTYJOBS_COLS: '', PTYJOBS_WORKING_DIR: '' });
  assert.deepEqual([config.maxJobs, config.cols, config.workingDir], [10, 120, process.cwd()]);
  assert.equal(serve([], { PTYJOBS_MAX_JOBS: '', MCP_BG_MAX_JOBS: '3' }).maxJobs, 3);
});

test('a shell that does not exist or cannot run stops the server at start, naming the setting', () => {
  assert.throws(() => serve([], { PTYJOBS_SHELL: '/bin/nosuch' }), /Invalid setting PTYJOBS_SHELL="\/bin\/nosuch": is not an executable file/);
  assert.throws(() => serve(['--shell', '/etc/passwd']), /--shell.*not an executable file/);
  assert.throws(() => serve([], { SHELL: '/bin/nosuch' }), /PTYJOBS_SHELL="\/bin\/nosuch"/);
});

test('without SHELL (GUI clients) jobs run under bash when it exists', () => {
  const request = loadConfig([], {});
  assert.equal(request.kind === 'serve' && request.config.shell, '/bin/bash');
});

test('a misspelt PTYJOBS_ variable gets a warning naming the closest setting', () => {
  const request = loadConfig([], { SHELL: '/bin/bash', PTYJOBS_MAX_JOB: '3', PTYJOBS_SCROLBACK: '10', PTYJOBS_JOB: 'tag' });
  assert.equal(request.kind, 'serve');
  const { warnings } = request as Extract<typeof request, { kind: 'serve' }>;
  assert.deepEqual(warnings, [
    'ptyjobs: ignoring unknown setting PTYJOBS_MAX_JOB; did you mean PTYJOBS_MAX_JOBS?',
    'ptyjobs: ignoring unknown setting PTYJOBS_SCROLBACK; did you mean PTYJOBS_SCROLLBACK?',
  ]);
});

test('a job timeout of 0 or none means no timeout; messages name the source of each setting', () => {
  assert.equal(serve([], { PTYJOBS_JOB_TIMEOUT_S: '0' }).jobTimeoutS, null);
  assert.equal(serve([], { MCP_BG_JOB_TIMEOUT: 'none' }).jobTimeoutS, null);
  assert.equal(serve(['--max-jobs', '2']).sources.maxJobs, '--max-jobs');
  assert.equal(serve([], { MCP_BG_MAX_JOBS: '2' }).sources.maxJobs, 'MCP_BG_MAX_JOBS');
  assert.equal(serve([]).sources.maxJobs, 'PTYJOBS_MAX_JOBS');
});

test('sizes accept bytes and binary units', () => {
  assert.equal(parseSize('20MB'), 20 * 1024 * 1024);
  assert.equal(parseSize('512KB'), 512 * 1024);
  assert.equal(parseSize('1.5M'), 1.5 * 1024 * 1024);
  assert.equal(parseSize('4096'), 4096);
  assert.throws(() => parseSize('lots'), /not a size/);
});

test('flags beat PTYJOBS_ variables, which beat the seed MCP_BG_ aliases', () => {
  assert.equal(serve([], { MCP_BG_MAX_JOBS: '3' }).maxJobs, 3);
  assert.equal(serve([], { MCP_BG_MAX_JOBS: '3', PTYJOBS_MAX_JOBS: '4' }).maxJobs, 4);
  assert.equal(serve(['--max-jobs', '5'], { PTYJOBS_MAX_JOBS: '4' }).maxJobs, 5);
  assert.equal(serve(['--max-jobs=6']).maxJobs, 6);
  assert.equal(serve([], { MCP_BG_MAX_OUTPUT_SIZE: '2MB' }).maxOutputBytes, 2 * 1024 * 1024);
  assert.equal(serve([], { PTYJOBS_JOB_TIMEOUT_S: '90' }).jobTimeoutS, 90);
  assert.equal(serve([], { PTYJOBS_SHELL: '/bin/sh' }).shell, '/bin/sh');
  assert.equal(serve([], { PTYJOBS_ALLOWED_COMMANDS: '^echo,^ls' }).allowedCommands.length, 2);
});

test('an invalid value names the setting', () => {
  assert.throws(() => serve([], { PTYJOBS_MAX_JOBS: 'ten' }), /PTYJOBS_MAX_JOBS="ten"/);
  assert.throws(() => serve([], { MCP_BG_MAX_JOBS: '0' }), /MCP_BG_MAX_JOBS/);
  assert.throws(() => serve(['--max-output-bytes', 'huge']), /--max-output-bytes/);
  assert.throws(() => serve([], { PTYJOBS_WORKING_DIR: '/no/such/dir' }), /PTYJOBS_WORKING_DIR.*not an existing directory/);
  assert.throws(() => serve([], { PTYJOBS_ALLOWED_COMMANDS: '(' }), /PTYJOBS_ALLOWED_COMMANDS.*not a valid regex/);
  assert.throws(() => serve(['--cols', '1']), /--cols/);
  assert.throws(() => serve(['--bogus', '1']), /Unknown option --bogus/);
  assert.throws(() => serve(['--max-jobs']), /needs a value/);
  assert.throws(() => serve(['frobnicate']), /Unknown command frobnicate; the commands are ls, attach/);
  assert.equal(serve(['--max-jobs=7']).maxJobs, 7);
});

test('--help and --version are requests of their own', () => {
  assert.equal(loadConfig(['--help'], {}).kind, 'help');
  assert.equal(loadConfig(['--version'], {}).kind, 'version');
});

test('a job timeout that is no number says what is accepted', () => {
  assert.throws(() => serve([], { PTYJOBS_JOB_TIMEOUT_S: 'forever' }), /PTYJOBS_JOB_TIMEOUT_S="forever": use a number of seconds above 0, or none, unlimited or 0 for no timeout/);
  assert.throws(() => serve(['--max-jobs', 'ten']), /--max-jobs="ten": must be a whole number from 1 to 10000/);
  assert.throws(() => serve([], { PTYJOBS_SOCKET: 'yes' }), /PTYJOBS_SOCKET="yes": use one of on, off/);
});

test('the socket dir is resolved once, to a full path, by the rule of socket/dir.ts', () => {
  assert.equal(serve([], { PTYJOBS_SOCKET_DIR: 'rel/dir', XDG_RUNTIME_DIR: '/run/user/7' }).socketDir, resolve('rel/dir'));
  assert.equal(serve([], { XDG_RUNTIME_DIR: '/run/user/7' }).socketDir, '/run/user/7/ptyjobs');
  assert.equal(serve([], { TMPDIR: '/var/tmp' }).socketDir, `/var/tmp/ptyjobs-${userInfo().uid}`);
  assert.equal(serve([]).socketDir, join(tmpdir(), `ptyjobs-${userInfo().uid}`));
  assert.equal(serve(['--socket-dir', '/srv/s']).socketDir, '/srv/s');
});

test('jobs and the daemon get no HTTP token, address or remote switch; other variables stay', () => {
  const env = { PTYJOBS_HTTP_TOKEN: 'secret', PTYJOBS_HTTP: '8765', PTYJOBS_HTTP_ALLOW_REMOTE: '1', PTYJOBS_MAX_JOBS: '4', HOME: '/home/x' };
  const config = serve([], env);
  assert.equal(config.httpToken, 'secret');
  assert.deepEqual(config.http, { host: '127.0.0.1', port: 8765 });
  for (const name of VARIABLES_KEPT_FROM_JOBS) {
    assert.equal(name in config.baseEnv, false, name);
    assert.equal(name in daemonEnv(config), false, name);
  }
  assert.equal(config.baseEnv.PTYJOBS_MAX_JOBS, '4');
  assert.equal(daemonEnv(config).HOME, '/home/x');
});

test('the daemon\'s arguments come from the settings: host-level flags, the socket dir, never an HTTP flag, its value or a token', () => {
  const config = serve(['--shared', '--http', '18770', '--http-token', 'T0KEN', '--max-jobs', '7', '--kill-grace-ms=500', '--cols', '80', '--socket-dir', '/srv/s'], { PTYJOBS_SCROLLBACK: '50' });
  assert.deepEqual(daemonArgs(config, '/p/ptyjobs.mjs'), ['/p/ptyjobs.mjs', 'daemon', 'serve', '--socket-dir', '/srv/s', '--max-jobs', '7', '--kill-grace-ms', '500']);
  // The daemon reads them back as the front had them.
  const daemon = serve(daemonArgs(config, '').slice(3), { PTYJOBS_SCROLLBACK: '50' });
  for (const key of ['maxJobs', 'killGraceMs', 'scrollback', 'socketDir'] as const) assert.equal(daemon[key], config[key], key);
});

test('--help names the token file as it is written', () => {
  assert.match(helpText('0'), /http-token-PORT in the socket dir/);
});
