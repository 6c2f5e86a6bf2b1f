/** Fresh temporary directories for a test file, removed after its last test. */
import { afterAll } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

/** Call at the top of a test file: each call of the result makes a fresh, empty directory (mode 0700). */
export const tempDirs = (prefix: string) => {
  const roots: Array<string> = []
  afterAll(() => {
    for (const root of roots) Fs.rmSync(root, { recursive: true, force: true })
  })
  return () => {
    const root = Fs.mkdtempSync(Path.join(Os.tmpdir(), prefix))
    roots.push(root)
    return root
  }
}
