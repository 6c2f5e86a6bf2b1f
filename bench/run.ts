/**
 * `pnpm bench [--quick] [--profile] [--out FILE]`: this library against raw undici and `fetch`,
 * on the same work, in one run on one machine (issue 6). Prints the tables and writes them to
 * `bench/results.md` (or FILE).
 *
 * - Every measured process runs plain `node` on a compiled copy of the workspace and of `bench/`
 *   (`bench/.out/js`, see `build.ts`): no tsx, no source maps, as a deployed application runs.
 * - The fake plex.tv runs in a child process (`server.ts`); each variant runs in a child process
 *   of its own (`worker.ts`), per operation, so CPU time and RSS are the variant's alone.
 * - Throughput: N concurrent loops issuing calls back to back for a fixed time; latency
 *   percentiles from the concurrency-1 rounds. Each concurrency level: a warm-up per variant, then
 *   rounds with the variants interleaved (rotated) so drifting machine load hits them alike.
 * - Cold start: the compiled `cold/` scripts, a new `node` per run, spawn to first decoded account.
 * - Bundle: esbuild (minified, ESM, Node), gzipped with node:zlib. Decode: tinybench (`decode.ts`).
 * - `--profile`: `node --cpu-prof` on the library at concurrency 1 (`profile-target.ts`),
 *   summarised by `cpuprofile.ts`.
 *
 * `--quick` (CI smoke test) runs everything briefly and asserts nothing about speed. It writes
 * `bench/results.md` too unless given `--out` (CI passes a temporary file).
 */
import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { type BundleSize, bundleSize, compiled, compileTree } from "./build.js"
import { summarize, toMarkdown, type Window } from "./cpuprofile.js"
import { benchDir, type Child, firstLine, outDir, rootDir, startChild, waitExit } from "./proc.js"
import {
  BENCH_TOKENS,
  type FromServer,
  type FromWorker,
  type Op,
  type RoundResult,
  type Spread,
  spread,
  type ToServer,
  type ToWorker
} from "./shared.js"
import { BASELINE, variants } from "./variants.js"

const argv = process.argv.slice(2)
const quick = argv.includes("--quick")
const withProfile = argv.includes("--profile")
const outIndex = argv.indexOf("--out")
const outFile = outIndex >= 0 ? Path.resolve(argv[outIndex + 1]!) : Path.join(benchDir, "results.md")

const settings = quick
  ? { rounds: 2, warmupMs: 0, roundMs: 150, coldRuns: 2, decodeRounds: 2, decodeTimeMs: 50, profileSeconds: 2 }
  : { rounds: 5, warmupMs: 800, roundMs: 1500, coldRuns: 9, decodeRounds: 5, decodeTimeMs: 500, profileSeconds: 5 }
const levels = [1, 16, 64, 256] as const
const started = Date.now()
const loadBefore = Os.loadavg()

