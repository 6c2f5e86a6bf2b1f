/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): self time by function, by file and by
 * package, optionally within a time window (the profile's microsecond clock). Frames of files with
 * a `.map` beside them (the compiled workspace, `bench/.out/js`) are reported at their TypeScript
 * source and line. Used by `run.ts --profile`; also runs on its own:
 *
 *   pnpm exec tsx bench/cpuprofile.ts <file.cpuprofile> [window.json] [top]
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

interface CallFrame {
  readonly functionName: string
  readonly url: string
  /** 0-based, as V8 writes them. */
  readonly lineNumber: number
  readonly columnNumber: number
}

// ---------------------------------------------------------------------------------------------
// source maps (v3): enough to find the source line of a generated position

const base64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

/** Per generated line: segments of [generated column, source index, source line], by column. */
type Mappings = Array<Array<readonly [number, number, number]>>

const decodeMappings = (mappings: string): Mappings => {
  const lines: Mappings = []
  let source = 0
  let sourceLine = 0
  let sourceColumn = 0
  let name = 0
  for (const line of mappings.split(";")) {
    const segments: Array<readonly [number, number, number]> = []
    let column = 0
    for (const segment of line.split(",")) {
      if (segment === "") continue
      const values: Array<number> = []
      let value = 0
      let shift = 0
      for (const char of segment) {
        const digit = base64.indexOf(char)
        value += (digit & 31) << shift
        if (digit & 32) {
          shift += 5
        } else {
          values.push(value & 1 ? -(value >>> 1) : value >>> 1)
          value = 0
          shift = 0
        }
      }
      column += values[0]!
      if (values.length >= 4) {
        source += values[1]!
        sourceLine += values[2]!
        sourceColumn += values[3]!
        if (values.length >= 5) name += values[4]!
        segments.push([column, source, sourceLine])
      }
    }
    lines.push(segments)
  }
  return lines
}

interface SourceMap {
  readonly sources: ReadonlyArray<string>
  readonly lines: Mappings
}

const sourceMaps = new Map<string, SourceMap | undefined>()

const sourceMapOf = (file: string): SourceMap | undefined => {
  if (!sourceMaps.has(file)) {
    let map: SourceMap | undefined
    try {
      const raw = JSON.parse(Fs.readFileSync(`${file}.map`, "utf8")) as {
        readonly sources: ReadonlyArray<string>
        readonly mappings: string
      }
      const dir = Path.dirname(file)
      map = { sources: raw.sources.map((source) => Path.resolve(dir, source)), lines: decodeMappings(raw.mappings) }
    } catch {
      map = undefined
    }
    sourceMaps.set(file, map)
  }
  return sourceMaps.get(file)
}

/** The frame at its original source, when the file has a source map; else as it is. */
const original = (frame: CallFrame): CallFrame => {
  if (!frame.url.startsWith("file://")) return frame
  const map = sourceMapOf(fileURLToPath(frame.url))
  const segments = map?.lines[frame.lineNumber]
  if (map === undefined || segments === undefined || segments.length === 0) return frame
  let found = segments[0]!
  for (const segment of segments) {
    if (segment[0] > frame.columnNumber) break
    found = segment
  }
  return { ...frame, url: pathToFileURL(map.sources[found[1]]!).href, lineNumber: found[2] }
}

interface Profile {
  readonly nodes: ReadonlyArray<
    { readonly id: number; readonly callFrame: CallFrame; readonly children?: ReadonlyArray<number> }
  >
  readonly startTime: number
  readonly endTime: number
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

export interface Window {
  readonly from: number
  readonly to: number
  readonly calls?: number | undefined
}

export interface Summary {
  /** Sampled time in the window, in ms, idle included. */
  readonly totalMs: number
  readonly idleMs: number
  /** Samples in the window. */
  readonly samples: number
  readonly windowed: boolean
  readonly calls: number | undefined
  readonly byFunction: ReadonlyArray<readonly [string, number]>
  /** Per function, its callers' share of its self time. */
  readonly callers: ReadonlyMap<string, ReadonlyArray<readonly [string, number]>>
  readonly byFile: ReadonlyArray<readonly [string, number]>
  readonly byPackage: ReadonlyArray<readonly [string, number]>
  /** Inclusive (total) time of this repository's own functions: what each one's subtree costs. */
  readonly workspaceInclusive: ReadonlyArray<readonly [string, number]>
}

const special = new Set(["(idle)", "(program)", "(garbage collector)", "(root)"])

/** `effect`, `@effect/platform`, `@effect-plex/core`, `node (internal)`, `(garbage collector)`… */
export const packageOfUrl = (frame: CallFrame): string => {
  if (special.has(frame.functionName)) return frame.functionName
  const url = frame.url
  if (url === "") return "(native / V8)"
  if (url.startsWith("node:")) return "node (internal)"
  const marker = "/node_modules/"
  const at = url.lastIndexOf(marker)
  if (at >= 0) {
    const parts = url.slice(at + marker.length).split("/")
    return parts[0]!.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!
  }
  const workspace = /\/packages\/(core|node)\//.exec(url)
  if (workspace !== null) return `@effect-plex/${workspace[1]}`
  if (url.includes("/bench/")) return "bench"
  return url
}

/** A short file name: the part after the package, such as `effect/dist/esm/internal/fiberRuntime.js`. */
const fileOf = (frame: CallFrame): string => {
  if (frame.url === "") return packageOfUrl(frame)
  const url = frame.url.replace(/^file:\/\//, "")
  const at = url.lastIndexOf("/node_modules/")
  if (at >= 0) return url.slice(at + "/node_modules/".length)
  const root = url.indexOf("/packages/")
  if (root >= 0) return url.slice(root + 1)
  const bench = url.indexOf("/bench/")
  return bench >= 0 ? url.slice(bench + 1) : url
}

const functionOf = (frame: CallFrame): string => {
  if (frame.url === "") return frame.functionName || "(anonymous)"
  return `${frame.functionName || "(anonymous)"} ${fileOf(frame)}:${frame.lineNumber + 1}`
}

const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1])

export const summarize = (profile: Profile, window?: Window): Summary => {
  const frames = new Map(profile.nodes.map((node) => [node.id, original(node.callFrame)]))
  const parents = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id)
  const workspaceInclusive = new Map<string, number>()
  const callers = new Map<string, Map<string, number>>()
  const byFunction = new Map<string, number>()
  const byFile = new Map<string, number>()
  const byPackage = new Map<string, number>()
  // sample i lasts until sample i + 1
  const times: Array<number> = []
  let t = profile.startTime
  for (const delta of profile.timeDeltas) times.push(t += delta)
  const windowed = window !== undefined && window.from >= profile.startTime && window.to <= profile.endTime
  let totalUs = 0
  let idleUs = 0
  let samples = 0
  for (let i = 0; i < profile.samples.length; i++) {
    const at = times[i]!
    if (windowed && (at < window.from || at > window.to)) continue
    const duration = (times[i + 1] ?? profile.endTime) - at
    const frame = frames.get(profile.samples[i]!)!
    samples++
    totalUs += duration
    if (frame.functionName === "(idle)") idleUs += duration
    const add = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + duration / 1000)
    const name = functionOf(frame)
    add(byFunction, name)
    const parent = parents.get(profile.samples[i]!)
    const callersOf = callers.get(name) ?? callers.set(name, new Map()).get(name)!
    add(callersOf, parent === undefined ? "-" : functionOf(frames.get(parent)!))
    add(byFile, fileOf(frame))
    add(byPackage, packageOfUrl(frame))
    const seen = new Set<string>()
    for (let id: number | undefined = profile.samples[i]!; id !== undefined; id = parents.get(id)) {
      const f = frames.get(id)!
      if (!packageOfUrl(f).startsWith("@effect-plex/")) continue
      const key = functionOf(f)
      if (!seen.has(key)) {
        seen.add(key)
        add(workspaceInclusive, key)
      }
    }
  }
  return {
    totalMs: totalUs / 1000,
    idleMs: idleUs / 1000,
    samples,
    windowed,
    calls: windowed ? window.calls : undefined,
    byFunction: sorted(byFunction),
    callers: new Map([...callers].map(([name, map]) => [name, sorted(map)])),
    byFile: sorted(byFile),
    byPackage: sorted(byPackage),
    workspaceInclusive: sorted(workspaceInclusive)
  }
}

