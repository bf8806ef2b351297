/** Lines of context around each change, as `diff -u` and git print. */
const CONTEXT = 3;

/** Above this many lines on both sides the LCS table would be too large: one hunk replaces all. */
const MAX_LINES = 4000;

type Op = { kind: ' ' | '-' | '+'; line: string };

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** The edit script from `a` to `b` by longest common subsequence (fine for config files). */
function editScript(a: string[], b: string[]): Op[] {
  if (a.length > MAX_LINES && b.length > MAX_LINES) {
    return [
      ...a.map(line => ({ kind: '-' as const, line })),
      ...b.map(line => ({ kind: '+' as const, line })),
    ];
  }
  const n = a.length;
  const m = b.length;
  // lcs[i][j]: LCS length of a[i..] and b[j..], in one flat array.
  const lcs = new Uint32Array((n + 1) * (m + 1));
  const at = (i: number, j: number) => i * (m + 1) + j;
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[at(i, j)] =
        a[i] === b[j]
          ? lcs[at(i + 1, j + 1)] + 1
          : Math.max(lcs[at(i + 1, j)], lcs[at(i, j + 1)]);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      ops.push({ kind: ' ', line: a[i] });
      i++;
      j++;
    } else if (lcs[at(i + 1, j)] >= lcs[at(i, j + 1)]) {
      ops.push({ kind: '-', line: a[i++] });
    } else {
      ops.push({ kind: '+', line: b[j++] });
    }
  }
  while (i < n) ops.push({ kind: '-', line: a[i++] });
  while (j < m) ops.push({ kind: '+', line: b[j++] });
  return ops;
}

/**
 * A unified diff (`--- a/<path>` / `+++ b/<path>`, `@@ -l,s +l,s @@` hunks
 * with three lines of context), as `git diff` prints it; empty when the
 * texts are equal. A missing final newline is not marked.
 */
export function unifiedDiff(before: string, after: string, path: string) {
  if (before === after) return '';
  const a = splitLines(before);
  const b = splitLines(after);
  const ops = editScript(a, b);
  // Positions (in ops) of changes, grouped into hunks whose context overlaps.
  const changed = ops.flatMap((op, index) => (op.kind === ' ' ? [] : [index]));
  if (!changed.length) return '';
  const hunks: Array<[number, number]> = [];
  for (const index of changed) {
    const start = Math.max(0, index - CONTEXT);
    const end = Math.min(ops.length, index + CONTEXT + 1);
    const last = hunks[hunks.length - 1];
    if (last && start <= last[1]) last[1] = end;
    else hunks.push([start, end]);
  }
  const out = [`--- a/${path}`, `+++ b/${path}`];
  for (const [start, end] of hunks) {
    // Line numbers (1-based) where the hunk starts on each side.
    let oldLine = 1;
    let newLine = 1;
    for (const op of ops.slice(0, start)) {
      if (op.kind !== '+') oldLine++;
      if (op.kind !== '-') newLine++;
    }
    const slice = ops.slice(start, end);
    const oldCount = slice.filter(op => op.kind !== '+').length;
    const newCount = slice.filter(op => op.kind !== '-').length;
    const range = (line: number, count: number) =>
      `${count === 0 ? line - 1 : line}${count === 1 ? '' : `,${count}`}`;
    out.push(`@@ -${range(oldLine, oldCount)} +${range(newLine, newCount)} @@`);
    for (const op of slice) out.push(`${op.kind}${op.line}`);
  }
  return `${out.join('\n')}\n`;
}
