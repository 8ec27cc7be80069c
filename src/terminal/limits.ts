/** The largest terminal width or height a job may have. */
export const MAX_TERMINAL_CELLS = 1000;