const log = (line: string) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0)}s] ${line}\n`)

// ---------------------------------------------------------------------------------------------
// the server

log("compiling the workspace and bench/ to bench/.out/js (esbuild, file by file)")
await compileTree()

type ServerChild = Child<ToServer, FromServer>
const server: ServerChild = startChild<ToServer, FromServer>(compiled("bench/server.ts"))
const baseUrl = await firstLine(server.process, "server.ts")
if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(baseUrl)) throw new Error(`the fake plex.tv is not on 127.0.0.1: ${baseUrl}`)
log(`fake plex.tv (own process) at ${baseUrl}`)
const served = async () => (await server.ask({ type: "count" })).requests

const cleanup: Array<() => void> = [() => server.process.kill()]
process.on("exit", () => cleanup.forEach((f) => f()))

// ---------------------------------------------------------------------------------------------
// throughput, latency, CPU, RSS

interface Worker {
  readonly variant: string
  readonly child: Child<ToWorker, FromWorker>
  /** Requests the fake answered while this worker ran (init, warm-ups and rounds). */
  requests: number
  calls: number
}

const startWorkers = async (op: Op): Promise<{ workers: Array<Worker>; skipped: Array<[string, string]> }> => {
  const workers: Array<Worker> = []
  const skipped: Array<[string, string]> = []
  // loaded side by side, then set up one at a time (so the fake's request count is each one's own)
  const children = variants.filter((v) => v.ops.includes(op)).map((variant) => {
    const child = startChild<ToWorker, FromWorker>(compiled("bench/worker.ts"))
    cleanup.push(() => child.process.kill())
    return [variant, child] as const
  })
  for (const [variant, child] of children) {
    const before = await served()
    const answer = await child.ask({ type: "init", variant: variant.name, op, baseUrl })
    if (answer.type === "error") throw new Error(`${variant.name} ${op}: ${answer.message}`)
    if (answer.type === "skip") {
      log(`${variant.name} ${op}: skipped: ${answer.reason}`)
      skipped.push([variant.name, answer.reason])
      child.tell({ type: "exit" })
      continue
    }
    workers.push({ variant: variant.name, child, requests: (await served()) - before, calls: 1 })
  }
  return { workers, skipped }
}

const runRound = async (worker: Worker, concurrency: number, durationMs: number, resources: boolean) => {
  const before = await served()
  const answer = await worker.child.ask({ type: "run", concurrency, durationMs, resources })
  if (answer.type !== "result") {
    throw new Error(`${worker.variant}: ${answer.type === "error" ? answer.message : answer.type}`)
  }
  worker.requests += (await served()) - before
  worker.calls += answer.calls
  return answer
}

const stopWorkers = async (workers: ReadonlyArray<Worker>) => {
  for (const worker of workers) worker.child.tell({ type: "exit" })
  await Promise.all(workers.map((worker) => waitExit(worker.child.process)))
}

/** Rounds per variant per concurrency level. */
type Sweep = Map<string, Map<number, Array<RoundResult>>>

const sweep = async (op: Op, concurrencies: ReadonlyArray<number>) => {
  const { skipped, workers } = await startWorkers(op)
  const results: Sweep = new Map(workers.map((w) => [w.variant, new Map()]))
  for (const concurrency of concurrencies) {
    log(`${op}, concurrency ${concurrency}: ${workers.map((w) => w.variant).join(", ")}`)
    const resources = concurrency === 64
    if (settings.warmupMs > 0) {
      for (const worker of workers) await runRound(worker, concurrency, settings.warmupMs, false)
    }
    for (let round = 0; round < settings.rounds; round++) {
      for (let k = 0; k < workers.length; k++) {
        const worker = workers[(k + round) % workers.length]!
        const result = await runRound(worker, concurrency, settings.roundMs, resources)
        const rounds = results.get(worker.variant)!
        rounds.set(concurrency, [...(rounds.get(concurrency) ?? []), result])
      }
    }
  }
  const traffic = new Map(workers.map((w) => [w.variant, { requests: w.requests, calls: w.calls }]))
  await stopWorkers(workers)
  return { results, skipped, traffic }
}

const ops = ["getTokenDetails", "signIn"] as const
const sweeps = new Map<Op, Awaited<ReturnType<typeof sweep>>>()
for (const op of ops) sweeps.set(op, await sweep(op, levels))
const cache = await sweep("tokens100", [64])

// ---------------------------------------------------------------------------------------------
// cold start

const coldVariants = ["undici", "effect-plex", "fetch"] as const
const coldFiles = new Map(coldVariants.map((name) => [name, compiled(`bench/cold/${name}.ts`)]))

const coldOnce = (file: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const start = process.hrtime.bigint()
    const child = spawn(process.execPath, [file, baseUrl], { cwd: rootDir, stdio: ["ignore", "pipe", "inherit"] })
    let out = ""
    let done = false
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8")
      if (!done && out.includes("\n")) {
        done = true
        const ms = Number(process.hrtime.bigint() - start) / 1e6
        if (!out.startsWith("account 10000001")) reject(new Error(`${file}: ${out}`))
        else resolve(ms)
      }
    })
    child.on("exit", (code) => {
      if (!done) reject(new Error(`${file} exited (${code}) without an account`))
    })
  })

log(`cold start: ${settings.coldRuns} runs each, interleaved`)
const cold = new Map<string, Array<number>>(coldVariants.map((name) => [name, []]))
if (!quick) for (const name of coldVariants) await coldOnce(coldFiles.get(name)!) // warm the disk cache
for (let run = 0; run < settings.coldRuns; run++) {
  for (const name of coldVariants) cold.get(name)!.push(await coldOnce(coldFiles.get(name)!))
}

// ---------------------------------------------------------------------------------------------
// bundle size

log("bundle sizes (esbuild)")
const bundles: Array<readonly [string, string, BundleSize]> = []
for (
  const [name, entry] of [
    ["sign-in, raw undici (baseline)", "bundle/undici-sign-in.ts"],
    ["sign-in, global fetch", "bundle/fetch-baseline-sign-in.ts"],
    ["sign-in on `FetchHttpClient` (core only)", "bundle/fetch-sign-in.ts"],
    ["sign-in on `PlexNode.layer`", "bundle/node-sign-in.ts"]
  ] as const
) {
  bundles.push([name, entry, await bundleSize(entry)])
}
/** Each bundle must still work: run it once against the fake. */
await Promise.all(bundles.map(async ([, entry, size]) => {
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [size.outfile, baseUrl], {
      cwd: rootDir,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, PLEX_BASE_URL: baseUrl, PLEX_CLIENT_IDENTIFIER: "effect-plex-bench" }
    })
    let text = ""
    let errors = ""
    child.stdout.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")))
    child.stderr.on("data", (chunk: Buffer) => (errors += chunk.toString("utf8")))
    child.on("exit", (code) =>
      code === 0 ? resolve(text) : reject(new Error(`${entry} exited ${code}: ${text}${errors.slice(-2000)}`))
    )
  })
  if (!out.startsWith("signed in as fake-owner")) throw new Error(`${entry}: ${out}`)
}))

// ---------------------------------------------------------------------------------------------
// decode

log(`decode: tinybench, ${settings.decodeRounds} rounds of ${settings.decodeTimeMs} ms per task`)
const decodeOut = await new Promise<string>((resolve, reject) => {
  const child = spawn(
    process.execPath,
    [compiled("bench/decode.ts"), String(settings.decodeRounds), String(settings.decodeTimeMs)],
    { cwd: rootDir, stdio: ["ignore", "pipe", "inherit"] }
  )
  let text = ""
  child.stdout.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")))
  child.on("exit", (code) => code === 0 ? resolve(text) : reject(new Error(`decode.ts exited ${code}`)))
})
const decode = JSON.parse(decodeOut) as {
  readonly bytes: number
  readonly results: Record<string, ReadonlyArray<{ readonly meanNs: number; readonly p99Ns: number }>>
}

// ---------------------------------------------------------------------------------------------
// profile

let profileSection: string | undefined
if (withProfile) {
  log(`profile: node --cpu-prof, effect-plex getTokenDetails at concurrency 1 for ${settings.profileSeconds} s`)
  const dir = Path.join(outDir, "profile")
  Fs.rmSync(dir, { recursive: true, force: true })
  Fs.mkdirSync(dir, { recursive: true })
  const windowFile = Path.join(dir, "window.json")
  await new Promise<void>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        "--cpu-prof",
        `--cpu-prof-dir=${dir}`,
        compiled("bench/profile-target.ts"),
        baseUrl,
        String(settings.profileSeconds),
        windowFile
      ],
      { cwd: rootDir, stdio: ["ignore", "inherit", "inherit"] }
    )
    child.on("exit", (code) => code === 0 ? resolve() : reject(new Error(`profile-target.ts exited ${code}`)))
  })
  const file = Fs.readdirSync(dir).find((name) => name.endsWith(".cpuprofile"))
  if (file === undefined) throw new Error("no .cpuprofile written")
  const window = JSON.parse(Fs.readFileSync(windowFile, "utf8")) as Window
  const summary = summarize(JSON.parse(Fs.readFileSync(Path.join(dir, file), "utf8")), window)
  profileSection = [
    "## Profile",
    "",
    `\`node --cpu-prof\` on the library (\`PlexNode.layer\`, \`getTokenDetails\`, concurrency 1, ` +
    `${settings.profileSeconds} s after a 1 s warm-up, on the compiled workspace; frames of this repository are ` +
    `mapped back to their TypeScript lines). ` +
    `Self time, aggregated by \`bench/cpuprofile.ts\` over the measured window; the profile itself is in ` +
    `\`bench/.out/profile/\` (gitignored). Re-run: \`pnpm bench --profile\`, or ` +
    `\`pnpm exec tsx bench/cpuprofile.ts bench/.out/profile/<file>.cpuprofile bench/.out/profile/window.json\`.`,
    "V8 samples wall-clock time: a native frame that makes a system call (`writeLatin1String` is the socket " +
    "write) also carries the time the process sat descheduled on the 2 loaded cores; `process.cpuUsage` (the " +
    "CPU-per-call figures above) is the truer measure of CPU.",
    "",
    toMarkdown(summary, 20)
  ].join("\n")
}

