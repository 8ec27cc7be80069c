// One viewer's flow of a job's output: a snapshot of the terminal's state first (never a replay
// of raw output), then live output, sent at once while it is little and in windows once it is a
// flood; a viewer that falls behind (its sink backs up, or the ring dropped what it had not sent)
// is skipped ahead to a fresh snapshot. It never slows the job.
import type { Job } from '../jobs/job.js';
import type { ViewerSink } from './api.js';
import { jobWire } from './job-wire.js';

/** A viewer that has this much unsent output is behind: it is redrawn when it catches up. */
const VIEWER_MAX_BACKLOG_BYTES = 256 * 1024;
/** How much scrollback a snapshot carries. */
const SNAPSHOT_SCROLLBACK_ROWS = 1000;
/**
 * Output is sent at once while a viewer gets little of it (an echo reaches the person without
 * delay); past SEND_WINDOW_BYTES in a window of SEND_WINDOW_MS the rest of the window is gathered
 * into one send, so a flood costs a hundred sends a second per viewer, not thousands.
 */
const SEND_WINDOW_MS = 10;
const SEND_WINDOW_BYTES = 16 * 1024;
/** A viewer that keeps falling behind is redrawn at most this often (a snapshot costs a full render). */
const SNAPSHOT_MIN_INTERVAL_MS = 250;
/**
 * Before a snapshot: soft reset (modes, colours, margins) and a cleared screen, so a redraw
 * after falling behind leaves nothing of the old view.
 */
const SNAPSHOT_PREFIX = '\x1b[!p\x1b[H\x1b[2J';

export class ViewerStream {
  /** Log offset up to which output has been sent. */
  private cursor = 0;
  private behind = false;
  private done = false;
  private lastSnapshotAt = -Infinity;
  private windowStart = -Infinity;
  private windowBytes = 0;
  private sendTimer: NodeJS.Timeout | null = null;
  private snapshotTimer: NodeJS.Timeout | null = null;
  private readonly unsubscribe: (() => void)[];

  /** Detached, or the job ended. */
  get closed(): boolean {
    return this.done;
  }

  /** `onClose` runs once, when the stream closes (detached, or the job ended). */
  constructor(
    private readonly job: Job,
    private readonly sink: ViewerSink,
    private readonly onClose: () => void,
  ) {
    this.unsubscribe = [job.onOutput(() => this.sendSoon()), job.onChange(() => job.status !== 'running' && this.end())];
  }

  /** Sends the snapshot; a job that has ended gets its last state, then `ended`. */
  async start(): Promise<void> {
    await this.snapshot();
    if (this.job.status !== 'running') this.end();
  }

  /** The sink has room again: a viewer that fell behind is redrawn. */
  drained(): void {
    if (this.behind) this.resync();
  }

  close(): void {
    if (this.done) return;
    this.done = true;
    if (this.sendTimer) clearTimeout(this.sendTimer);
    if (this.snapshotTimer) clearTimeout(this.snapshotTimer);
    for (const stop of this.unsubscribe) stop();
    this.onClose();
  }

  /** The job ended: its last output, then the end. */
  private end(): void {
    if (this.closed) return;
    this.sendNew();
    this.close();
    this.sink.ended(jobWire(this.job));
  }

  /** A redraw from the terminal's state; live output continues from what it shows. */
  private async snapshot(): Promise<void> {
    await this.job.screen.settled();
    if (this.closed) return;
    this.lastSnapshotAt = performance.now();
    this.cursor = this.job.screen.parsedOffset;
    this.sink.write(Buffer.from(SNAPSHOT_PREFIX + this.job.screen.serialize(SNAPSHOT_SCROLLBACK_ROWS)));
    this.behind = false;
    this.sendNew();
  }

  private resync(): void {
    if (this.snapshotTimer || this.closed) return;
    this.snapshotTimer = setTimeout(() => {
      this.snapshotTimer = null;
      void this.snapshot();
    }, Math.max(0, this.lastSnapshotAt + SNAPSHOT_MIN_INTERVAL_MS - performance.now()));
  }

  private sendNew(): void {
    if (this.closed || this.behind || this.cursor >= this.job.log.end) return;
    if (this.sink.backlogBytes > VIEWER_MAX_BACKLOG_BYTES) {
      this.behind = true; // skipped ahead with a snapshot once the sink drains
      return;
    }
    const slice = this.job.log.read(this.cursor);
    if (slice.dropped > 0) {
      this.behind = true;
      return this.resync();
    }
    this.cursor = slice.end;
    this.windowBytes += slice.bytes.length;
    this.sink.write(slice.bytes);
  }

  private sendSoon(): void {
    if (this.sendTimer) return;
    const now = performance.now();
    if (now - this.windowStart >= SEND_WINDOW_MS) {
      this.windowStart = now;
      this.windowBytes = 0;
    }
    if (this.windowBytes < SEND_WINDOW_BYTES) return this.sendNew();
    this.sendTimer = setTimeout(() => {
      this.sendTimer = null;
      this.windowStart = performance.now();
      this.windowBytes = 0;
      this.sendNew();
    }, this.windowStart + SEND_WINDOW_MS - now);
  }
}
