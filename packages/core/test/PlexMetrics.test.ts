/**
 * `PlexMetrics`: with its layer, every call of `PlexClient.execute` counts once and records its
 * duration, by operation and outcome; without it, nothing is recorded.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as MetricKeyType from "effect/MetricKeyType"
import * as TestClock from "effect/TestClock"
import { PlexClient, PlexEndpoint, PlexMetrics } from "@effect-plex/core"
import { configLayer, jsonResponse, type Recorded, scripted } from "./utils.js"

let n = 0
/** An endpoint of its own per test: the metric registry is shared by the whole worker. */
const endpoint = (idempotent = true) =>
  PlexEndpoint.make({ name: `MetricsTest.ping${++n}`, method: "GET", path: "/api/v2/ping", idempotent })

const clientOver = (
  metrics: boolean,
  ...answers: ReadonlyArray<(recorded: Recorded) => Response | Effect.Effect<Response>>
) => {
  const http = scripted(...answers)
  const client = PlexClient.layer.pipe(
    Layer.provide([configLayer({ retry: { times: 2 } }), Layer.succeed(HttpClient.HttpClient, http.client)])
  )
  return { http, layer: metrics ? client.pipe(Layer.provide(PlexMetrics.layer)) : client }
}

const call = (ping: ReturnType<typeof endpoint>) => Effect.flatMap(PlexClient, (client) => client.execute(ping))

const labelled = <M extends Metric.Metric<any, any, any>>(metric: M, operation: string, outcome: string) =>
  metric.pipe(Metric.tagged("operation", operation), Metric.tagged("outcome", outcome)) as M

const count = (operation: string, outcome: string) =>
  Effect.map(Metric.value(labelled(PlexMetrics.requests, operation, outcome)), (state) => state.count)

const duration = (operation: string, outcome: string) =>
  Metric.value(labelled(PlexMetrics.duration, operation, outcome))

/** Every metric pair of the registry labelled with this operation. */
const recordedFor = (operation: string) =>
  Effect.map(
    Metric.snapshot,
    (pairs) =>
      pairs.filter((pair) =>
        pair.metricKey.name.startsWith("plex.client.") &&
        [...pair.metricKey.tags].some((tag) => tag.key === "operation" && tag.value === operation)
      )
  )

describe("PlexMetrics", () => {
  it.effect("with PlexMetrics.layer: one count per call by operation and outcome, the failure's tag as outcome", () => {
    const ping = endpoint()
    const { layer } = clientOver(
      true,
      () => jsonResponse(200, {}),
      () => jsonResponse(401, { errors: [{ code: 1001, message: "User could not be authenticated" }] })
    )
    return Effect.gen(function*() {
      yield* call(ping)
      const error = yield* Effect.flip(call(ping))
      yield* Effect.flip(call(ping))
      assert.strictEqual(yield* count(ping.name, "success"), 1)
      assert.strictEqual(yield* count(ping.name, error._tag), 2)
      const durations = yield* duration(ping.name, "success")
      assert.strictEqual(durations.count, 1)
      const pairs = yield* recordedFor(ping.name)
      assert.sameMembers(
        pairs.map((pair) =>
          `${pair.metricKey.name} ${MetricKeyType.isCounterKey(pair.metricKey.keyType) ? "counter" : "histogram"}`
        ),
        [
          "plex.client.requests counter",
          "plex.client.requests counter",
          "plex.client.request.duration histogram",
          "plex.client.request.duration histogram"
        ]
      )
    }).pipe(Effect.provide(layer))
  })

  it.effect("a call that took retries counts once, with the time of all its attempts", () => {
    const ping = endpoint()
    const { http, layer } = clientOver(
      true,
      () => Effect.as(Effect.sleep("100 millis"), jsonResponse(503, {})),
      () => Effect.as(Effect.sleep("300 millis"), jsonResponse(200, {}))
    )
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(call(ping))
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.join(fiber)
      assert.strictEqual(http.calls(), 2)
      assert.strictEqual(yield* count(ping.name, "success"), 1)
      assert.strictEqual(yield* count(ping.name, "PlexHttpError"), 0)
      const durations = yield* duration(ping.name, "success")
      assert.strictEqual(durations.count, 1)
      // both answers' 400 ms, plus the backoff between them (jittered, well under the 10 s moved)
      assert.isAtLeast(durations.sum, 400)
      assert.isBelow(durations.sum, 10_000)
      assert.strictEqual(durations.min, durations.max)
    }).pipe(Effect.provide(layer))
  })

  it.effect("the duration is the call's, from the clock (TestClock: exact)", () => {
    const ping = endpoint()
    const { layer } = clientOver(true, () => Effect.as(Effect.sleep("250 millis"), jsonResponse(200, {})))
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(call(ping))
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      const durations = yield* duration(ping.name, "success")
      assert.strictEqual(durations.sum, 250)
      // the 250 ms call falls in the 250 ms bucket, not the 100 ms one
      const buckets = new Map(durations.buckets)
      assert.strictEqual(buckets.get(100), 0)
      assert.strictEqual(buckets.get(250), 1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("an interrupted call counts as interrupted, with the time until the interruption", () => {
    const ping = endpoint()
    const { layer } = clientOver(true, () => Effect.as(Effect.never, jsonResponse(200, {})))
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(call(ping))
      yield* TestClock.adjust("700 millis")
      yield* Fiber.interrupt(fiber)
      assert.strictEqual(yield* count(ping.name, "interrupted"), 1)
      assert.strictEqual(yield* count(ping.name, "success"), 0)
      assert.strictEqual((yield* duration(ping.name, "interrupted")).sum, 700)
    }).pipe(Effect.provide(layer))
  })

  it.effect("without PlexMetrics.layer nothing is recorded", () => {
    const ping = endpoint()
    const { http, layer } = clientOver(false, () => jsonResponse(200, {}))
    return Effect.gen(function*() {
      yield* call(ping)
      assert.strictEqual(http.calls(), 1)
      assert.deepStrictEqual(yield* recordedFor(ping.name), [])
    }).pipe(Effect.provide(layer))
  })

  it.effect("PlexMetrics is read once when the client is built: off by default", () =>
    Effect.gen(function*() {
      assert.isFalse((yield* PlexMetrics).enabled)
      assert.isTrue((yield* Effect.provide(PlexMetrics, PlexMetrics.layer)).enabled)
    }))
})
