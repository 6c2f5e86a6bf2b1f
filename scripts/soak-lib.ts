/**
 * The soak run: many calls through the real Node stack (`PlexNode.layer`, undici) against a fake
 * plex.tv that spoils a share of its answers, with the checks that make it pass or fail. Used by
 * `pnpm soak` (scripts/soak.ts, server in a child process) and, smaller, by the node test suite.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import { monitorEventLoopDelay } from "node:perf_hooks"
import { PasswordCredentials, PlexAuth, PlexError } from "@effect-plex/core"
import type { FakeFaultTag } from "@effect-plex/core/testing"
import { PlexNode } from "@effect-plex/node"

/** What the soak needs to know about the fake plex.tv it runs against. */
export interface SoakServer {
  readonly baseUrl: string
  readonly stats: Effect.Effect<ServerStats>
}

export interface ServerStats {
  readonly openConnections: number
  readonly requests: number
  readonly aborted: number
  readonly streamedBytes: number
  readonly injected: Readonly<Partial<Record<FakeFaultTag, number>>>
  /** Requests that followed a redirect of the fake to its other port (each carried the token there). */
  readonly redirectsFollowed?: number | undefined
}

/**
 * The `HttpClient` under the services: `lean` is `PlexNode.layer`'s own (undici, never inflates),
 * `platform` is `@effect/platform-node`'s undici client, `fetch` is the platform's `fetch` client
 * (inflates gzip/deflate, follows redirects unless told not to).
 */
export type SoakClient = "lean" | "platform" | "fetch"

export interface SoakOptions {
  readonly calls: number
  readonly concurrency: number
  /** Per attempt. */
  readonly timeout: Duration.Duration
  readonly deadline: Duration.Duration
  /** How late past its deadline a call may end (timer and event-loop lag) before it counts as a violation. */
  readonly margin: Duration.Duration
  /** The whole run must end within this. */
  readonly maxRunTime: Duration.Duration
  /** Heap growth over the run (after garbage collection, when `global.gc` is exposed) must stay below. */
  readonly heapBoundBytes: number
  /** Calls before the heap and fiber baselines are taken. */
  readonly warmup: number
  /** Default `lean`. */
  readonly client?: SoakClient | undefined
  readonly log?: ((line: string) => void) | undefined
}

export interface SoakReport {
  readonly options: SoakOptions
  readonly wallMillis: number
  readonly successes: number
  readonly failures: Readonly<Record<string, number>>
  readonly defects: number
  readonly interruptions: number
  readonly unhandled: number
  readonly durations: { readonly p50: number; readonly p99: number; readonly max: number }
  readonly lateCalls: number
  /** The most any call ran past its deadline, in ms (0 when none did). */
  readonly worstOvershootMillis: number
  /** The longest the event loop was held up during the run (`monitorEventLoopDelay`), in ms. */
  readonly maxEventLoopDelayMillis: number
  /** Resident set size: the peak seen during the run (sampled every 100 ms) and after it, in bytes. */
  readonly rss: { readonly peak: number; readonly after: number }
  readonly server: ServerStats
  readonly openSocketsAtEnd: number
  readonly fibers: { readonly before: number; readonly after: number }
  readonly heap: { readonly before: number; readonly after: number; readonly gc: boolean }
  readonly violations: ReadonlyArray<string>
}

const token = Redacted.make("FAKEtokenOwner000001")
const credentials = PasswordCredentials.make({ login: "fake-owner", password: Redacted.make("owner-password") })

/** Mostly token checks, some sign-ins and pings, as a backend would call. */
const callFor = (i: number): Effect.Effect<unknown, PlexError, PlexAuth> =>
  Effect.flatMap(
    PlexAuth,
    (auth) => i % 20 === 7 ? auth.signIn(credentials) : i % 20 === 13 ? auth.ping(token) : auth.getTokenDetails(token)
  )

const gc = (globalThis as { gc?: () => void }).gc

