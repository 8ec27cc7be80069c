// Locates the compiled shim (native/shim.c) that every job runs under: the one built on this
// machine, else the static one shipped in the package for this platform.
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';

/** Absolute path of the shim, or null when there is none for this machine (see binding-notes.md). */
export function findShim(): string | null {
  const root = packageRoot();
  const candidates = [join(root, 'native', 'build', 'ptyjobs-shim'), join(root, 'native', 'prebuilt', `${process.platform}-${process.arch}`, 'ptyjobs-shim')];
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      /* try the next */
    }
  }
  return null;
}
