// People attached to or watching a job's terminal. A viewer starts from a snapshot of the
// terminal's state (scrollback, screen, modes: never a replay of raw output), then gets live
// output. A viewer that cannot keep up is skipped ahead to a fresh snapshot; it never slows the
// job. While people are attached, the job has the size of the latest one's terminal, and gets
// the agent's size back when the last leaves; watchers never resize.
import { notRunning } from '../errors.js';
import type { Job } from '../jobs/job.js';
import type { JobManager } from '../jobs/manager.js';

/** Where a viewer's bytes go (a socket), and how much it has not taken yet. */
export interface ViewerSink {
  write(data: Buffer): void;
  /** Bytes written and not yet taken by the other side. */
  readonly backlogBytes: number;
  /** The job ended: the last output was written before this. */
  ended(job: Job): void;
}

export type ViewerMode = 'attach' | 'watch';

export interface Viewer {
  /** Keys typed by the person (attach only). */
  input(data: Buffer): void;
  /** The person's terminal changed size (attach only). */
  resize(cols: number, rows: number): void;
  /** Called when the sink has room again after falling behind. */
  drained(): void;
  detach(): void;
}

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

interface JobViewers {
  viewers: Set<ViewerState>;
  /** The size the job had before people attached (what the agent set). */
  agentSize: { cols: number; rows: number } | null;
}

interface ViewerState {
  mode: ViewerMode;
  size: { cols: number; rows: number } | null;
  attachedAt: number;
}

export class ViewerHub {
  private readonly byJob = new Map<string, JobViewers>();

  constructor(private readonly manager: JobManager) {}

  /** Starts a viewer: the snapshot goes to `sink` at once, live output after it. */
  async attach(jobId: string, mode: ViewerMode, size: { cols: number; rows: number } | null, sink: ViewerSink): Promise<Viewer> {
    const job = this.manager.get(jobId);
    if (mode === 'attach' && job.status !== 'running') throw notRunning(job.id, job.status);
    const entry = this.byJob.get(job.id) ?? { viewers: new Set(), agentSize: null };
    this.byJob.set(job.id, entry);
    const state: ViewerState = { mode, size: mode === 'attach' ? size : null, attachedAt: Date.now() };
    entry.viewers.add(state);
    job.viewers = entry.viewers.size;
    this.applySize(job, entry);

    let cursor = 0;
    let behind = false;
    let closed = false;
    let lastSnapshotAt = -Infinity;
    let windowStart = -Infinity;
    let windowBytes = 0;
    let sendTimer: NodeJS.Timeout | null = null;
    let snapshotTimer: NodeJS.Timeout | null = null;
    // A redraw from the terminal's state; live output continues from what it shows.
    const snapshot = async () => {
      await job.screen.settled();
      if (closed) return;
      lastSnapshotAt = performance.now();
      cursor = job.screen.parsedOffset;
      sink.write(Buffer.from(SNAPSHOT_PREFIX + job.screen.serialize(SNAPSHOT_SCROLLBACK_ROWS)));
      behind = false;
      sendNew();
    };
    const resync = () => {
      if (snapshotTimer || closed) return;
      snapshotTimer = setTimeout(() => {
        snapshotTimer = null;
        void snapshot();
      }, Math.max(0, lastSnapshotAt + SNAPSHOT_MIN_INTERVAL_MS - performance.now()));
    };
    const sendNew = () => {
      if (closed || behind || cursor >= job.log.end) return;
      if (sink.backlogBytes > VIEWER_MAX_BACKLOG_BYTES) {
        behind = true; // skipped ahead with a snapshot once the sink drains
        return;
      }
      const slice = job.log.read(cursor);
      if (slice.dropped > 0) {
        behind = true;
        return resync();
      }
      cursor = slice.end;
      windowBytes += slice.bytes.length;
      sink.write(slice.bytes);
    };
    const sendSoon = () => {
      if (sendTimer) return;
      const now = performance.now();
      if (now - windowStart >= SEND_WINDOW_MS) {
        windowStart = now;
        windowBytes = 0;
      }
      if (windowBytes < SEND_WINDOW_BYTES) return sendNew();
      sendTimer = setTimeout(() => {
        sendTimer = null;
        windowStart = performance.now();
        windowBytes = 0;
        sendNew();
      }, windowStart + SEND_WINDOW_MS - now);
    };
    const stopOutput = job.onOutput(sendSoon);
    const stopChange = job.onChange(() => {
      if (job.status === 'running' || closed) return;
      sendNew();
      detach();
      sink.ended(job);
    });
    const detach = () => {
      if (closed) return;
      closed = true;
      if (sendTimer) clearTimeout(sendTimer);
      if (snapshotTimer) clearTimeout(snapshotTimer);
      stopOutput();
      stopChange();
      entry.viewers.delete(state);
      job.viewers = entry.viewers.size;
      if (entry.viewers.size === 0) this.byJob.delete(job.id);
      this.applySize(job, entry);
    };
    await snapshot();
    if (job.status !== 'running') {
      detach();
      sink.ended(job);
    }
    return {
      input: (data) => {
        if (mode === 'attach' && !closed && job.status === 'running') job.write(data);
      },
      resize: (cols, rows) => {
        if (mode !== 'attach' || closed) return;
        state.size = { cols, rows };
        state.attachedAt = Date.now();
        this.applySize(job, entry);
      },
      drained: () => {
        if (behind) resync();
      },
      detach,
    };
  }

  /** The agent resized the job: that is the size it gets back when people leave. */
  agentResized(jobId: string, cols: number, rows: number): void {
    const entry = this.byJob.get(jobId);
    if (entry?.agentSize) entry.agentSize = { cols, rows };
  }

  /** The latest attached person's size while anyone is attached, else the agent's. */
  private applySize(job: Job, entry: JobViewers): void {
    if (job.status !== 'running') return;
    const attached = [...entry.viewers].filter((viewer) => viewer.size !== null).sort((a, b) => b.attachedAt - a.attachedAt);
    const wanted = attached[0]?.size ?? entry.agentSize;
    if (attached.length > 0 && entry.agentSize === null) entry.agentSize = { cols: job.cols, rows: job.rows };
    if (attached.length === 0) entry.agentSize = null;
    if (wanted && (wanted.cols !== job.cols || wanted.rows !== job.rows)) job.resize(wanted.cols, wanted.rows);
  }
}