const heapUsed = Effect.promise(async () => {
  if (gc !== undefined) {
    for (let i = 0; i < 3; i++) {
      gc()
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
  return process.memoryUsage().heapUsed
})

const rootFibers = Effect.map(Fiber.roots, (roots) => roots.length)

/** Polls every 20 ms (real time) until `condition` holds or `within` passes; whether it held. */
const settle = (condition: Effect.Effect<boolean>, within: Duration.Duration) =>
  Effect.gen(function*() {
    const until = Date.now() + Duration.toMillis(within)
    while (Date.now() < until) {
      if (yield* condition) return true
      yield* Effect.sleep("20 millis")
    }
    return yield* condition
  })

const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!

const httpClients: Record<Exclude<SoakClient, "lean">, Layer.Layer<HttpClient.HttpClient>> = {
  platform: PlexNode.layerPlatformHttpClient,
  fetch: FetchHttpClient.layer
}

/**
 * The client of the soak: `PlexNode.layer`, configured as a deployment would be, from its
 * environment; or `PlexAuth` configured the same way over another `HttpClient`.
 */
const clientLayer = (baseUrl: string, options: SoakOptions): Layer.Layer<PlexAuth, unknown> => {
  const env = Layer.setConfigProvider(ConfigProvider.fromMap(
    new Map([
      ["PLEX_BASE_URL", baseUrl],
      ["PLEX_CLIENT_IDENTIFIER", "effect-plex-soak"],
      ["PLEX_PRODUCT", "effect-plex soak"],
      ["PLEX_TIMEOUT", `${Duration.toMillis(options.timeout)} millis`],
      ["PLEX_DEADLINE", `${Duration.toMillis(options.deadline)} millis`]
    ])
  ))
  const client = options.client ?? "lean"
  return client === "lean"
    ? PlexNode.layer.pipe(Layer.provide(env))
    : PlexAuth.layer.pipe(Layer.provide(PlexNode.layerConfig), Layer.provide(httpClients[client]), Layer.provide(env))
}

/** Watches the event loop's delay and the resident set size while a run lasts. */
const watchProcess = Effect.acquireRelease(
  Effect.sync(() => {
    const delay = monitorEventLoopDelay({ resolution: 10 })
    delay.enable()
    let peak = process.memoryUsage.rss()
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage.rss())
    }, 100)
    sampler.unref()
    let stopped: { readonly delayMillis: number; readonly peak: number } | undefined
    const stop = () => {
      if (stopped === undefined) {
        clearInterval(sampler)
        delay.disable()
        stopped = { delayMillis: delay.max / 1e6, peak: Math.max(peak, process.memoryUsage.rss()) }
      }
      return stopped
    }
    return stop
  }),
  (stop) => Effect.sync(stop)
)

export const runSoak = (server: SoakServer, options: SoakOptions): Effect.Effect<SoakReport> =>
  Effect.gen(function*() {
    const log = options.log ?? (() => {})
    let unhandled = 0
    const onUnhandled = () => {
      unhandled++
    }
    process.on("unhandledRejection", onUnhandled)
    process.on("uncaughtException", onUnhandled)
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        process.off("unhandledRejection", onUnhandled)
        process.off("uncaughtException", onUnhandled)
      })
    )

    const scope = yield* Scope.make()
    const context = yield* Layer.buildWithScope(clientLayer(server.baseUrl, options), scope).pipe(Effect.orDie)
    const deadlineMillis = Duration.toMillis(options.deadline)
    const lateAfter = deadlineMillis + Duration.toMillis(options.margin)

    let worstOvershoot = 0
    const durations: Array<number> = []
    const failures: Record<string, number> = {}
    let successes = 0
    let defects = 0
    let interruptions = 0
    let lateCalls = 0

    const one = (i: number, record: boolean) =>
      Effect.suspend(() => {
        const start = performance.now()
        return Effect.map(Effect.exit(Effect.provide(callFor(i), context)), (exit) => {
          if (!record) return
          const millis = performance.now() - start
          durations.push(millis)
          if (millis > lateAfter) lateCalls++
          if (millis - deadlineMillis > worstOvershoot) worstOvershoot = millis - deadlineMillis
          if (Exit.isSuccess(exit)) {
            successes++
            return
          }
          const cause = exit.cause
          if (cause._tag === "Fail" && PlexError.is(cause.error)) {
            const tag = cause.error._tag
            failures[tag] = (failures[tag] ?? 0) + 1
          } else if (cause._tag === "Interrupt") {
            interruptions++
          } else {
            defects++
          }
        })
      })

    log(`warming up: ${options.warmup} calls`)
    yield* Effect.forEach(Array.from({ length: options.warmup }, (_, i) => i), (i) => one(i, false), {
      concurrency: options.concurrency,
      discard: true
    })
    const heapBefore = yield* heapUsed
    const fibersBefore = yield* rootFibers

    log(`running ${options.calls} calls at concurrency ${options.concurrency}`)
    const watching = yield* watchProcess
    const started = performance.now()
    const run = yield* Effect.forEach(Array.from({ length: options.calls }, (_, i) => i), (i) => one(i, true), {
      concurrency: options.concurrency,
      discard: true
    }).pipe(Effect.timeout(options.maxRunTime), Effect.either)
    const wallMillis = performance.now() - started
    const watched = watching()

    // the client's layer closes: undici's pool with it; every socket must be gone, every fiber done
    yield* Scope.close(scope, Exit.void)
    yield* settle(Effect.map(server.stats, (stats) => stats.openConnections === 0), Duration.seconds(5))
    const stats = yield* server.stats
    yield* settle(Effect.map(rootFibers, (n) => n <= fibersBefore), Duration.seconds(5))
    const fibersAfter = yield* rootFibers
    const heapAfter = yield* heapUsed

    durations.sort((a, b) => a - b)
    const violations: Array<string> = []
    const done = successes + Object.values(failures).reduce((a, b) => a + b, 0) + defects + interruptions
    if (run._tag === "Left") violations.push(`the run did not end within ${Duration.format(options.maxRunTime)}`)
    if (done !== options.calls) violations.push(`${options.calls - done} calls never ended`)
    if (defects > 0) violations.push(`${defects} calls ended in a defect`)
    if (interruptions > 0) violations.push(`${interruptions} calls were interrupted`)
    if (unhandled > 0) violations.push(`${unhandled} unhandled rejections or exceptions`)
    if (lateCalls > 0) {
      violations.push(
        `${lateCalls} calls outlived their deadline by more than the margin (worst by ${worstOvershoot.toFixed(0)} ms)`
      )
    }
    if ((stats.redirectsFollowed ?? 0) > 0) {
      violations.push(`${stats.redirectsFollowed} requests followed a redirect to another port, token included`)
    }
    if (stats.openConnections > 0) {
      violations.push(`${stats.openConnections} sockets still open after the client closed`)
    }
    if (fibersAfter > fibersBefore) violations.push(`${fibersAfter - fibersBefore} fibers still running`)
    if (heapAfter - heapBefore > options.heapBoundBytes) {
      violations.push(`the heap grew by ${mb(heapAfter - heapBefore)}, more than ${mb(options.heapBoundBytes)}`)
    }
    if (successes === 0) violations.push("no call succeeded")

    return {
      options,
      wallMillis,
      successes,
      failures,
      defects,
      interruptions,
      unhandled,
      durations: {
        p50: percentile(durations, 50),
        p99: percentile(durations, 99),
        max: durations[durations.length - 1] ?? 0
      },
      lateCalls,
      worstOvershootMillis: worstOvershoot,
      maxEventLoopDelayMillis: watched.delayMillis,
      rss: { peak: watched.peak, after: process.memoryUsage.rss() },
      server: stats,
      openSocketsAtEnd: stats.openConnections,
      fibers: { before: fibersBefore, after: fibersAfter },
      heap: { before: heapBefore, after: heapAfter, gc: gc !== undefined },
      violations
    } satisfies SoakReport
  }).pipe(Effect.scoped)

