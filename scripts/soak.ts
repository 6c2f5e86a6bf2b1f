/**
 * `pnpm soak`: 20,000 calls at concurrency 256 through the real Node stack (`PlexNode.layer`, undici)
 * against the fake plex.tv in a child process, 5% of its answers spoiled by a seeded mix of faults.
 * Prints its figures, exits non-zero on any violation (a defect, an unhandled rejection, a call past
 * its deadline, a socket or fiber left behind, heap growth past the bound), and on success rewrites
 * the "Reliability figures" block of README.md.
 *
 * `pnpm soak --hostile`: the same, 20% of the answers drawn from `FakeFault.hostileMix` (the plain
 * faults plus huge, slow, nested, malformed, compressed and redirecting bodies); it also reports the
 * worst overshoot of a deadline, the event loop's longest delay and the RSS, and rewrites the
 * "hostile" block of README.md next to the plain one. `--client platform|fetch` runs it over
 * another `HttpClient` (figures printed, README left alone).
 *
 *   pnpm soak [--hostile] [--calls 20000] [--concurrency 256] [--rate 0.05|0.2] [--seed 42]
 *             [--client lean|platform|fetch] [--only TEXT] [--skip TEXT] [--no-readme]
 *
 * `--only TEXT` keeps only the faults whose description contains TEXT, `--skip TEXT` leaves them
 * out (to find which one hurts); the README is then left alone.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import { FakeFault } from "@effect-plex/core/testing"
import {
  formatReport,
  mb,
  runSoak,
  type ServerStats,
  type SoakClient,
  type SoakReport,
  type SoakServer
} from "./soak-lib.js"

const root = Path.resolve(fileURLToPath(new URL("..", import.meta.url)))

const { values } = parseArgs({
  options: {
    calls: { type: "string", default: "20000" },
    concurrency: { type: "string", default: "256" },
    rate: { type: "string" },
    seed: { type: "string", default: "42" },
    hostile: { type: "boolean", default: false },
    client: { type: "string", default: "lean" },
    only: { type: "string" },
    skip: { type: "string" },
    "no-readme": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false }
  }
})

if (values.help) {
  console.log(
    "Usage: pnpm soak [--hostile] [--calls 20000] [--concurrency 256] [--rate 0.05|0.2] [--seed 42]\n" +
      "                 [--client lean|platform|fetch] [--only TEXT] [--skip TEXT] [--no-readme]"
  )
  process.exit(0)
}

const hostile = values.hostile
const calls = Number(values.calls)
const concurrency = Number(values.concurrency)
const rate = Number(values.rate ?? (hostile ? "0.2" : "0.05"))
const seed = Number(values.seed)
const client = values.client as SoakClient
if (!Number.isInteger(calls) || calls < 1 || !Number.isInteger(concurrency) || concurrency < 1 || !(rate >= 0)) {
  console.error("--calls and --concurrency must be positive integers, --rate a number between 0 and 1")
  process.exit(2)
}
if (!["lean", "platform", "fetch"].includes(client)) {
  console.error("--client must be lean, platform or fetch")
  process.exit(2)
}

const options = {
  calls,
  concurrency,
  timeout: Duration.seconds(1),
  deadline: Duration.seconds(5),
  margin: Duration.millis(250),
  maxRunTime: Duration.minutes(hostile ? 10 : 5),
  heapBoundBytes: 64 * 1024 * 1024,
  warmup: Math.min(1000, calls),
  client,
  log: (line: string) => console.log(line)
}

/** The fake plex.tv in a child process, talked to over IPC. */
const childServer = Effect.acquireRelease(
  Effect.async<{ readonly child: ChildProcess.ChildProcess; readonly baseUrl: string }, Error>((resume) => {
    const child = ChildProcess.spawn(
      process.execPath,
      [
        "--conditions=@effect-plex/source",
        "--import",
        "tsx",
        "scripts/soak-server.ts",
        "--rate",
        String(rate),
        "--seed",
        String(seed),
        ...(hostile ? ["--hostile"] : []),
        ...(values.only === undefined ? [] : ["--only", values.only]),
        ...(values.skip === undefined ? [] : ["--skip", values.skip])
      ],
      { cwd: root, stdio: ["ignore", "inherit", "inherit", "ipc"] }
    )
    const onMessage = (message: { readonly type?: string; readonly baseUrl?: string }) => {
      if (message.type === "ready" && typeof message.baseUrl === "string") {
        child.off("message", onMessage)
        resume(Effect.succeed({ child, baseUrl: message.baseUrl }))
      }
    }
    child.on("message", onMessage)
    child.once("exit", (code) => resume(Effect.fail(new Error(`the soak server exited (${code}) before it was ready`))))
  }).pipe(Effect.timeoutFail({ duration: "60 seconds", onTimeout: () => new Error("the soak server did not start") })),
  ({ child }) =>
    Effect.async<void>((resume) => {
      if (child.exitCode !== null) return resume(Effect.void)
      child.once("exit", () => resume(Effect.void))
      child.disconnect()
      setTimeout(() => child.kill("SIGKILL"), 5000).unref()
    })
)