await waitExit((server.process.kill(), server.process))

// ---------------------------------------------------------------------------------------------
// the tables

const loadAfter = Os.loadavg()
const num = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : "–"
const ratio = (value: number, base: number | undefined) =>
  base === undefined || !Number.isFinite(value) || !Number.isFinite(base) || base === 0
    ? "–"
    : `×${(value / base).toFixed(2)}`
const withSpread = (s: Spread, unit: string, digits = 0) =>
  `${num(s.median, digits)}${unit} (${num(s.min, digits)}–${num(s.max, digits)})`

interface Figure {
  readonly name: string
  readonly unit: string
  readonly digits: number
  readonly of: (rounds: Map<number, Array<RoundResult>>) => Spread | undefined
}

const at = (concurrency: number, f: (r: RoundResult) => number | undefined) =>
(rounds: Map<number, Array<RoundResult>>) => {
  const values = (rounds.get(concurrency) ?? []).map(f).filter((v): v is number => v !== undefined)
  return values.length === 0 ? undefined : spread(values)
}
const perSecond = (r: RoundResult) => r.calls / (r.elapsedMs / 1000)

const figures: ReadonlyArray<Figure> = [
  { name: "p50 latency, c=1", unit: " µs", digits: 0, of: at(1, (r) => r.p50Ms! * 1000) },
  { name: "p99 latency, c=1", unit: " µs", digits: 0, of: at(1, (r) => r.p99Ms! * 1000) },
  ...levels.map((c) => ({ name: `throughput, c=${c}`, unit: "/s", digits: 0, of: at(c, perSecond) })),
  { name: "CPU per call, c=64", unit: " µs", digits: 0, of: at(64, (r) => r.cpuMicrosPerCall) },
  {
    name: "peak RSS, c=64",
    unit: " MB",
    digits: 1,
    of: (rounds) => {
      const s = at(64, (r) => r.rssPeak === undefined ? undefined : r.rssPeak / 2 ** 20)(rounds)
      return s === undefined ? undefined : { ...s, median: s.max } // the peak, with the range of round peaks
    }
  }
]