export const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`

/** The report as lines of text, for the console. */
export const formatReport = (report: SoakReport): ReadonlyArray<string> => {
  const { options } = report
  const failed = Object.entries(report.failures).sort(([a], [b]) => a.localeCompare(b))
  const injected = Object.entries(report.server.injected).sort(([a], [b]) => a.localeCompare(b))
  return [
    `calls: ${options.calls} at concurrency ${options.concurrency} in ${(report.wallMillis / 1000).toFixed(1)} s` +
    ` (${Math.round(options.calls / (report.wallMillis / 1000))} calls/s)`,
    `  successes: ${report.successes}`,
    `  typed failures: ${failed.map(([tag, n]) => `${tag} ${n}`).join(", ") || "none"}`,
    `  defects: ${report.defects}, interruptions: ${report.interruptions}, unhandled rejections: ${report.unhandled}`,
    `duration per call: p50 ${report.durations.p50.toFixed(1)} ms, p99 ${report.durations.p99.toFixed(1)} ms,` +
    ` max ${report.durations.max.toFixed(1)} ms; deadline ${Duration.format(options.deadline)}` +
    ` (+${Duration.format(options.margin)} margin): ${report.lateCalls} late, worst overshoot` +
    ` ${report.worstOvershootMillis.toFixed(0)} ms`,
    `event loop: max delay ${report.maxEventLoopDelayMillis.toFixed(0)} ms; RSS peak ${mb(report.rss.peak)},` +
    ` after ${mb(report.rss.after)}; client ${options.client ?? "lean"}`,
    `redirects followed to another port: ${report.server.redirectsFollowed ?? 0}`,
    `server: ${report.server.requests} requests, faults injected ${injected.reduce((a, [, n]) => a + (n ?? 0), 0)} (${
      injected.map(([tag, n]) => `${tag} ${n}`).join(", ")
    }), ${report.server.aborted} abandoned by the client,` +
    ` ${mb(report.server.streamedBytes)} of fault bodies sent`,
    `sockets open after the client closed: ${report.openSocketsAtEnd}`,
    `root fibers: ${report.fibers.before} before, ${report.fibers.after} after`,
    `heap: ${mb(report.heap.before)} before, ${mb(report.heap.after)} after (growth ${
      mb(report.heap.after - report.heap.before)
    }, bound ${mb(options.heapBoundBytes)}${report.heap.gc ? ", after forced GC" : ", no forced GC"})`,
    report.violations.length === 0 ? "PASS" : `FAIL:\n  ${report.violations.join("\n  ")}`
  ]
}
