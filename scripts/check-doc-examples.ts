/**
 * Type-checks every `@example` of the public JSDoc of both packages, as docgen would: each example
 * becomes a module under .doc-examples/ and `tsc` checks them all against the workspace sources.
 */
import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"

const root = Path.resolve(import.meta.dirname, "..")
const out = Path.join(root, ".doc-examples")

const publicFiles = (dir: string): Array<string> =>
  Fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = Path.join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === "internal" || entry.name === "bin" ? [] : publicFiles(full)
    return entry.name.endsWith(".ts") ? [full] : []
  })

const examplesOf = (text: string): Array<string> => {
  const found: Array<string> = []
  for (const [comment] of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const lines = comment.split("\n").map((line) => line.replace(/^\s*\*( |$)/, "").replace(/^\s*\/\*\*\s?/, ""))
    let current: Array<string> | undefined
    for (const line of lines) {
      if (line.startsWith("@example")) {
        if (current !== undefined) found.push(current.join("\n"))
        current = []
      } else if (line.startsWith("@") || line.trim() === "*/" || line.trimEnd().endsWith("*/")) {
        if (current !== undefined) found.push(current.join("\n"))
        current = undefined
      } else if (current !== undefined) {
        current.push(line)
      }
    }
    if (current !== undefined) found.push(current.join("\n"))
  }
  return found.filter((example) => example.trim() !== "")
}

Fs.rmSync(out, { recursive: true, force: true })
Fs.mkdirSync(out, { recursive: true })
let count = 0
for (const pkg of ["core", "node"]) {
  for (const file of publicFiles(Path.join(root, "packages", pkg, "src"))) {
    const name = Path.relative(Path.join(root, "packages"), file).replace(/[/.]/g, "_")
    examplesOf(Fs.readFileSync(file, "utf8")).forEach((example, i) => {
      Fs.writeFileSync(Path.join(out, `${name}_${i}.ts`), `${example}\nexport {}\n`)
      count++
    })
  }
}
Fs.writeFileSync(
  Path.join(out, "tsconfig.json"),
  JSON.stringify({
    extends: "../tsconfig.base.json",
    compilerOptions: { noEmit: true, noUnusedLocals: false, noUnusedParameters: false },
    include: ["*.ts"]
  })
)
try {
  execFileSync(process.execPath, [require_("typescript/bin/tsc"), "-p", out], { stdio: "inherit", cwd: root })
  console.log(`doc examples: ${count} type-check`)
} catch {
  console.error(`doc examples: some of the ${count} examples do not type-check (sources in .doc-examples/)`)
  process.exit(1)
}

function require_(specifier: string): string {
  return Path.join(root, "node_modules", specifier)
}
