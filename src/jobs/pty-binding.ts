// Loads the native pty binding with the first job. node-pty, built on the user's machine, is
// preferred; @lydell/node-pty (the same API, prebuilt) stands in where node-pty could not be
// built (no C toolchain, or npm skipped its install script). binding-notes.md says why, and
// what the prebuilt one does worse.
import { createRequire } from 'node:module';
import type { spawn as spawnPty } from 'node-pty';
import { JobError } from '../errors.js';

export type PtySpawn = typeof spawnPty;

export interface PtyBinding {
  spawn: PtySpawn;
  /** The package the binding came from. */
  name: 'node-pty' | '@lydell/node-pty';
}

const requireLazily = createRequire(import.meta.url);
let loaded: PtyBinding | null = null;

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0];
}

/** The binding, loaded once; throws a JobError saying what to run when neither loads. */
export function ptyBinding(warn: (message: string) => void): PtyBinding {
  if (loaded) return loaded;
  let builtError: unknown;
  try {
    loaded = { spawn: (requireLazily('node-pty') as { spawn: PtySpawn }).spawn, name: 'node-pty' };
    return loaded;
  } catch (error) {
    builtError = error;
  }
  try {
    loaded = { spawn: (requireLazily('@lydell/node-pty') as { spawn: PtySpawn }).spawn, name: '@lydell/node-pty' };
  } catch (prebuiltError) {
    throw new JobError(
      `Cannot start jobs: no pty binding loads (node-pty: ${firstLine(builtError)}; @lydell/node-pty: ${firstLine(prebuiltError)}). ` +
        'In the ptyjobs install folder run `npm rebuild node-pty` (needs python3, make and g++), or reinstall without --omit=optional.',
      'no_binding',
    );
  }
  warn(`ptyjobs: node-pty is not built (${firstLine(builtError)}); using the prebuilt @lydell/node-pty. Input to a program that stops reading can stall the server; see binding-notes.md.`);
  return loaded;
}
