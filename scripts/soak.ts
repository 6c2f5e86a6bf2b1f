/**
 * `pnpm soak`: 20,000 calls at concurrency 256 through the real Node stack (`PlexNode.layer`, undici)
 * against the fake plex.tv in a child process, 5% of its answers spoiled by a seeded mix of faults.
 * Prints its figures, exits non-zero on any violation (a defect, an unhandled rejection, a call past
 * its deadline, a socket or fiber left behind, heap growth past the bound), and on success rewrites
 * the "Reliability figures" block of README.md.
 *
 *   pnpm soak [--calls 20000] [--concurrency 256] [--rate 0.05] [--seed 42] [--no-readme]
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
import { formatReport, mb, runSoak, type ServerStats, type SoakReport, type SoakServer } from "./soak-lib.js"

const root = Path.resolve(fileURLToPath(new URL("..", import.meta.url)))

const { values } = parseArgs({
  options: {
    calls: { type: "string", default: "20000" },
    concurrency: { type: "string", default: "256" },
    rate: { type: "string", default: "0.05" },
    seed: { type: "string", default: "42" },
    "no-readme": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false }
  }
})

if (values.help) {
  console.log("Usage: pnpm soak [--calls 20000] [--concurrency 256] [--rate 0.05] [--seed 42] [--no-readme]")
  process.exit(0)
}

const calls = Number(values.calls)
const concurrency = Number(values.concurrency)
const rate = Number(values.rate)
const seed = Number(values.seed)
if (!Number.isInteger(calls) || calls < 1 || !Number.isInteger(concurrency) || concurrency < 1 || !(rate >= 0)) {
  console.error("--calls and --concurrency must be positive integers, --rate a number between 0 and 1")
  process.exit(2)
}

const options = {
  calls,
  concurrency,
  timeout: Duration.seconds(1),
  deadline: Duration.seconds(5),
  margin: Duration.millis(250),
  maxRunTime: Duration.minutes(5),
  heapBoundBytes: 64 * 1024 * 1024,
  warmup: Math.min(1000, calls),
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
        String(seed)
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
  }).pipe(Effect.timeoutFail({ duration: "30 seconds", onTimeout: () => new Error("the soak server did not start") })),
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

const writeReadme = (block: string) => {
  const file = Path.join(root, "README.md")
  const text = Fs.readFileSync(file, "utf8")
  const start = text.indexOf(START)
  const end = text.indexOf(END)
  if (start < 0 || end < start) throw new Error(`README.md has no ${START} … ${END} block`)
  Fs.writeFileSync(file, text.slice(0, start) + block + text.slice(end + END.length))
}

const main = Effect.gen(function*() {
  const { baseUrl, child } = yield* childServer
  console.log(`fake plex.tv (child process ${child.pid}) on ${baseUrl}, faults ${rate * 100}% seed ${seed}`)
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
    if (!values["no-readme"]) {
      writeReadme(figuresBlock(report, new Date()))
      console.log("README.md: reliability figures rewritten")
    }
  },
  (error) => {
    console.error(error)
    process.exitCode = 1
  }
)
