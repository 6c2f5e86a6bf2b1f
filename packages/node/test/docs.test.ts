import { assert, describe, it } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Path from "node:path"

// Every export of both packages' public modules carries a short JSDoc with @since, @category and an
// @example (internal/ and bin/ are not public).
const root = Path.resolve(import.meta.dirname, "..", "..")

const publicFiles = (dir: string): Array<string> =>
  Fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = Path.join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === "internal" || entry.name === "bin" ? [] : publicFiles(full)
    return entry.name.endsWith(".ts") && entry.name !== "index.ts" ? [full] : []
  })

const files = [...publicFiles(Path.join(root, "core", "src")), ...publicFiles(Path.join(root, "node", "src"))]

const exportsOf = (text: string) =>
  [...text.matchAll(/^export (?:declare )?(?:const|class|interface|type|function) ([A-Za-z0-9_]+)/gm)].map((match) => ({
    name: match[1]!,
    doc: (() => {
      const before = text.slice(0, match.index)
      const end = before.trimEnd()
      if (!end.endsWith("*/")) return ""
      return end.slice(end.lastIndexOf("/**"))
    })()
  }))

describe("public API documentation", () => {
  it("finds the public modules", () => {
    assert.isAbove(files.length, 15)
  })

  for (const file of files) {
    const relative = Path.relative(root, file)
    it(`${relative}: every export has a JSDoc with @since, @category and @example`, () => {
      const text = Fs.readFileSync(file, "utf8")
      const missing = exportsOf(text).filter(({ doc }) =>
        !(doc.includes("@since") && doc.includes("@category") && doc.includes("@example"))
      )
      assert.deepStrictEqual(missing.map(({ name }) => name), [])
    })
  }
})