const serverOf = (child: ChildProcess.ChildProcess, baseUrl: string): SoakServer => {
  let next = 0
  return {
    baseUrl,
    stats: Effect.async<ServerStats>((resume) => {
      const id = ++next
      const onMessage = (message: { readonly type?: string; readonly id?: number; readonly stats?: ServerStats }) => {
        if (message.type === "stats" && message.id === id && message.stats !== undefined) {
          child.off("message", onMessage)
          resume(Effect.succeed(message.stats))
        }
      }
      child.on("message", onMessage)
      child.send({ type: "stats", id })
    })
  }
}

// ---------------------------------------------------------------------------------------------
// README

const START = "<!-- reliability:start -->"
const END = "<!-- reliability:end -->"

/** What the property tests of packages/core/test/hostile.test.ts feed the client. */
const hostileInputs = [
  "arbitrary JSON at any status, for every call (accounts, PINs, Home users, resources, nonces, keys, JWTs)",
  "arbitrary bytes under any content type (JSON, XML, HTML, text, binary, none, malformed)",
  "arbitrary status, body and content type triples, with malformed `Retry-After` and `Content-Length`",
  "plex.tv's `errors` list with members of every type, missing, or out of range (unsafe integers)",
  "valid accounts and PINs with one member replaced by anything",
  "planted unique strings in JSON values and keys, XML attributes and HTML: never echoed into an error message",
  "`PlexClientInfo` and `PasswordCredentials` values with CR, LF and other control characters, empty and blank",
  "every value `PlexClientInfo` accepts: sent as header values without a control character"
]

const n = (value: number) => value.toLocaleString("en-US")

