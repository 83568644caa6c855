/**
 * Lays out rows as columns padded to their widest cell, as Erlang's `i()`
 * and `regs()` print theirs. Columns named in `right` are right-aligned
 * (numbers); trailing blanks are trimmed from each line.
 *
 * ```ts
 * formatTable(['Name', 'Msgs'], [['counter', '2']], new Set(['Msgs']));
 * // 'Name     Msgs\ncounter     2'
 * ```
 */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  right = new Set<string>(),
): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    header
      .map((h, c) => {
        const cell = cells[c] ?? '';
        const width = widths[c] ?? 0;
        return right.has(h) ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
