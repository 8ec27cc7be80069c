// Where tests find the repository and its fixtures, and fresh temporary dirs to work in.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (tests run from dist/test). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const FIXTURES = join(ROOT, 'test', 'fixtures');

/** A fresh temporary directory (tests never work in the repository: vim would leave swap files there). */
export function tempDir(prefix = 'ptyjobs-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
