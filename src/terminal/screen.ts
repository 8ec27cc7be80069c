// One job's headless terminal: parses the job's output into a screen a person would see,
// answers the program's terminal queries, and reports the modes that key encoding needs.
import xtermHeadless from '@xterm/headless';
import unicode11 from '@xterm/addon-unicode11';
import type { KeyModes } from './keys.js';

// Both packages are CommonJS: named ESM imports type-check but fail at run time.
const { Terminal } = xtermHeadless;
const { Unicode11Addon } = unicode11;

export interface Screen {
  /** Visible rows, trailing spaces trimmed, trailing empty rows dropped. */
  lines: string[];
  cursor: { row: number; col: number };
  cols: number;
  rows: number;
  /** True while a full-screen program (vim, less, top) owns the alternate buffer. */
  alternate_screen: boolean;
}

export interface ScreenOptions {
  cols: number;
  rows: number;
  scrollback: number;
  /** Receives the terminal's answers to queries (cursor position, device attributes). */
  onReply: (data: string) => void;
}

export class HeadlessScreen {
  private readonly term: InstanceType<typeof Terminal>;
  /** Bytes handed to the parser and not yet parsed. */
  private pendingBytes = 0;
  private drainWaiters: (() => void)[] = [];

  constructor(options: ScreenOptions) {
    // logLevel off: xterm logs parse errors of binary output with console.log, and stdout is the MCP channel.
    this.term = new Terminal({ cols: options.cols, rows: options.rows, scrollback: options.scrollback, allowProposedApi: true, logLevel: 'off' });
    this.term.loadAddon(new Unicode11Addon());
    this.term.unicode.activeVersion = '11';
    this.term.onData(options.onReply);
  }

  get backlog(): number {
    return this.pendingBytes;
  }

  get modes(): KeyModes & { bracketedPaste: boolean } {
    const modes = this.term.modes;
    return { applicationCursor: modes.applicationCursorKeysMode, bracketedPaste: modes.bracketedPasteMode };
  }

  /** Queues bytes for the parser; `onParsed` runs once they are on the screen. */
  write(data: Uint8Array, onParsed?: () => void): void {
    this.pendingBytes += data.length;
    this.term.write(data, () => {
      this.pendingBytes -= data.length;
      onParsed?.();
      if (this.pendingBytes === 0) this.releaseDrainWaiters();
    });
  }

  /** Resolves once everything written so far is parsed. */
  settled(): Promise<void> {
    if (this.pendingBytes === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  resize(cols: number, rows: number): void {
    this.term.resize(cols, rows);
  }

  /** The visible screen as it is now (call settled() first for an up-to-date one). */
  snapshot(): Screen {
    const buffer = this.term.buffer.active;
    const lines: string[] = [];
    for (let row = 0; row < this.term.rows; row++) {
      lines.push((buffer.getLine(buffer.baseY + row)?.translateToString(true) ?? '').trimEnd());
    }
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return {
      lines,
      cursor: { row: buffer.cursorY, col: buffer.cursorX },
      cols: this.term.cols,
      rows: this.term.rows,
      alternate_screen: buffer.type === 'alternate',
    };
  }

  dispose(): void {
    this.releaseDrainWaiters();
    this.term.dispose();
  }

  private releaseDrainWaiters(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
