// Statistics and timing shared by the benchmark parts.
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const now = () => performance.now();

export function summary(latencies: number[]) {
  return { p50_ms: +median(latencies).toFixed(2), p99_ms: +percentile(latencies, 99).toFixed(2), samples: latencies.length };
}

/**
 * A program that answers each read of its raw-mode input with the input in brackets. A round
 * trip waits for "TOKEN]": the program's answer, not the terminal's echo of what was typed
 * (which a pattern never matches).
 */
export const BRACKET_ECHO = `python3 -c "import os,tty; tty.setraw(0); os.write(1, b'ready\\r\\n'); [os.write(1, b'[' + os.read(0, 4096) + b']') for _ in iter(int, 1)]"`;