export const figuresBlock = (report: SoakReport, when: Date): string => {
  const { options } = report
  const injected = report.server.injected
  const injectedTotal = Object.values(injected).reduce((a, b) => a + (b ?? 0), 0)
  const failed = Object.entries(report.failures).sort(([a], [b]) => a.localeCompare(b))
  const faults = FakeFault.mix.map((fault) => `- ${FakeFault.describe(fault)}`)
  const byKind = Object.entries(injected).sort(([a], [b]) => a.localeCompare(b)).map(([tag, count]) =>
    `${tag} ${n(count ?? 0)}`
  )
  return [
    START,
    "",
    `_Written by \`pnpm soak\` on ${when.toISOString().slice(0, 10)} (Node ${process.version},` +
    ` ${Os.platform()} ${Os.arch()}, ${Os.availableParallelism()} CPUs); not edited by hand._`,
    "",
    "| Figure | Value |",
    "| --- | --- |",
    `| Calls (\`getTokenDetails\` 90%, \`signIn\` 5%, \`ping\` 5%) |` +
    ` ${n(options.calls)} at concurrency ${options.concurrency} |`,
    `| Faults (seeded random mix) | ${(rate * 100).toFixed(0)}% of answers, seed ${seed}:` +
    ` ${n(injectedTotal)} injected |`,
    `| Wall time | ${(report.wallMillis / 1000).toFixed(1)} s` +
    ` (${n(Math.round(options.calls / (report.wallMillis / 1000)))} calls/s) |`,
    `| Successes | ${n(report.successes)} |`,
    `| Typed failures | ${failed.map(([tag, count]) => `${tag} ${n(count)}`).join(", ") || "none"} |`,
    `| Defects / interruptions / unhandled rejections |` +
    ` ${report.defects} / ${report.interruptions} / ${report.unhandled} |`,
    `| Duration per call | p50 ${report.durations.p50.toFixed(0)} ms, p99 ${report.durations.p99.toFixed(0)} ms,` +
    ` max ${report.durations.max.toFixed(0)} ms |`,
    `| Calls past their deadline (${Duration.format(options.deadline)} + ${Duration.format(options.margin)}) |` +
    ` ${report.lateCalls} |`,
    `| Per-attempt timeout / response size limit | ${Duration.format(options.timeout)} / 4 MiB (defaults otherwise) |`,
    `| Answers the client gave up on (the server saw the connection closed) | ${n(report.server.aborted)} |`,
    `| Sockets open after closing the client | ${report.openSocketsAtEnd} |`,
    `| Root fibers before / after | ${report.fibers.before} / ${report.fibers.after} |`,
    `| Heap growth | ${mb(report.heap.after - report.heap.before)} (bound ${mb(options.heapBoundBytes)}${
      report.heap.gc ? ", after forced GC" : ""
    }) |`,
    "",
    `Faults in the mix (each also has tests of its own, over \`PlexTvFake\` and over \`PlexTvServer\`); injected: ${
      byKind.join(", ")
    }.`,
    "",
    ...faults,
    "",
    "Hostile inputs covered by property tests:",
    "",
    ...hostileInputs.map((line) => `- ${line}`),
    "",
    END
  ].join("\n")
}

const HOSTILE_START = "<!-- reliability-hostile:start -->"
const HOSTILE_END = "<!-- reliability-hostile:end -->"

const ms = (millis: number) => `${n(Math.round(millis))} ms`

