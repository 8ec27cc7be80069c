// The person: the CLI in a pty, its output drawn by a headless terminal that answers queries
// as a real one does.
import { createRequire } from 'node:module';
import nodePty from 'node-pty';
import type { Terminal } from '@xterm/headless';
import { CLI } from './socket.js';
import { waitUntil } from './wait.js';

const { Terminal: HeadlessTerminal } = createRequire(import.meta.url)('@xterm/headless') as { Terminal: typeof Terminal };

/** The person: the CLI in a pty of this size, its output drawn by a terminal that answers queries. */
export class PersonTerminal {
  readonly term: Terminal;
  readonly pty: nodePty.IPty;
  /** Everything the CLI wrote to the person's terminal. */
  received = '';
  readonly exited: Promise<number>;

  constructor(dir: string, args: string[], cols = 100, rows = 30) {
    this.term = new HeadlessTerminal({ cols, rows, allowProposedApi: true, logLevel: 'off' });
    this.pty = nodePty.spawn(process.execPath, [CLI, ...args], { cols, rows, env: { PATH: process.env.PATH!, HOME: process.env.HOME!, PTYJOBS_SOCKET_DIR: dir, TERM: 'xterm-256color' } });
    this.pty.onData((data) => {
      this.received += data;
      this.term.write(data);
    });
    // A real terminal answers the queries it is sent; so does this one, into the CLI's stdin.
    this.term.onData((answer) => this.pty.write(answer));
    this.exited = new Promise((resolve) => this.pty.onExit(({ exitCode }) => resolve(exitCode)));
  }

  /** The rows the person sees, trimmed, trailing empty rows dropped. */
  async rows(): Promise<string[]> {
    await new Promise<void>((resolve) => this.term.write('', resolve));
    const buffer = this.term.buffer.active;
    const rows: string[] = [];
    for (let row = 0; row < this.term.rows; row++) rows.push(buffer.getLine(buffer.baseY + row)?.translateToString(true).trimEnd() ?? '');
    while (rows.length && rows[rows.length - 1] === '') rows.pop();
    return rows;
  }

  async waitForRows(predicate: (rows: string[]) => boolean, what: string): Promise<string[]> {
    const rows = await waitUntil(async () => {
      const rows = await this.rows();
      return predicate(rows) ? rows : null;
    }, what);
    return rows!;
  }

  type(data: string): void {
    this.pty.write(data);
  }

  kill(): void {
    try {
      this.pty.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
}
