/**
 * A plain text table: columns padded to their widest cell (measured after the cell is made
 * printable, so text from plex.tv cannot shift the columns with control characters).
 */
import { printable } from "../terminal.js"

/** The lines of a table: the header, then one line per row, columns two spaces apart. */
export const table = (
  header: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string>>
): ReadonlyArray<string> => {
  const cells = [header, ...rows].map((row) => row.map(printable))
  const widths = header.map((_, i) => Math.max(...cells.map((row) => [...(row[i] ?? "")].length)))
  return cells.map((row) =>
    row.map((cell, i) => i === row.length - 1 ? cell : cell + " ".repeat(widths[i]! - [...cell].length)).join("  ")
      .trimEnd()
  )
}
