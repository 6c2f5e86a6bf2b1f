/**
 * `PlexClient` and `PlexEndpoint`: an endpoint the library does not wrap gets the same call path as
 * the built-in ones (path parameters, token header, retries, gate, typed errors, its own rules).
 */
import * as HttpClient from "@effect/platform/HttpClient"
import { assert, describe, it } from "@effect/vitest"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import { PlexClient, PlexEndpoint, PlexError } from "@effect-plex/core"
import { configLayer, emptyResponse, failure, jsonResponse, type Recorded, scripted, withClock } from "./utils.js"

class Gone extends Data.TaggedError("Gone")<{ readonly status: number }> {}

const Things = PlexEndpoint.make({
  name: "Test.things",
  method: "GET",
  path: "/api/v2/things/{kind}/{id}",
  host: "clients",
  idempotent: true,
  success: Schema.Struct({ count: Schema.Int }),
  rules: [(failure) => failure.status === 410 ? new Gone({ status: failure.status }) : undefined]
})

const clientOver = (...answers: ReadonlyArray<(recorded: Recorded) => Response>) => {
  const http = scripted(...answers)
  const layer = PlexClient.layer.pipe(
    Layer.provide([
      configLayer({
        clientsBaseUrl: "https://clients.example.invalid",
        retry: { times: 2 },
        timeout: "2 seconds",
        deadline: "3 seconds"
      }),
      Layer.succeed(HttpClient.HttpClient, http.client)
    ])
  )
  return { http, layer }
}

const things = (path: Record<string, string | number>) =>
  Effect.flatMap(PlexClient, (client) => client.execute(Things, { path, token: Redacted.make("tok-1") }))

describe("PlexClient.execute", () => {
  it.effect("builds the request from the endpoint: host, path parameters URL-encoded, token in the header", () => {
    const { http, layer } = clientOver(() => jsonResponse(200, { count: 3 }))
    return Effect.gen(function*() {
      assert.deepStrictEqual(yield* things({ kind: "a b/&?", id: 7 }), { count: 3 })
      const [{ request, url }] = http.requests
      assert.strictEqual(url.origin, "https://clients.example.invalid")
      assert.strictEqual(url.pathname, "/api/v2/things/a%20b%2F%26%3F/7")
      assert.strictEqual(request.headers["x-plex-token"], "tok-1")
      assert.strictEqual(url.search, "")
    }).pipe(Effect.provide(layer))
  })

  it.effect("an endpoint's own rule wins over the common errors, and is never retried", () => {
    const { http, layer } = clientOver(() => emptyResponse(410))
    return Effect.gen(function*() {
      const error = failure(yield* withClock(things({ kind: "x", id: 1 })))
      assert.strictEqual(error._tag, "Gone")
      assert.isFalse(PlexError.isRetryable(error as never))
      assert.strictEqual(http.calls(), 1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("without a matching rule, the common errors and retries apply (503 retried, then typed)", () => {
    const { http, layer } = clientOver(() => emptyResponse(503))
    return Effect.gen(function*() {
      const error = failure(yield* withClock(things({ kind: "x", id: 1 })))
      assert.strictEqual(error._tag, "PlexHttpError")
      assert.strictEqual(http.calls(), 3) // 1 + retry.times
    }).pipe(Effect.provide(layer))
  })

  it.effect("a rule that answers for a retryable status takes it out of the retries", () => {
    const Strict = PlexEndpoint.make({
      name: "Test.strict",
      method: "GET",
      path: "/api/v2/strict",
      idempotent: true,
      rules: [(failure) => failure.status === 503 ? new Gone({ status: 503 }) : undefined]
    })
    const { http, layer } = clientOver(() => emptyResponse(503))
    return Effect.gen(function*() {
      const error = failure(yield* withClock(Effect.flatMap(PlexClient, (client) => client.execute(Strict))))
      assert.strictEqual(error._tag, "Gone")
      assert.strictEqual(http.calls(), 1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a call that waited at the gate gets only what is left of its deadline for the attempt", () => {
    const { layer } = clientOver(
      () => emptyResponse(429, { "retry-after": "2" }),
      () => new Response(new ReadableStream({ start: () => {} }), { status: 200 }) // headers, then silence
    )
    const Slow = PlexEndpoint.make({ name: "Test.slow", method: "GET", path: "/api/v2/slow", idempotent: false })
    const call = Effect.flatMap(PlexClient, (client) => client.execute(Slow))
    return Effect.gen(function*() {
      assert.strictEqual(failure(yield* withClock(call, "0 millis"))._tag, "PlexRateLimitError") // the gate shuts until 2 s
      const fiber = yield* Effect.fork(call) // waits at the gate to 2 s, then 1 s is left of its 3 s deadline
      yield* TestClock.adjust("2999 millis")
      assert.isNull(yield* Fiber.poll(fiber).pipe(Effect.map(Option.getOrNull)))
      yield* TestClock.adjust("1 millis")
      const exit = yield* Fiber.await(fiber)
      const error = failure(exit)
      assert.strictEqual(error._tag, "PlexTimeoutError")
    }).pipe(Effect.provide(layer))
  })

  it.effect.prop(
    "any path parameter: sent as one encoded segment, or refused with PlexInvalidInputError",
    [FastCheck.string({ unit: "binary", maxLength: 20 })],
    ([kind]) => {
      const { http, layer } = clientOver(() => jsonResponse(200, { count: 1 }))
      return Effect.gen(function*() {
        const exit = yield* withClock(things({ kind, id: 1 }))
        if (exit._tag === "Failure") {
          const error = failure(exit)
          assert.strictEqual(error._tag, "PlexInvalidInputError")
          assert.strictEqual(http.calls(), 0)
        } else {
          const path = http.requests[0]!.url.pathname
          assert.strictEqual(path, `/api/v2/things/${encodeURIComponent(kind)}/1`)
        }
      }).pipe(Effect.provide(layer))
    },
    { fastCheck: { numRuns: 100 } }
  )
})