export const hostileBlock = (report: SoakReport, when: Date): string => {
  const { options } = report
  const injected = report.server.injected
  const injectedTotal = Object.values(injected).reduce((a, b) => a + (b ?? 0), 0)
  const failed = Object.entries(report.failures).sort(([a], [b]) => a.localeCompare(b))
  const plain = new Set(FakeFault.mix.map((fault) => FakeFault.describe(fault)))
  const added = FakeFault.hostileMix.filter((fault) => !plain.has(FakeFault.describe(fault)))
  const byKind = Object.entries(injected).sort(([a], [b]) => a.localeCompare(b)).map(([tag, count]) =>
    `${tag} ${n(count ?? 0)}`
  )
  return [
    HOSTILE_START,
    "",
    `_Written by \`pnpm soak --hostile\` on ${when.toISOString().slice(0, 10)} (Node ${process.version},` +
    ` ${Os.platform()} ${Os.arch()}, ${Os.availableParallelism()} CPUs); not edited by hand._`,
    "",
    "| Figure (hostile answers) | Value |",
    "| --- | --- |",
    `| Calls (\`getTokenDetails\` 90%, \`signIn\` 5%, \`ping\` 5%) |` +
    ` ${n(options.calls)} at concurrency ${options.concurrency} |`,
    `| Hostile answers (seeded random mix, ${FakeFault.hostileMix.length} kinds) | ${(rate * 100).toFixed(0)}%` +
    ` of answers, seed ${seed}: ${n(injectedTotal)} injected |`,
    `| Wall time | ${(report.wallMillis / 1000).toFixed(1)} s` +
    ` (${n(Math.round(options.calls / (report.wallMillis / 1000)))} calls/s) |`,
    `| Successes | ${n(report.successes)} |`,
    `| Typed failures | ${failed.map(([tag, count]) => `${tag} ${n(count)}`).join(", ") || "none"} |`,
    `| Defects / interruptions / unhandled rejections |` +
    ` ${report.defects} / ${report.interruptions} / ${report.unhandled} |`,
    `| Calls past their deadline (${Duration.format(options.deadline)}) by more than` +
    ` ${Duration.format(options.margin)} | ${report.lateCalls} |`,
    `| Worst overshoot of a deadline | ${ms(report.worstOvershootMillis)} |`,
    `| Duration per call | p50 ${ms(report.durations.p50)}, p99 ${ms(report.durations.p99)},` +
    ` max ${ms(report.durations.max)} |`,
    `| Longest event-loop delay (\`monitorEventLoopDelay\`) | ${ms(report.maxEventLoopDelayMillis)} |`,
    `| RSS peak / after | ${mb(report.rss.peak)} / ${mb(report.rss.after)} |`,
    `| Per-attempt timeout / response size limit | ${Duration.format(options.timeout)} / 4 MiB (defaults otherwise) |`,
    `| Redirects followed to another port | ${report.server.redirectsFollowed ?? 0} |`,
    `| Sockets open after closing the client | ${report.openSocketsAtEnd} |`,
    `| Root fibers before / after | ${report.fibers.before} / ${report.fibers.after} |`,
    `| Heap growth | ${mb(report.heap.after - report.heap.before)} (bound ${mb(options.heapBoundBytes)}${
      report.heap.gc ? ", after forced GC" : ""
    }) |`,
    "",
    `The mix: every fault above, and these hostile bodies; injected: ${byKind.join(", ")}.`,
    "",
    ...added.map((fault) => `- ${FakeFault.describe(fault)}`),
    "",
    HOSTILE_END
  ].join("\n")
}

/** Replaces the block between `startMark` and `endMark`; a missing block goes right after `after`. */
const writeReadme = (block: string, startMark = START, endMark = END, after?: string) => {
  const file = Path.join(root, "README.md")
  const text = Fs.readFileSync(file, "utf8")
  const start = text.indexOf(startMark)
  const end = text.indexOf(endMark)
  if (start >= 0 && end > start) {
    Fs.writeFileSync(file, text.slice(0, start) + block + text.slice(end + endMark.length))
    return
  }
  const anchor = after === undefined ? -1 : text.indexOf(after)
  if (after === undefined || anchor < 0) throw new Error(`README.md has no ${startMark} … ${endMark} block`)
  const at = anchor + after.length
  Fs.writeFileSync(file, text.slice(0, at) + "\n\n" + block + text.slice(at))
}

const main = Effect.gen(function*() {
  const { baseUrl, child } = yield* childServer
  console.log(
    `fake plex.tv (child process ${child.pid}) on ${baseUrl}, ${hostile ? "hostile " : ""}faults ${
      rate * 100
    }% seed ${seed}, client ${client}`
  )
  const report = yield* runSoak(serverOf(child, baseUrl), options)
  for (const line of formatReport(report)) console.log(line)
  return report
}).pipe(Effect.scoped)

Effect.runPromise(main).then(
  (report) => {
    if (report.violations.length > 0) {
      process.exitCode = 1
      return
    }
    if (values["no-readme"] || client !== "lean" || values.only !== undefined || values.skip !== undefined) return
    if (hostile) {
      writeReadme(hostileBlock(report, new Date()), HOSTILE_START, HOSTILE_END, END)
      console.log("README.md: hostile reliability figures rewritten")
    } else {
      writeReadme(figuresBlock(report, new Date()))
      console.log("README.md: reliability figures rewritten")
    }
  },
  (error) => {
    console.error(error)
    process.exitCode = 1
  }
)
