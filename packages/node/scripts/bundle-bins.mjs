// Bundles the commands of src/bin into dist/bin with esbuild, after tsc. Each bundle carries what
// only the commands use (@effect/cli, @effect/platform-node and theirs), so neither is a dependency
// of the package; effect, @effect/platform, undici and @effect-plex/core stay imports, resolved to
// the consumer's single copies (the dependencies and peer dependencies of the package).
import * as esbuild from "esbuild"
import * as Fs from "node:fs"
import * as Path from "node:path"

const root = Path.resolve(import.meta.dirname, "..")
const entryPoints = Fs.readdirSync(Path.join(root, "src", "bin"))
  .filter((name) => name.endsWith(".ts"))
  .map((name) => Path.join(root, "src", "bin", name))

await esbuild.build({
  entryPoints,
  outdir: Path.join(root, "dist", "bin"),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: true,
  external: ["effect", "@effect/platform", "@effect-plex/core", "undici", "@noble/hashes"],
  // bundled CommonJS modules may require Node's own modules
  banner: {
    js:
      "import { createRequire as __createRequire } from \"node:module\"; const require = __createRequire(import.meta.url);"
  },
  logLevel: "warning"
})
for (const file of entryPoints) {
  const out = Path.join(root, "dist", "bin", Path.basename(file, ".ts") + ".js")
  Fs.chmodSync(out, 0o755)
}
