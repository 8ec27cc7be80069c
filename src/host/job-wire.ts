// A job and its screen as results carry them: the command line cut to its budget, the screen's
// rows only where the text block shows them.
import type { Job } from '../jobs/job.js';
import type { Screen } from '../terminal/screen-state.js';
import { COMMAND_MAX_CHARS, cutMiddle, fitLines } from './budget.js';
import type { JobWire, ScreenWire } from './schema.js';

export function jobWire(job: Job): JobWire {
  const info = job.info();
  return { ...info, command: cutMiddle(info.command, COMMAND_MAX_CHARS), name: info.name === null ? null : cutMiddle(info.name, COMMAND_MAX_CHARS) };
}

/** The screen for a result; its rows only when the text shows them (`allowance` > 0). */
export function screenWire(screen: Screen, allowance: number): ScreenWire {
  const { lines, ...meta } = screen;
  if (allowance <= 0) return meta;
  // Keep the rows around the cursor when they do not all fit.
  const fitted = fitLines(lines.slice(0, Math.max(screen.cursor.row + 1, Math.min(lines.length, screen.rows))), allowance);
  return { lines: fitted.lines, ...(fitted.omitted > 0 && { omitted_rows: fitted.omitted }), ...meta };
}

