// Control characters that more than one module reads or writes, named once (as xterm's
// src/common/data/EscapeSequences.ts names them).

/** Escape: the start of every escape sequence. */
export const ESC = '\x1b';
/** Control Sequence Introducer. */
export const CSI = `${ESC}[`;

/** The same characters as byte values, for scanning raw output. */
export const BYTE = {
  /** Bell: ends an OSC sequence. */
  BEL: 0x07,
  /** Line feed. */
  LF: 0x0a,
  /** Carriage return: what Enter sends. */
  CR: 0x0d,
  ESC: 0x1b,
} as const;
