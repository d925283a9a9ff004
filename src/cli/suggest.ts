/**
 * "Did you mean ...?" suggestions for misspelt flags and config keys.
 *
 * @module
 */

/**
 * Optimal string alignment distance (Levenshtein plus adjacent
 * transpositions), so `snaplne` is one edit away from `snaplen`.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(
        d[(i - 1) * cols + j] + 1,
        d[i * cols + j - 1] + 1,
        d[(i - 1) * cols + j - 1] + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, d[(i - 2) * cols + j - 2] + 1);
      }
      d[i * cols + j] = v;
    }
  }
  return d[rows * cols - 1];
}

/**
 * The candidate closest to `name`, or null when none is close enough.
 *
 * A candidate is close enough when at most 40% of the longer string (at least
 * one character) has to change. For dotted names (`capture.snaplen`) a
 * candidate whose last segment equals `name`'s last segment also matches, so a
 * key put in the wrong section (`[run] snaplen`) still gets a suggestion.
 * Ties go to the earlier candidate.
 */
export function nearest(name: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate);
    const limit = Math.max(1, Math.floor(Math.max(name.length, candidate.length) * 0.4));
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best !== null) return best;
  const leaf = lastSegment(name);
  for (const candidate of candidates) {
    if (candidate !== name && lastSegment(candidate) === leaf) return candidate;
  }
  return null;
}

function lastSegment(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot < 0 ? name : name.slice(dot + 1);
}
