/**
 * The rate-limit gate with a shared store (`PlexGateStore`): what it tells the store, what it takes
 * from it, the same `Retry-After` cap both ways, the admission turn bounded by the deadline; and
 * without a store, no store path at all.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import { PlexGateStore, type PlexGateStoreService, type PlexGateView } from "@effect-plex/core"
import { makeGate } from "../src/internal/gate.js"
import {
  credentials,
  emptyResponse,
  getTokenDetails,
  jsonResponse,
  scripted,
  SENTINEL_PASSWORD,
  SENTINEL_TOKEN,
  signIn,
  userJson
} from "./utils.js"

const HOST = "https://plex.tv"

/** A store that records what it is told and answers `view(now)`. */
const recording = (view: (now: number) => PlexGateView = () => ({ openAt: 0, signInOpenAt: 0, admitAt: 0 })) => {
  const shuts: Array<readonly [string, string, number]> = []
  let enters = 0
  const store: PlexGateStoreService = {
    enter: () =>
      Effect.map(Effect.clockWith((clock) => clock.currentTimeMillis), (now) => {
        enters++
        return view(now)
      }),
    shut: (host, lock, millis) => Effect.sync(() => void shuts.push([host, lock, millis]))
  }
  return { store, shuts, enters: () => enters, layer: Layer.succeed(PlexGateStore, store) }
}

const ok = () => jsonResponse(200, userJson())

describe("the gate with a shared store", () => {
  it("without a store the gate has no store path (the call path is what it was)", () => {
    const gate = makeGate({
      rateLimitCooldown: Duration.seconds(1),
      maxRetryAfter: Duration.minutes(5),
      reopenRate: 10,
      throttleCooldown: Duration.minutes(1)
    })
    assert.isUndefined(gate.enter)
  })

  it.effect("a 429 is told to the store, its Retry-After cut to maxRetryAfter", () => {
    const http = scripted(() => emptyResponse(429, { "retry-after": "3600" }), ok)
    const { layer, shuts } = recording()
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(getTokenDetails(SENTINEL_TOKEN))
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(shuts, [[HOST, "rateLimit", 10_000]])
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.join(fiber)
      assert.strictEqual(http.calls(), 2)
    }).pipe(Effect.provide(http.layer({ retry: { maxRetryAfter: "10 seconds" } }).pipe(Layer.provide(layer))))
  })

  it.effect("another replica's cool-down holds the call back, cut to this client's maxRetryAfter", () => {
    const http = scripted(ok)
    const { enters, layer } = recording((now) => ({ openAt: now + 3_600_000, signInOpenAt: 0, admitAt: 0 }))
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(getTokenDetails(SENTINEL_TOKEN))
      yield* TestClock.adjust("9 seconds")
      assert.strictEqual(http.calls(), 0)
      assert.strictEqual(enters(), 1)
      yield* TestClock.adjust("1 second")
      // a cool-down longer than the cap (a replica with another configuration) is cut like a Retry-After
      yield* Fiber.join(fiber)
      assert.strictEqual(http.calls(), 1)
    }).pipe(Effect.provide(http.layer({ retry: { maxRetryAfter: "10 seconds" } }).pipe(Layer.provide(layer))))
  })

  it.effect("a sign-in lock another replica saw fails sign-ins at once, without a request", () => {
    const http = scripted(ok)
    const { layer } = recording((now) => ({ openAt: 0, signInOpenAt: now + 30_000, admitAt: 0 }))
    return Effect.gen(function*() {
      const error = yield* Effect.flip(signIn(credentials("alice", SENTINEL_PASSWORD)))
      assert.strictEqual(error._tag, "PlexRateLimitError")
      assert.strictEqual(http.calls(), 0)
      // other calls go on
      yield* getTokenDetails(SENTINEL_TOKEN)
      assert.strictEqual(http.calls(), 1)
    }).pipe(Effect.provide(http.layer().pipe(Layer.provide(layer))))
  })

  it.effect("the admission turn: waited for when it comes before the deadline, refused at once when after", () => {
    const http = scripted(ok)
    let turn = 2_000
    const { layer } = recording((now) => ({ openAt: 0, signInOpenAt: 0, admitAt: now + turn }))
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(getTokenDetails(SENTINEL_TOKEN))
      yield* TestClock.adjust("1999 millis")
      assert.strictEqual(http.calls(), 0)
      yield* TestClock.adjust("1 millis")
      yield* Fiber.join(fiber)
      assert.strictEqual(http.calls(), 1)
      turn = 120_000
      const error = yield* Effect.flip(getTokenDetails(SENTINEL_TOKEN))
      assert.strictEqual(error._tag, "PlexRateLimitError")
      assert.strictEqual(http.calls(), 1)
    }).pipe(Effect.provide(http.layer().pipe(Layer.provide(layer))))
  })
})
