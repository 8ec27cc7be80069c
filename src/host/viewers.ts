// People attached to or watching a job's terminal. A viewer starts from a snapshot of the
// terminal's state (scrollback, screen, modes: never a replay of raw output), then gets live
// output; a job that has ended shows its last state. A viewer that cannot keep up is skipped
// ahead to a fresh snapshot; it never slows the job. One function decides a job's size (as
// tmux's window-size latest): the latest attached person's while anyone is attached, else the
// agent's; an agent's resize meanwhile is kept for when the last person leaves. Watchers never
// resize.
import type { Job } from '../jobs/job.js';
import type { JobManager } from '../jobs/manager.js';
import type { Viewer, ViewerSink } from './api.js';
import { jobWire } from './job-wire.js';

export type ViewerMode = 'attach' | 'watch';
interface Size {
  cols: number;
  rows: number;
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
  /** The size the agent gave the job (at execute, or by resize): the job's whenever no person is attached. */
  agentSize: Size;
}

interface ViewerState {
  mode: ViewerMode;
  size: Size | null;
  attachedAt: number;
}

export class ViewerHub {
  private readonly byJob = new Map<string, JobViewers>();

  constructor(manager: JobManager) {
    manager.onEvict((jobId) => this.byJob.delete(jobId));
  }

  /** The agent resizes: applied now unless a person is attached (then kept for later). Returns whether it applied. */
  agentResize(job: Job, size: Size): boolean {
    const entry = this.entry(job);
    entry.agentSize = size;
    this.applySize(job, entry);
    return !this.attachedPeople(entry).length;
  }

  /** Starts a viewer: the snapshot goes to `sink` at once, live output after it (an ended job: then `ended`). */
  async attach(job: Job, mode: ViewerMode, size: Size | null, sink: ViewerSink): Promise<Viewer> {
    const entry = this.entry(job);
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
      sink.ended(jobWire(job));
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
      this.applySize(job, entry);
    };
    await snapshot();
    if (job.status !== 'running' && !closed) {
      detach();
      sink.ended(jobWire(job));
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

  /** The job's people and agent size; until someone first attaches or the agent resizes, the job's size is the agent's. */
  private entry(job: Job): JobViewers {
    let entry = this.byJob.get(job.id);
    if (!entry) this.byJob.set(job.id, (entry = { viewers: new Set(), agentSize: { cols: job.cols, rows: job.rows } }));
    return entry;
  }

  /** People attached (not watching), the latest first. */
  private attachedPeople(entry: JobViewers): ViewerState[] {
    return [...entry.viewers].filter((viewer) => viewer.size !== null).sort((a, b) => b.attachedAt - a.attachedAt);
  }

  /** The one rule for a job's size: the latest attached person's while anyone is attached, else the agent's. */
  private applySize(job: Job, entry: JobViewers): void {
    if (job.status !== 'running') return;
    const wanted = this.attachedPeople(entry)[0]?.size ?? entry.agentSize;
    if (wanted.cols !== job.cols || wanted.rows !== job.rows) job.resize(wanted.cols, wanted.rows);
  }
}
