// Locates the compiled shim (native/shim.c) that every job runs under.
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';

/** Absolute path of the shim, or null when it was not built (see binding-notes.md). */
export function findShim(): string | null {
  const path = join(packageRoot(), 'native', 'build', 'ptyjobs-shim');
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    return null;
  }
}