const sweepTable = (op: Op, results: Sweep, only?: ReadonlyArray<Figure>) => {
  const names = [...results.keys()]
  const header = `| ${op} | ${names.map((n) => `${n} | ratio`).join(" | ")} |`
  const rule = `| --- | ${names.map(() => "---: | ---:").join(" | ")} |`
  const rows = (only ?? figures).map((figure) => {
    const base = figure.of(results.get(BASELINE) ?? new Map())?.median
    const cells = names.map((name) => {
      const s = figure.of(results.get(name)!)
      return s === undefined ? "– | –" : `${withSpread(s, figure.unit, figure.digits)} | ${ratio(s.median, base)}`
    })
    return `| ${figure.name} | ${cells.join(" | ")} |`
  })
  return [header, rule, ...rows].join("\n")
}

const coldTable = () => {
  const base = spread(cold.get(BASELINE)!).median
  return [
    "| cold start (spawn → first decoded account) | median (min–max) | ratio | above undici |",
    "| --- | ---: | ---: | ---: |",
    ...coldVariants.map((name) => {
      const s = spread(cold.get(name)!)
      return `| ${name} | ${withSpread(s, " ms")} | ${ratio(s.median, base)} | ${
        name === BASELINE ? "–" : `${num(s.median - base)} ms`
      } |`
    })
  ].join("\n")
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`
const bundleTable = () => {
  const base = bundles[0]![2].gzipped
  return [
    "| bundle (esbuild, ESM, platform node, minified; gzip by node:zlib) | minified | min+gz | ratio (gz) " +
    "| largest parts (minified) |",
    "| --- | ---: | ---: | ---: | --- |",
    ...bundles.map(([name, , size]) =>
      `| ${name} | ${kb(size.minified)} | ${kb(size.gzipped)} | ${ratio(size.gzipped, base)} | ${
        size.packages.slice(0, 4).map(([p, b]) => `${p} ${kb(b)}`).join(", ")
      } |`
    )
  ].join("\n")
}

const decodeTable = () => {
  const meanOf = (task: string) => spread(decode.results[task]!.map((r) => r.meanNs))
  const base = meanOf("JSON.parse").median
  return [
    `| decode of the owner's account (${num(decode.bytes)} bytes of JSON) | mean (min–max of rounds) ` +
    "| p99 (median of rounds) | ratio to JSON.parse |",
    "| --- | ---: | ---: | ---: |",
    ...Object.keys(decode.results).map((task) => {
      const s = meanOf(task)
      const p99 = spread(decode.results[task]!.map((r) => r.p99Ns)).median
      return `| ${task}${task === "JSON.parse" ? " (what raw undici does)" : ""} | ${withSpread(s, " ns")} | ${
        num(p99)
      } ns | ${ratio(s.median, base)} |`
    })
  ].join("\n")
}

