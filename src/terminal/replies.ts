// A person's terminal answers the queries a program sends it (cursor position, device
// attributes, colours). When that program runs in a job, ptyjobs' own terminal already answered
// it: the person's answers must not be typed into the job as well.
import { ESC } from './control.js';

/** Answers a terminal sends (not keys a person types), as they arrive on its input. */
const REPLY_PATTERNS = [
  /\x1b\[\d+;\d+R/g, // CPR: cursor position report (answers CSI 6 n)
  /\x1b\[[?>=][\d;]*c/g, // DA1/DA2/DA3: device attributes
  /\x1b\[\??\d+(;\d+)*\$y/g, // DECRPM: mode reports
  /\x1b\[[0-3]n/g, // DSR status
  /\x1b\](?:4|1[0-9]);[^\x07\x1b]*(?:\x07|\x1b\\)/g, // OSC colour answers
  /\x1bP[^\x1b]*\x1b\\/g, // DCS answers (XTVERSION, DECRQSS, XTGETTCAP)
  /\x1b\[\d+;\d+;\d+t/g, // window size reports
];

/** Removes terminal answers from input; what is left is what the person typed. */
export function stripTerminalReplies(data: string): string {
  if (!data.includes(ESC)) return data;
  return REPLY_PATTERNS.reduce((text, pattern) => text.replace(pattern, ''), data);
}
