// `ptyjobs attach JOB` and `ptyjobs watch JOB`: the job's terminal in the person's terminal.
// The view opens on the alternate screen (the person's own screen is kept), draws the job's
// state at once, then live output. The detach key (Ctrl-\ by default) leaves; pressed twice it
// is sent through. On detach or job exit the person's terminal is put back as it was. A job that
// has ended shows its last screen and how it ended.
import type { JobWire } from '../host/schema.js';
import { PERSON_SESSION, type LiveHost } from '../socket/hosts.js';
import { stripTerminalReplies } from '../terminal/replies.js';
import { endedHow, exitStatus } from '../util/process.js';

/** Enters the view: the alternate screen, so the person's screen comes back on leaving. */
const ENTER_VIEW = '\x1b[?1049h\x1b[H\x1b[2J';
/**
 * Leaves it: soft reset (attributes, keypad and cursor-key modes, margins), mouse reporting,
 * bracketed paste and focus events off, cursor shown, back to the main screen.
 */
const LEAVE_VIEW = '\x1b[!p\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?2004l\x1b[?1004l\x1b[?1l\x1b>\x1b[0m\x1b[?25h\x1b[?1049l';

/** How long a detach key waits for a second one (which would send it through). */
const DETACH_CONFIRM_MS = 300;
/** Exit status when the host went away. */
export const EXIT_HOST_GONE = 3;
/** Lines of an ended job's text kept for the person. */
const ENDED_SCREEN_BYTES = 64 * 1024;

export interface AttachOptions {
  mode: 'attach' | 'watch';
  /** The byte that detaches (C-\ = 0x1c by default). */
  detachKey: string;
}

/** Exit codes: 0 detached, the job's own when it ended (128+N for a signal), 3 the host went away. */
export async function attach(live: LiveHost, jobId: string, options: AttachOptions): Promise<number> {
  const stdin = process.stdin;
  const stdout = process.stdout;
  const size = () => ({ cols: stdout.columns || 80, rows: stdout.rows || 24 });
  const label = `${live.label}:${jobId}`;
  let finish!: (outcome: { code: number; job?: JobWire }) => void;
  const done = new Promise<{ code: number; job?: JobWire }>((resolve) => (finish = resolve));
  // Stream bytes that come before the view is open wait for it.
  let viewing = false;
  const early: Buffer[] = [];
  const { job, viewer } = await live.host.attach(PERSON_SESSION, { job_id: jobId, mode: options.mode, ...(options.mode === 'attach' && size()) }, {
    write: (bytes) => (viewing ? stdout.write(bytes) : early.push(bytes)),
    backlogBytes: 0,
    ended: (ended) => finish({ code: exitStatus(ended.exit_code, ended.signal), job: ended }),
    hostGone: () => finish({ code: EXIT_HOST_GONE }),
  });
  if (job.status !== 'running') {
    viewer.detach();
    const tail = await live.host.tail(PERSON_SESSION, { job_id: jobId, lines: job.rows, max_bytes: ENDED_SCREEN_BYTES });
    if (tail.lines.length) stdout.write(`${tail.lines.join('\n')}\n`);
    stdout.write(`${label} ended (${endedHow(job.exit_code, job.signal)})\n`);
    return exitStatus(job.exit_code, job.signal);
  }
  stdout.write(ENTER_VIEW);
  viewing = true;
  for (const bytes of early) stdout.write(bytes);

  stdin.setRawMode(true);
  stdin.resume();
  let armed = false; // the detach key was pressed once
  const onInput = (chunk: Buffer) => {
    const key = options.detachKey;
    let typed = '';
    // latin1 keeps each byte as one character: the person's UTF-8 goes through unchanged.
    for (const char of stripTerminalReplies(chunk.toString('latin1'))) {
      if (char !== key) {
        if (armed) return finish({ code: 0 }); // the detach key, then something else: leave
        typed += char;
      } else if (armed) {
        typed += key; // twice: the key itself goes through
        armed = false;
      } else armed = true;
    }
    // A lone detach key leaves, unless a second one follows at once.
    if (armed) setTimeout(() => armed && finish({ code: 0 }), DETACH_CONFIRM_MS);
    if (options.mode === 'attach' && typed) viewer.input(Buffer.from(typed, 'latin1'));
  };
  const onResize = () => {
    if (options.mode === 'attach') viewer.resize(size().cols, size().rows);
  };
  stdin.on('data', onInput);
  stdout.on('resize', onResize);

  const outcome = await done;
  stdin.off('data', onInput);
  stdout.off('resize', onResize);
  viewer.detach();
  stdin.setRawMode(false);
  stdin.pause();
  stdout.write(LEAVE_VIEW);
  if (outcome.job) stdout.write(`${label} ended (${endedHow(outcome.job.exit_code, outcome.job.signal)})\n`);
  if (outcome.code === EXIT_HOST_GONE) stdout.write(`${label}: the job's host went away\n`);
  return outcome.code;
}
