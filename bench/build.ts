/**
 * esbuild for the bench: the bundle-size figure (minified, then gzipped with node:zlib), and the
 * JavaScript the measured processes run. Those run plain `node` on a compiled copy of the
 * workspace (`compileTree`): one `.js` file per `.ts` file, as `tsc` would emit it, every other
 * package loaded from node_modules as an installed application would. Not under tsx, whose loader
 * and source-mapped stack traces would bill the library for work a deployed one does not do.
 */
import * as esbuild from "esbuild"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Zlib from "node:zlib"
import { benchDir, outDir, rootDir } from "./proc.js"

const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  conditions: ["@effect-plex/source"],
  logLevel: "warning"
} as const satisfies esbuild.BuildOptions

/** The package a bundled input file belongs to, for the bundle's breakdown. */
export const packageOf = (file: string): string => {
  const marker = "node_modules/"
  const at = file.lastIndexOf(marker)
  if (at >= 0) {
    const parts = file.slice(at + marker.length).split("/")
    return parts[0]!.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!
  }
  const workspace = /(?:^|\/)packages\/(core|node)\//.exec(file)
  if (workspace !== null) return `@effect-plex/${workspace[1]}`
  return file.includes("bench/") ? "bench" : file
}

export interface BundleSize {
  readonly minified: number
  readonly gzipped: number
  /** Minified bytes per package, largest first. */
  readonly packages: ReadonlyArray<readonly [string, number]>
  readonly outfile: string
}

/** ESM has no `require`: CommonJS packages bundled into ESM (undici) need one for Node's built-ins. */
const requireShim = "import{createRequire as __cr}from\"node:module\";const require=__cr(import.meta.url);"

/** Bundles `bench/<entry>` minified (ESM, Node platform), writes it under `bench/.out/bundle`. */
export const bundleSize = async (entry: string): Promise<BundleSize> => {
  const outfile = Path.join(outDir, "bundle", Path.basename(entry).replace(/\.ts$/, ".mjs"))
  const result = await esbuild.build({
    ...common,
    entryPoints: [Path.join(benchDir, entry)],
    outfile,
    minify: true,
    metafile: true,
    banner: { js: requireShim },
    write: true
  })
  const code = Fs.readFileSync(outfile)
  const packages = new Map<string, number>()
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [file, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = packageOf(file)
      packages.set(name, (packages.get(name) ?? 0) + bytesInOutput)
    }
  }
  return {
    minified: code.length,
    gzipped: Zlib.gzipSync(code).length,
    packages: [...packages].sort((a, b) => b[1] - a[1]),
    outfile
  }
}

/** Where `compileTree` writes: `bench/.out/js/<path from the repository root>.js`. */
export const jsDir = Path.join(outDir, "js")

/** The compiled copy of a TypeScript file of the repository, such as `bench/worker.ts`. */
export const compiled = (file: string): string => Path.join(jsDir, file.replace(/\.ts$/, ".js"))

const sources = (dir: string): Array<string> =>
  Fs.readdirSync(Path.join(rootDir, dir), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts") && !file.startsWith(".out"))
    .map((file) => Path.join(rootDir, dir, file))

/** The workspace packages' entry points, as the `@effect-plex/source` condition maps them. */
const workspaceEntries: Record<string, string> = {
  "@effect-plex/core": "packages/core/src/index.ts",
  "@effect-plex/core/testing": "packages/core/src/testing/index.ts",
  "@effect-plex/node": "packages/node/src/index.ts",
  "@effect-plex/node/testing": "packages/node/src/testing/index.ts"
}

/**
 * Compiles `packages/{core,node}/src` and `bench` file by file (no bundling, no minifying) into
 * `bench/.out/js`, pointing imports of the workspace packages at their compiled entry points.
 */
export const compileTree = async (): Promise<void> => {
  Fs.rmSync(jsDir, { recursive: true, force: true })
  const result = await esbuild.build({
    entryPoints: [...sources("packages/core/src"), ...sources("packages/node/src"), ...sources("bench")],
    outdir: jsDir,
    outbase: rootDir,
    bundle: false,
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: "external", // for the profile summary only: node runs without source maps
    write: false,
    logLevel: "warning"
  })
  for (const file of result.outputFiles) {
    if (file.path.endsWith(".map")) {
      Fs.mkdirSync(Path.dirname(file.path), { recursive: true })
      Fs.writeFileSync(file.path, file.contents)
      continue
    }
    const text = file.text.replace(
      /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)"(@effect-plex\/(?:core|node)(?:\/testing)?)"/g,
      (match, before: string, specifier: string) => {
        const entry = workspaceEntries[specifier]
        if (entry === undefined) return match
        let relative = Path.relative(Path.dirname(file.path), compiled(entry))
        if (!relative.startsWith(".")) relative = `./${relative}`
        return `${before}"${relative}"`
      }
    )
    Fs.mkdirSync(Path.dirname(file.path), { recursive: true })
    Fs.writeFileSync(file.path, text)
  }
}