const pct = (ms: number, of: number) => `${(100 * ms / of).toFixed(1)}%`

/** Markdown tables of the summary; shares are of the busy (non-idle) time. */
export const toMarkdown = (summary: Summary, top = 15): string => {
  const busy = summary.totalMs - summary.idleMs
  const perCall = summary.calls === undefined
    ? ""
    : `, ${summary.calls} calls (${(busy * 1000 / summary.calls).toFixed(0)} µs busy per call)`
  const cell = (text: string) => text.replace(/\|/g, "\\|")
  const table = (
    title: string,
    rows: ReadonlyArray<readonly [string, number]>,
    kind = "self",
    extra?: readonly [string, (name: string) => string]
  ) =>
    [
      `| ${title} | ${kind} ms | share of busy |${extra === undefined ? "" : ` ${extra[0]} |`}`,
      `| --- | ---: | ---: |${extra === undefined ? "" : " --- |"}`,
      ...rows.filter(([name]) => name !== "(idle)").slice(0, top).map(([name, ms]) =>
        `| ${cell(name)} | ${ms.toFixed(1)} | ${pct(ms, busy)} |${
          extra === undefined ? "" : ` ${cell(extra[1](name))} |`
        }`
      )
    ].join("\n")
  const mainCaller = (name: string) => {
    const list = summary.callers.get(name) ?? []
    const all = list.reduce((sum, [, ms]) => sum + ms, 0)
    return list.slice(0, 2).map(([caller, ms]) => `${caller} (${pct(ms, all)})`).join("; ")
  }
  return [
    `Sampled ${summary.totalMs.toFixed(0)} ms ` +
    `${summary.windowed ? "(the measured window only)" : "(whole process)"}, ${summary.samples} samples; ` +
    `idle ${summary.idleMs.toFixed(0)} ms (${pct(summary.idleMs, summary.totalMs)}, waiting ` +
    `for the server), busy ${busy.toFixed(0)} ms${perCall}.`,
    "",
    table("package", summary.byPackage),
    "",
    table("file", summary.byFile),
    "",
    table("function", summary.byFunction, "self", ["called from (share of its self time)", mainCaller]),
    "",
    table("this repository's function (inclusive: itself and what it calls)", summary.workspaceInclusive, "total")
  ].join("\n")
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, windowFile, top] = process.argv.slice(2)
  if (file === undefined) throw new Error("usage: cpuprofile.ts <file.cpuprofile> [window.json] [top]")
  const profile = JSON.parse(Fs.readFileSync(file, "utf8")) as Profile
  const window = windowFile === undefined ? undefined : JSON.parse(Fs.readFileSync(windowFile, "utf8")) as Window
  console.log(toMarkdown(summarize(profile, window), top === undefined ? 15 : Number(top)))
}
