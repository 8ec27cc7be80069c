// Character cell widths as the C library counts them. Programs in a job's pty (readline,
// python, vim) measure text with glibc's wcwidth; when the screen counts otherwise, rows gain
// phantom spaces and the cursor lands elsewhere than the program believes (newer emoji such as
// U+1F972 are 2 cells to glibc 2.36 but 1 in xterm's Unicode 11 table).
import type { IUnicodeVersionProvider } from '@xterm/headless';
import { WIDE_RANGES, ZERO_WIDTH_RANGES } from './width-table.js';

function inRanges(ranges: Uint32Array, codePoint: number): boolean {
  let low = 0;
  let high = ranges.length / 2 - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (codePoint < ranges[2 * mid]) high = mid - 1;
    else if (codePoint > ranges[2 * mid + 1]) low = mid + 1;
    else return true;
  }
  return false;
}

/** Cells a code point takes: 0 for controls and combining marks, 2 for wide ones, else 1. */
export function charWidth(codePoint: number): 0 | 1 | 2 {
  if (codePoint < 0x20 || (codePoint >= 0x7f && codePoint < 0xa0)) return 0;
  if (codePoint < 0x300) return 1;
  if (inRanges(ZERO_WIDTH_RANGES, codePoint)) return 0;
  return inRanges(WIDE_RANGES, codePoint) ? 2 : 1;
}

/** xterm packs a character's width and whether it joins the previous one into one number. */
const widthOf = (properties: number) => (properties >> 1) & 3;
const packProperties = (width: number, joins: boolean) => ((width & 3) << 1) | (joins ? 1 : 0);

/** An xterm Unicode provider with the C library's widths (registered as version "glibc"). */
export const GLIBC_WIDTHS: IUnicodeVersionProvider = {
  version: 'glibc',
  wcwidth: charWidth,
  // As xterm's own providers do: a zero-width character joins the cell before it.
  charProperties(codePoint: number, preceding: number): number {
    let width: number = charWidth(codePoint);
    let joins = width === 0 && preceding !== 0;
    if (joins) {
      const before = widthOf(preceding);
      if (before === 0) joins = false;
      else if (before > width) width = before;
    }
    return packProperties(width, joins);
  },
};
