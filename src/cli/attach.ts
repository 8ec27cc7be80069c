// `ptyjobs attach JOB` and `ptyjobs watch JOB`: the job's terminal in the person's terminal.
// The view opens on the alternate screen (the person's own screen is kept), draws the job's
// state at once, then live output. The detach key (Ctrl-\ by default) leaves; pressed twice it
// is sent through. On detach or job exit the person's terminal is put back as it was.
import { constants as osConstants } from 'node:os';
import { stripTerminalReplies } from '../terminal/replies.js';
import type { HostConnection } from '../socket/client.js';

/** Enters the view: the alternate screen, so the person's screen comes back on leaving. */
const ENTER_VIEW = '\x1b[?1049h\x1b[H\x1b[2J';
/**
 * Leaves it: soft reset (attributes, keypad and cursor-key modes, margins), mouse reporting,
 * bracketed paste and focus events off, cursor shown, back to the main screen.
 */
const LEAVE_VIEW = '\x1b[!p\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?2004l\x1b[?1004l\x1b[?1l\x1b>\x1b[0m\x1b[?25h\x1b[?1049l';

/** How long a detach key waits for a second one (which would send it through). */
const DETACH_CONFIRM_MS = 300;

export interface AttachOptions {
  mode: 'attach' | 'watch';
  /** The byte that detaches (C-\ = 0x1c by default). */
  detachKey: string;
}

/** Exit codes: 0 detached, the job's own when it ended (128+N for a signal), 3 the host went away. */
export async function attach(connection: HostConnection, jobId: string, options: AttachOptions): Promise<number> {
  const stdin = process.stdin;
  const stdout = process.stdout;
  const size = () => ({ cols: stdout.columns || 80, rows: stdout.rows || 24 });
  let finish!: (code: number) => void;
  const done = new Promise<number>((resolve) => (finish = resolve));

  stdout.write(ENTER_VIEW);
  let stream: Awaited<ReturnType<HostConnection['attach']>>;
  try {
    stream = await connection.attach(jobId, options.mode, options.mode === 'attach' ? size() : null, {
      data: (bytes) => stdout.write(bytes),
      exit: (job) => finish(job.signal ? 128 + (signalNumber(job.signal) ?? 1) : (job.exit_code ?? 0)),
    });
  } catch (error) {
    stdout.write(LEAVE_VIEW);
    throw error;
  }
  connection.onClose(() => finish(3));

  stdin.setRawMode(true);
  stdin.resume();
  let armed = false; // the detach key was pressed once
  const onInput = (chunk: Buffer) => {
    const key = options.detachKey;
    let typed = '';
    for (const char of stripTerminalReplies(chunk.toString('latin1'))) {
      if (char !== key) {
        if (armed) return finish(0); // the detach key, then something else: leave
        typed += char;
      } else if (armed) {
        typed += key; // twice: the key itself goes through
        armed = false;
      } else armed = true;
    }
    // A lone detach key leaves, unless a second one follows at once.
    if (armed) setTimeout(() => armed && finish(0), DETACH_CONFIRM_MS);
    if (options.mode === 'attach' && typed) stream.input(Buffer.from(typed, 'latin1'));
  };
  const onResize = () => {
    if (options.mode === 'attach') stream.resize(size().cols, size().rows);
  };
  stdin.on('data', onInput);
  stdout.on('resize', onResize);

  const code = await done;
  stdin.off('data', onInput);
  stdout.off('resize', onResize);
  stream.detach();
  stdin.setRawMode(false);
  stdin.pause();
  stdout.write(LEAVE_VIEW);
  return code;
}

function signalNumber(name: string): number | undefined {
  return (osConstants.signals as Record<string, number>)[name];
}
