// The one way ptyjobs's processes write to stderr. A write to a stderr that is gone (a closed
// pipe: EPIPE) must neither throw nor surface as an uncaught 'error' event: that once made
// the uncaught-error handler log again, fail again, and spin forever.
let stderrGone = false;

// Without a listener, a failed write to stderr is an uncaught exception; with it, the message is lost.
process.stderr.on('error', () => {
  stderrGone = true;
});

/** Writes one line to stderr if it is still there; never throws. */
export function log(message: string): void {
  if (stderrGone) return;
  try {
    process.stderr.write(message.endsWith('\n') ? message : `${message}\n`);
  } catch {
    stderrGone = true;
  }
}

/** An error as a person reads it: its stack, else its text. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  try {
    return String(error);
  } catch {
    return 'an error that cannot be shown';
  }
}
