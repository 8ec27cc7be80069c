#!/usr/bin/env node
// The ptyjobs command. With a CLI command (ls, attach, watch, tail, kill, web, run, daemon) it is
// a client of the job hosts; otherwise it serves MCP (see serve.ts). Each mode is loaded with
// import() when chosen, so none pays for the others' code at start-up.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, helpText, loadConfig } from './config.js';
import { packageRoot } from './package-root.js';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** The first words that make ptyjobs a CLI rather than a server (see cli/main.ts). */
const CLI_COMMANDS = ['ls', 'attach', 'watch', 'tail', 'kill', 'web', 'daemon', 'run'];

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  // Started at once: the server's modules load while the settings are read.
  const serving = CLI_COMMANDS.includes(argv[0]) ? null : import('./serve.js');
  const version = packageVersion();
  if (CLI_COMMANDS.includes(argv[0])) {
    // Loaded only for a CLI command, like the other modes below: the stdio server's start-up stays small.
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
    console.error(`ptyjobs: ${error.message}`);
    process.exit(2);
  }
  if (request.kind === 'help') return void console.log(helpText(version));
  if (request.kind === 'version') return void console.log(version);
  const { serve, serveFront, serveOverHttp } = await serving!;
  if (request.config.http) await serveOverHttp(request.config, request.warnings, version, argv);
  else if (request.config.shared) await serveFront(request.config, request.warnings, version, argv);
  else await serve(request.config, request.warnings, version);
}


void main();
