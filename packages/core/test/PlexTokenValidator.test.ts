import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { PlexAuth, PlexConfig, PlexTokenValidator } from "@effect-plex/core"
import { FakeAccount, PlexTvFake } from "@effect-plex/core/testing"
import { wrappedFakeAuth } from "./utils.js"

const owner = Redacted.make(FakeAccount.owner.tokens[0]!)
const managed = Redacted.make(FakeAccount.managed.tokens[0]!)

const TestLayer = PlexTokenValidator.layer({ timeToLive: "1 minute", invalidTimeToLive: "10 seconds" }).pipe(
  Layer.provideMerge(PlexAuth.layer),
  Layer.provide(PlexConfig.layer({ client: { clientIdentifier: "validator-test" }, retry: { times: 0 } })),
  Layer.provideMerge(
    PlexTvFake.layer({ accounts: [FakeAccount.owner, FakeAccount.managed], settings: { rateLimit: undefined } })
  )
)

const userRequests = Effect.flatMap(
  PlexTvFake,
  (fake) => Effect.map(fake.requests, (log) => log.filter((entry) => entry.path === "/api/v2/user").length)
)

const validate = (token: Redacted.Redacted<string>) =>
  Effect.flatMap(PlexTokenValidator, (validator) => validator.validate(token))

describe("PlexTokenValidator", () => {
  it.effect("answers repeated checks of a token from the cache within the time to live", () =>
    Effect.gen(function*() {
      const first = yield* validate(owner)
      const second = yield* validate(Redacted.make(Redacted.value(owner))) // another Redacted, same token
      assert.strictEqual(first.id, second.id)
      assert.strictEqual(yield* userRequests, 1)
      yield* TestClock.adjust("61 seconds")
      yield* validate(owner)
      assert.strictEqual(yield* userRequests, 2)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("concurrent checks of one token make one request; different tokens their own", () =>
    Effect.gen(function*() {
      const users = yield* Effect.all(
        Array.from({ length: 50 }, (_, i) => validate(i % 2 === 0 ? owner : managed)),
        { concurrency: "unbounded" }
      )
      assert.strictEqual(yield* userRequests, 2)
      assert.deepStrictEqual([...new Set(users.map((user) => user.id))].sort(), [10000001, 10000002])
    }).pipe(Effect.provide(TestLayer)))

  it.effect("an invalid token is remembered briefly; other failures are not cached", () =>
    Effect.gen(function*() {
      const bogus = Redacted.make("not-a-token")
      assert.strictEqual((yield* Effect.flip(validate(bogus)))._tag, "PlexUnauthorizedError")
      assert.strictEqual((yield* Effect.flip(validate(bogus)))._tag, "PlexUnauthorizedError")
      assert.strictEqual(yield* userRequests, 1)
      yield* TestClock.adjust("11 seconds")
      yield* Effect.flip(validate(bogus))
      assert.strictEqual(yield* userRequests, 2)

      const fake = yield* PlexTvFake
      yield* fake.configure({ rateLimit: { limit: 0, windowMillis: 60_000, retryAfterSeconds: undefined } })
      assert.strictEqual((yield* Effect.flip(validate(managed)))._tag, "PlexRateLimitError")
      yield* fake.configure({ rateLimit: undefined })
      yield* TestClock.adjust("2 seconds") // the client's rate-limit gate cools down
      assert.strictEqual((yield* validate(managed)).id, 10000002)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("evict forgets a token: the next check asks plex.tv again", () =>
    Effect.gen(function*() {
      const validator = yield* PlexTokenValidator
      yield* validator.validate(owner)
      assert.strictEqual(yield* validator.size, 1)
      yield* validator.evict(owner)
      yield* validator.validate(owner)
      assert.strictEqual(yield* userRequests, 2)
      yield* validator.evictAll
      assert.strictEqual(yield* validator.size, 0)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("a revoked token stops validating once its cached answer expires", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      yield* validate(owner)
      yield* fake.revokeToken(Redacted.value(owner))
      assert.strictEqual((yield* validate(owner)).id, 10000001) // still cached
      yield* TestClock.adjust("61 seconds")
      const error = yield* Effect.flip(validate(owner))
      assert.strictEqual(error._tag, "PlexUnauthorizedError")
    }).pipe(Effect.provide(TestLayer)))

  it.effect("interrupting the caller whose check went out leaves the others with the account, from one request", () =>
    Effect.gen(function*() {
      const arrived = yield* Queue.unbounded<void>()
      const release = yield* Deferred.make<void>()
      const held = wrappedFakeAuth(
        (fake, request) =>
          Queue.offer(arrived, undefined).pipe(
            Effect.zipRight(Deferred.await(release)),
            Effect.zipRight(fake.execute(request))
          ),
        { rateLimit: undefined },
        { retry: { times: 0 } }
      )
      yield* Effect.gen(function*() {
        const validator = yield* PlexTokenValidator
        const first = yield* Effect.fork(validator.validate(owner))
        yield* Queue.take(arrived) // the request is on its way to plex.tv
        const others = yield* Effect.forEach([1, 2], () => Effect.fork(validator.validate(owner)))
        for (const other of others) yield* Fiber.status(other) // each has run until it waits
        yield* Fiber.interrupt(first)
        yield* Deferred.succeed(release, undefined)
        for (const other of others) assert.strictEqual((yield* Fiber.join(other)).id, 10000001)
        assert.strictEqual(yield* userRequests, 1)
      }).pipe(Effect.provide(PlexTokenValidator.layer().pipe(Layer.provideMerge(held))))
    }))
})