const cacheTable = () => {
  const results = cache.results
  const throughput = figures.find((f) => f.name === "throughput, c=64")!
  const cpu = figures.find((f) => f.name === "CPU per call, c=64")!
  const base = throughput.of(results.get(BASELINE) ?? new Map())?.median
  const rows = [...results.keys()].map((name) => {
    const s = throughput.of(results.get(name)!)!
    const c = cpu.of(results.get(name)!)!
    const traffic = cache.traffic.get(name)!
    return `| ${name} | ${withSpread(s, "/s")} | ${ratio(s.median, base)} | ${withSpread(c, " µs")} | ${
      num(traffic.requests)
    } for ${num(traffic.calls)} checks |`
  })
  return [
    `| ${BENCH_TOKENS.length} tokens checked over and over, c=64 | throughput | ratio | CPU per call ` +
    "| requests the fake saw |",
    "| --- | ---: | ---: | ---: | ---: |",
    ...rows,
    ...cache.skipped.map(([name, reason]) => `| ${name} | skipped: ${reason} | – | – | – |`)
  ].join("\n")
}

/** The targets of issue 6, against this run. */
const targetsTable = () => {
  const lib = (op: Op, name: string) => {
    const figure = figures.find((f) => f.name === name)!
    const results = sweeps.get(op)!.results
    const mine = figure.of(results.get("effect-plex")!)?.median
    const base = figure.of(results.get(BASELINE)!)?.median
    return mine === undefined || base === undefined ? Number.NaN : mine / base
  }
  const verdict = (ok: boolean) => ok ? "met" : "**missed**"
  const rows: Array<string> = []
  for (const op of ops) {
    const p50 = lib(op, "p50 latency, c=1")
    const tput = lib(op, "throughput, c=64")
    const cpu = lib(op, "CPU per call, c=64")
    const rss = lib(op, "peak RSS, c=64")
    rows.push(`| ${op}: p50 latency c=1 ≤ ×1.25 | ×${p50.toFixed(2)} | ${verdict(p50 <= 1.25)} |`)
    rows.push(`| ${op}: throughput c=64 ≥ ×0.8 | ×${tput.toFixed(2)} | ${verdict(tput >= 0.8)} |`)
    rows.push(`| ${op}: CPU per call c=64 ≤ ×1.4 | ×${cpu.toFixed(2)} | ${verdict(cpu <= 1.4)} |`)
    rows.push(`| ${op}: peak RSS c=64 ≤ ×1.3 | ×${rss.toFixed(2)} | ${verdict(rss <= 1.3)} |`)
  }
  const coldAbove = spread(cold.get("effect-plex")!).median - spread(cold.get(BASELINE)!).median
  rows.push(`| cold start ≤ undici + 200 ms | +${num(coldAbove)} ms | ${verdict(coldAbove <= 200)} |`)
  const fetchBundle = bundles.find(([, entry]) => entry === "bundle/fetch-sign-in.ts")![2].gzipped / 1024
  rows.push(
    `| sign-in bundle on FetchHttpClient ≤ 95 KB | ${fetchBundle.toFixed(1)} KB | ${verdict(fetchBundle <= 95)} |`
  )
  const cached = cache.results.get("effect-plex cached")
  if (cached === undefined) {
    rows.push("| token cache ≥ ×20 undici's calls/s at c=64 | not measured (no cache export) | **missed** |")
  } else {
    const throughput = figures.find((f) => f.name === "throughput, c=64")!
    const r = throughput.of(cached)!.median / throughput.of(cache.results.get(BASELINE)!)!.median
    const traffic = cache.traffic.get("effect-plex cached")!
    rows.push(`| token cache ≥ ×20 undici's calls/s at c=64 | ×${r.toFixed(1)} | ${verdict(r >= 20)} |`)
    rows.push(
      `| token cache: one request per token per TTL | ${traffic.requests} requests for ${BENCH_TOKENS.length} ` +
        `tokens | ${verdict(traffic.requests <= BENCH_TOKENS.length)} |`
    )
  }
  return ["| target (issue 6) | this run | |", "| --- | ---: | --- |", ...rows].join("\n")
}

