// A job host over a fresh manager for one test, always closed; the config tests run with.
import { loadConfig, type Config } from '../../src/config.js';
import { JobHost } from '../../src/host/job-host.js';
import { Session } from '../../src/host/session.js';
import { JobManager } from '../../src/jobs/manager.js';
import { tempDir } from './paths.js';

/** A wait until the job waits for input, bounded generously for a busy machine. */
export const INPUT = { input: true, timeout_ms: 15_000 } as const;

export function makeConfig(env: Record<string, string> = {}, argv: string[] = []): Config {
  const request = loadConfig(argv, { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', SHELL: '/bin/bash', PTYJOBS_KILL_GRACE_MS: '1000', PTYJOBS_WORKING_DIR: tempDir(), ...env });
  if (request.kind !== 'serve') throw new Error('expected a serve config');
  return request.config;
}

/** A job host over a fresh manager, with one client session. */
export interface TestHost {
  host: JobHost;
  manager: JobManager;
  session: Session;
}

/** Runs `body` with a fresh host and always closes it (every job killed). */
export async function withHost<T>(body: (context: TestHost) => Promise<T>, env: Record<string, string> = {}): Promise<T> {
  const config = makeConfig(env);
  const manager = new JobManager(config);
  const host = new JobHost(manager, config);
  const session = new Session();
  host.attachSession(session);
  try {
    return await body({ host, manager, session });
  } finally {
    await manager.closeAll();
  }
}
