/**
 * Lines added and removed between two texts, as `git diff --numstat` counts
 * them: lines keep their terminator (so a missing final newline is a changed
 * line), and the count is that of a shortest edit script (Myers' O(ND)
 * algorithm, git's default diff). GitHub's pull request `additions` and
 * `deletions` are these sums over the changed files.
 */
export function lineDiffCounts(
  before: string,
  after: string,
): { additions: number; deletions: number } {
  const a = splitLines(before);
  const b = splitLines(after);
  // Common prefix and suffix do not change the distance; trimming them keeps
  // the usual small edit of a large file cheap.
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const x = a.slice(start, endA);
  const y = b.slice(start, endB);
  const d = editDistance(x, y);
  const growth = y.length - x.length;
  return { additions: (d + growth) / 2, deletions: (d - growth) / 2 };
}

/** Whether git would treat the content as binary (a NUL in its first 8,000 bytes). */
export function isBinary(content: Buffer): boolean {
  return content.subarray(0, 8000).includes(0);
}

function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** Insertions + deletions of a shortest edit script (Myers 1986). */
function editDistance(a: string[], b: string[]): number {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  if (max === 0) return 0;
  const v = new Int32Array(2 * max + 2);
  const off = max + 1;
  for (let d = 0; d <= max; d++) {
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && v[off + k - 1] < v[off + k + 1])
          ? v[off + k + 1]
          : v[off + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[off + k] = x;
      if (x >= n && y >= m) return d;
    }
  }
  return max;
}