const cpus = Os.cpus()
const seconds = ((Date.now() - started) / 1000).toFixed(0)
const header = [
  `# effect-plex benchmark (${quick ? "quick" : "full"} run)`,
  "",
  `- Date: ${new Date(started).toISOString()}; took ${seconds} s`,
  `- Machine: ${cpus[0]?.model ?? "unknown CPU"}, ${cpus.length} cores, ${(Os.totalmem() / 2 ** 30).toFixed(1)} GB; ` +
  `${Os.type()} ${Os.release()}; Node ${process.version}`,
  `- Mode: ${quick ? "quick" : "full"}: per concurrency level a ${settings.warmupMs} ms warm-up per variant, then ` +
  `${settings.rounds} rounds of ${settings.roundMs} ms per variant, interleaved; cold start ` +
  `${settings.coldRuns} runs each; decode ${settings.decodeRounds} tinybench rounds of ${settings.decodeTimeMs} ms`,
  `- Load average (1/5/15 min): ${loadBefore.map((l) => l.toFixed(2)).join(" / ")} before, ` +
  `${loadAfter.map((l) => l.toFixed(2)).join(" / ")} after`,
  "",
  "Figures are the median of the rounds with the range (min–max) in parentheses; ratios are to raw undici in",
  "this run (peak RSS: the highest round peak, with the range of round peaks). The fake plex.tv runs in its own",
  "process, on 127.0.0.1; each variant in a process of its own per operation.",
  ...(quick ? ["", "**Quick mode: a smoke test. These numbers are too short-lived to compare.**"] : [])
].join("\n")

