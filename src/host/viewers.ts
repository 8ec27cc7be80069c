// People attached to or watching a job's terminal (each viewer's output flow is a ViewerStream),
// and who decides the job's size. One function decides it (as tmux's window-size latest): the
// latest attached person's while anyone is attached, else the agent's; an agent's resize
// meanwhile is kept for when the last person leaves. Watchers never resize.
import type { Job } from '../jobs/job.js';
import type { JobManager } from '../jobs/manager.js';
import type { Viewer, ViewerSink } from './api.js';
import { ViewerStream } from './viewer-stream.js';

export type ViewerMode = 'attach' | 'watch';
interface Size {
  cols: number;
  rows: number;
}

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

    const stream = new ViewerStream(job, sink, () => {
      entry.viewers.delete(state);
      job.viewers = entry.viewers.size;
      this.applySize(job, entry);
    });
    await stream.start();
    return {
      input: (data) => {
        if (mode === 'attach' && !stream.closed && job.status === 'running') job.write(data);
      },
      resize: (cols, rows) => {
        if (mode !== 'attach' || stream.closed) return;
        state.size = { cols, rows };
        state.attachedAt = Date.now();
        this.applySize(job, entry);
      },
      drained: () => stream.drained(),
      detach: () => stream.close(),
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
