#!/usr/bin/env node
// The ptyjobs command. With a CLI command (ls, attach, watch, tail, kill, web, run, daemon) it is
// a client of the job hosts; otherwise it serves MCP (see serve.ts). Each mode is loaded with
// import() when chosen, so none pays for the others' code at start-up; on stdio, the MCP server
// itself is loaded only once the client has its first answers (process/stdio-front.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, forgetVariablesKeptFromJobs, helpText, loadConfig, type Config } from './config.js';
import { packageRoot } from './package-root.js';
import { manageLifecycle, type Lifecycle } from './process/lifecycle.js';
import { describeError, log } from './util/log.js';
import { readAnswers, StdioFront } from './process/stdio-front.js';
import { ensureSocketDir } from './socket/dir.js';

function packageVersion(root: string): string {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** The first words that make ptyjobs a CLI rather than a server (see cli/main.ts). */
const CLI_COMMANDS = ['ls', 'attach', 'watch', 'tail', 'kill', 'web', 'daemon', 'run'];

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const root = packageRoot();
  const version = packageVersion(root);
  if (CLI_COMMANDS.includes(argv[0])) {
    forgetVariablesKeptFromJobs(process.env); // a daemon started by `ptyjobs run` gets the environment
    const { runCli } = await import('./cli/main.js');
    const code = await runCli(argv, version);
    if (code >= 0) process.exit(code); // the daemon itself (-1) keeps running
    return;
  }
  let request;
  try {
    request = loadConfig(argv, process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    log(`ptyjobs: ${error.message}`);
    process.exit(2);
  }
  if (request.kind === 'help') return void console.log(helpText(version));
  if (request.kind === 'version') return void console.log(version);
  forgetVariablesKeptFromJobs(process.env); // read into config; nothing this process starts needs them
  for (const warning of request.warnings) log(warning);
  const config = withSafeSocketDir(request.config);
  const lifecycle = manageLifecycle({ stdio: !config.http, killGraceMs: config.killGraceMs });
  if (config.http) return (await import('./serve.js')).serveOverHttp(config, version, lifecycle);
  const front = new StdioFront(await readAnswers(root, version), () => void serveStdio(config, version, front, lifecycle));
}

/**
 * The socket dir is checked at once, not when the server proper loads: an embedded host runs
 * without a control socket in a dir that is not private (and says so now); a front of the
 * shared daemon cannot run at all.
 */
function withSafeSocketDir(config: Config): Config {
  if (!config.socket && !config.shared) return config;
  try {
    ensureSocketDir(config.socketDir);
    return config;
  } catch (error) {
    if (config.shared) {
      log(`ptyjobs: ${(error as Error).message}`);
      process.exit(2);
    }
    log(`ptyjobs: no control socket (ptyjobs ls and attach will not see these jobs): ${(error as Error).message}`);
    return Object.freeze({ ...config, socket: false });
  }
}

/** Loads and connects the server proper behind the stdio front. */
async function serveStdio(config: Config, version: string, front: StdioFront, lifecycle: Lifecycle): Promise<void> {
  try {
    const { serve, serveFront } = await import('./serve.js');
    await (config.shared ? serveFront : serve)(config, version, front, lifecycle);
  } catch (error) {
    log(`ptyjobs: cannot serve: ${describeError(error)}`);
    await lifecycle.stop('start-up failed', 1);
  }
}

main().catch((error: unknown) => {
  log(`ptyjobs: ${describeError(error)}`);
  process.exit(1);
});