const variantsList = variants.map((v) => `- **${v.name}**: ${v.description}`).join("\n")

const notes = [
  "## Notes",
  "",
  "- **Noise.** This machine has 2 cores, and other work may run beside the bench (see the load average",
  "  above): the client, the fake server and anything else share 2 cores, so absolute",
  "  figures move a lot between runs (2× is not unusual for p99 and cold start). Read the ratios (same run,",
  "  rounds interleaved across variants) rather than absolute numbers, and re-run before trusting a small change.",
  "- **Throughput at c≥16 is bounded by the fake server** (one Node process running the fake's Effect model per",
  "  request) and by the 2 shared cores. Ratios there understate a cheap client's lead; CPU per call at c=64 (the",
  "  client process only: `process.cpuUsage`, user+system, all its threads, divided by calls) is the better",
  "  measure of what a client costs.",
  "- Latency percentiles come from the concurrency-1 rounds, each call `await`ed back to back. A round ends after",
  "  its time is up and the calls in flight have settled; those count.",
  "- Every measured process (workers, server, cold-start scripts, decode, profile) runs plain `node` on",
  "  `bench/.out/js`: the workspace and `bench/` compiled file by file by esbuild (as `tsc` would emit them),",
  "  `effect`, `@effect/platform`, `@effect/platform-node` and `undici` loaded from `node_modules`, as a deployed",
  "  application would. Not tsx: its loader and source-mapped stack traces would bill the library for work a",
  "  deployed one does not do.",
  "- The library variant is measured as a Promise-based host would use it: one `runtime.runPromise` per call on",
  "  a `ManagedRuntime` built once.",
  "- Bundle sizes: each program is also run once against the fake, so a size is never that of a broken bundle.",
  "",
  "Variants:",
  "",
  variantsList
].join("\n")

/** The hand-written section of the results file (what changed, before/after): kept across runs. */
const observationsHeading = "## Observations"
const kept = (() => {
  if (!Fs.existsSync(outFile)) return undefined
  const old = Fs.readFileSync(outFile, "utf8")
  const start = old.indexOf(`\n${observationsHeading}`)
  if (start < 0) return undefined
  const next = old.indexOf("\n## ", start + 1)
  return old.slice(start + 1, next < 0 ? undefined : next).trimEnd()
})()

const body = [
  header,
  "",
  ...(kept === undefined ? [] : [kept, ""]),
  "## Targets",
  "",
  targetsTable(),
  "",
  "## getTokenDetails (`GET /api/v2/user`)",
  "",
  sweepTable("getTokenDetails", sweeps.get("getTokenDetails")!.results),
  "",
  "## signIn (`POST /api/v2/users/signin`)",
  "",
  sweepTable("signIn", sweeps.get("signIn")!.results),
  "",
  "## Validated-token cache",
  "",
  cacheTable(),
  "",
  "## Cold start",
  "",
  coldTable(),
  "",
  "## Bundle size",
  "",
  bundleTable(),
  "",
  "## Decode",
  "",
  decodeTable(),
  "",
  notes,
  ...(profileSection === undefined ? [] : ["", profileSection]),
  ""
].join("\n")

console.log(body)
Fs.writeFileSync(outFile, body)
log(`wrote ${Path.relative(rootDir, outFile)} in ${seconds} s`)
