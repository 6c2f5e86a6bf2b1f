/**
 * `PlexTokenValidator` with a shared cache (`PlexTokenCacheStore`, here one in memory that records
 * what it is asked): a miss asks the store, a hit does not, the store's expiry governs the copy in
 * memory, and evictions go both ways.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import {
  type PlexTokenCache,
  type PlexTokenCacheOptions,
  PlexTokenCacheStore,
  PlexTokenValidator,
  type PlexUser
} from "@effect-plex/core"
import { PlexTvFake } from "@effect-plex/core/testing"
import { tokens } from "../../../test-support/accounts.js"
import { fakeAuth } from "./utils.js"

const OWNER = Redacted.make(tokens.owner)

/** A shared cache in memory: runs each request, keeps successes for `keep`, records every call. */
const recording = (keep: Duration.Duration) => {
  const calls: Array<string> = []
  let opened: PlexTokenCacheOptions | undefined
  let onEvict: ((token: Redacted.Redacted<string> | undefined) => void) | undefined
  const cache: PlexTokenCache = {
    lookup: (token, request) =>
      Effect.flatMap(
        Effect.exit(request),
        (exit) =>
          Effect.map(Effect.clockWith((clock) => clock.currentTimeMillis), (now) => {
            calls.push(`lookup ${Redacted.value(token)}`)
            return {
              exit: exit as Exit.Exit<PlexUser, never>,
              expiresAt: Exit.isSuccess(exit) ? now + Duration.toMillis(keep) : 0
            }
          })
      ),
    evict: (token) => Effect.sync(() => void calls.push(`evict ${Redacted.value(token)}`)),
    evictAll: Effect.sync(() => void calls.push("evictAll")),
    evictions: (listener) => Effect.sync(() => void (onEvict = listener))
  }
  const layer = Layer.succeed(PlexTokenCacheStore, {
    make: (options) =>
      Effect.sync(() => {
        opened = options
        return cache
      })
  })
  return {
    calls,
    layer,
    opened: () => opened,
    evictFromElsewhere: (token?: string) => onEvict!(token === undefined ? undefined : Redacted.make(token))
  }
}

const validate = Effect.flatMap(PlexTokenValidator, (validator) => validator.validate(OWNER))
const requests = Effect.flatMap(PlexTvFake, (fake) => Effect.map(fake.requests, (log) => log.length))

describe("PlexTokenValidator with a shared cache", () => {
  it.effect("a miss asks the shared cache with the validator's times to live; a hit does not", () => {
    const store = recording(Duration.minutes(5))
    return Effect.gen(function*() {
      yield* validate
      yield* validate
      assert.deepStrictEqual(store.calls, [`lookup ${tokens.owner}`])
      assert.strictEqual(yield* requests, 1)
      assert.deepStrictEqual(store.opened(), {
        timeToLive: Duration.minutes(2),
        invalidTimeToLive: Duration.seconds(30)
      })
    }).pipe(Effect.provide(
      PlexTokenValidator.layer({ timeToLive: "2 minutes" }).pipe(
        Layer.provideMerge(fakeAuth()),
        Layer.provide(store.layer)
      )
    ))
  })

  it.effect("the shared entry's expiry governs the copy in memory", () => {
    const store = recording(Duration.seconds(10))
    return Effect.gen(function*() {
      yield* validate
      yield* TestClock.adjust("9 seconds")
      yield* validate
      assert.strictEqual(store.calls.length, 1)
      yield* TestClock.adjust("2 seconds")
      yield* validate
      assert.strictEqual(store.calls.length, 2)
    }).pipe(Effect.provide(
      PlexTokenValidator.layer({ timeToLive: "5 minutes" }).pipe(
        Layer.provideMerge(fakeAuth()),
        Layer.provide(store.layer)
      )
    ))
  })

  it.effect("evict and evictAll reach the shared cache; another replica's eviction drops the copy here", () => {
    const store = recording(Duration.minutes(5))
    return Effect.gen(function*() {
      const validator = yield* PlexTokenValidator
      yield* validate
      yield* validator.evict(OWNER)
      yield* validator.evictAll
      assert.deepStrictEqual(store.calls, [`lookup ${tokens.owner}`, `evict ${tokens.owner}`, "evictAll"])
      yield* validate
      assert.strictEqual(yield* validator.size, 1)
      store.evictFromElsewhere(tokens.owner)
      assert.strictEqual(yield* validator.size, 0)
      yield* validate
      store.evictFromElsewhere()
      assert.strictEqual(yield* validator.size, 0)
      assert.strictEqual(store.calls.filter((call) => call.startsWith("lookup")).length, 3)
    }).pipe(Effect.provide(PlexTokenValidator.layer().pipe(Layer.provideMerge(fakeAuth()), Layer.provide(store.layer))))
  })
})
