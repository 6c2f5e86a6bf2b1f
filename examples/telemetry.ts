/**
 * Telemetry: the spans of every plex.tv call, and the call metrics, exported with
 * `@effect/opentelemetry`. A password sign-in, a sign-in that plex.tv refuses (two-factor code
 * missing), a PIN login, then the metrics of the run.
 *
 *   pnpm example examples/telemetry.ts      # spans to the console (OpenTelemetry SDK's ConsoleSpanExporter)
 *   OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 pnpm example examples/telemetry.ts
 *                                           # spans and metrics over OTLP/HTTP (JSON) to a collector
 *
 * Offline either way: the calls go to a local fake plex.tv on 127.0.0.1. No span, attribute or
 * metric holds a token, a password or a code: only names, methods, path templates, statuses,
 * plex.tv's error codes and attempt counts.
 */
import { PasswordCredentials, PlexAuth, PlexMetrics, PlexPinAuth } from "@effect-plex/core"
import { PlexTvFake } from "@effect-plex/core/testing"
import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import * as Otlp from "@effect/opentelemetry/Otlp"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { ConsoleSpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as MetricState from "effect/MetricState"
import * as Redacted from "effect/Redacted"
import { localPlexNode } from "./internal/plex.js"

const serviceName = "effect-plex-example"
const otlpEndpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? ""

/**
 * Where the spans go. With `OTEL_EXPORTER_OTLP_ENDPOINT` (a collector such as the OpenTelemetry
 * Collector or Jaeger, `http://127.0.0.1:4318`): OTLP/HTTP with JSON, spans and metrics, flushed
 * when the program ends. Otherwise the OpenTelemetry SDK with its console exporter.
 */
const Telemetry = otlpEndpoint === ""
  ? NodeSdk.layer(() => ({
    resource: { serviceName },
    spanProcessor: new SimpleSpanProcessor(new ConsoleSpanExporter())
  }))
  : Otlp.layerJson({ baseUrl: otlpEndpoint, resource: { serviceName } }).pipe(Layer.provide(FetchHttpClient.layer))

/** The plex.tv services (here over the local fake), with the call metrics turned on. */
const Plex = Layer.mergeAll(PlexAuth.layer, PlexPinAuth.layer).pipe(
  Layer.provideMerge(localPlexNode),
  Layer.provide(PlexMetrics.layer)
)

const signIns = Effect.gen(function*() {
  const auth = yield* PlexAuth
  const user = yield* auth.signIn(
    PasswordCredentials.make({ login: "fake-owner", password: Redacted.make("owner-password") })
  )
  yield* Console.log(`signed in as ${user.username}`)
  const refused = yield* Effect.flip(
    auth.signIn(PasswordCredentials.make({ login: "fake-2fa", password: Redacted.make("twofactor-password") }))
  )
  yield* Console.log(`fake-2fa without its code: ${refused._tag}, ${"reason" in refused ? refused.reason : ""}`)
}).pipe(Effect.withSpan("example.signIns"))

const pinLogin = Effect.gen(function*() {
  const pins = yield* PlexPinAuth
  const pin = yield* pins.createPin()
  const waiting = yield* Effect.fork(pins.waitForToken(pin, { interval: "200 millis" }))
  yield* Effect.sleep("500 millis") // the user opens the auth page and approves
  yield* Effect.flatMap(PlexTvFake, (fake) => fake.linkPin(pin.code, "fake-owner"))
  const token = yield* Fiber.join(waiting)
  const user = yield* (yield* PlexAuth).getTokenDetails(token)
  yield* Console.log(`PIN login linked to ${user.username}`)
}).pipe(Effect.withSpan("example.pinLogin"))

/** The metrics of this library (Effect's own registry), one line per operation and outcome. */
const printMetrics = Effect.gen(function*() {
  const pairs = (yield* Metric.snapshot).filter((pair) => pair.metricKey.name.startsWith("plex.client."))
  const labelsOf = (pair: (typeof pairs)[number]) => {
    const tags = Object.fromEntries([...pair.metricKey.tags].map((tag) => [tag.key, tag.value]))
    return `${tags.operation} ${tags.outcome}`
  }
  const lines = new Map<string, { calls: number; totalMillis: number; maxMillis: number }>()
  for (const pair of pairs) {
    const line = lines.get(labelsOf(pair)) ?? { calls: 0, totalMillis: 0, maxMillis: 0 }
    if (MetricState.isCounterState(pair.metricState)) line.calls = Number(pair.metricState.count)
    if (MetricState.isHistogramState(pair.metricState)) {
      line.totalMillis = pair.metricState.sum
      line.maxMillis = pair.metricState.max
    }
    lines.set(labelsOf(pair), line)
  }
  yield* Console.log("\nplex.client.requests / plex.client.request.duration (ms), by operation and outcome:")
  for (const [labels, { calls, maxMillis, totalMillis }] of [...lines].sort(([a], [b]) => a.localeCompare(b))) {
    yield* Console.log(
      `  ${labels.padEnd(52)} calls ${calls}  mean ${(totalMillis / calls).toFixed(0)}  max ${maxMillis}`
    )
  }
})

const program = Effect.gen(function*() {
  yield* Console.log(
    otlpEndpoint === ""
      ? "Spans go to the console (set OTEL_EXPORTER_OTLP_ENDPOINT for a collector)"
      : `Spans and metrics go to the OTLP collector at ${otlpEndpoint}`
  )
  yield* signIns
  yield* pinLogin
  yield* printMetrics
})

const main: Effect.Effect<void, unknown> = program.pipe(Effect.provide(Plex), Effect.provide(Telemetry))

main.pipe(NodeRuntime.runMain)
