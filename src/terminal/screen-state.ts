// What a screen looks like to a reader, as a schema (its type is inferred from it): results carry
// it as their `screen`, with the rows only where the text block shows them.
import { z } from 'zod';

export const screenSchema = z.object({
  /** Visible rows, trailing spaces trimmed, trailing empty rows dropped. */
  lines: z.array(z.string()),
  cursor: z.object({ row: z.number(), col: z.number() }),
  cols: z.number(),
  rows: z.number(),
  /** True while a full-screen program (vim, less) owns the alternate buffer. */
  alternate_screen: z.boolean(),
  /**
   * True while a program draws the main screen by cursor addressing (top, watch, `less -X`):
   * its latest output placed the cursor on rows rather than scrolling lines.
   */
  drawing: z.boolean(),
});
export type Screen = z.infer<typeof screenSchema>;
