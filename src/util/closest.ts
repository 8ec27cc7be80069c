// The name a mistyped one most likely meant, by edit distance (for "did you mean" messages).

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/**
 * The candidate `name` most likely meant: one that starts with it or that it starts with, else
 * the nearest by edit distance if it is near enough to be a typo; null when none is.
 */
export function closestName(name: string, candidates: readonly string[]): string | null {
  const prefixed = candidates.find((candidate) => candidate.startsWith(name) || name.startsWith(candidate));
  if (prefixed) return prefixed;
  let best: string | null = null;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}
