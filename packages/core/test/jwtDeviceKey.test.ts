/**
 * One device key, however many callers: `deviceKey` and `rotateKey` are single-flight per
 * `KeyStore`, a failure is shared by the callers of that flight but never kept.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as FastCheck from "effect/FastCheck"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { KeyStore, PasswordCredentials, PlexAuth, PlexConfig, PlexJwtAuth } from "@effect-plex/core"
import { FakeAccount, InMemoryKeyStore, PlexTvFake } from "@effect-plex/core/testing"

const TestLayer = Layer.mergeAll(PlexAuth.layer, PlexJwtAuth.layer).pipe(
  Layer.provide(PlexConfig.layer({ client: { clientIdentifier: "jwt-device-key-client" }, retry: { times: 0 } })),
  Layer.provideMerge(PlexTvFake.layer({ accounts: [FakeAccount.owner], settings: { rateLimit: undefined } })),
  Layer.provideMerge(InMemoryKeyStore.layer)
)

const classicToken = Effect.flatMap(
  PlexAuth,
  (auth) => auth.signIn(PasswordCredentials.make({ login: "fake-owner", password: Redacted.make("owner-password") }))
)
  .pipe(Effect.map((user) => user.authToken))

/** `POST /api/v2/auth/jwk` requests the fake received, and the keys it has registered. */
const registrations = Effect.gen(function*() {
  const fake = yield* PlexTvFake
  const sent = (yield* fake.requests).filter((entry) => entry.path === "/api/v2/auth/jwk").length
  const registered = Object.keys((yield* fake.state).jwt.deviceKeys)
  return { sent, registered }
})

/** Waits (in real time, bounded) for work that involves async WebCrypto to get there. */
const eventually = (check: Effect.Effect<boolean, never, PlexTvFake>) =>
  Effect.gen(function*() {
    for (const until = Date.now() + 20_000; Date.now() < until;) {
      if (yield* check) return
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5)))
    }
    assert.fail("condition not reached")
  })

const deviceKey = (token: Redacted.Redacted<string>) => Effect.flatMap(PlexJwtAuth, (jwt) => jwt.deviceKey(token))
const rotateKey = (token: Redacted.Redacted<string>) => Effect.flatMap(PlexJwtAuth, (jwt) => jwt.rotateKey(token))
const kept = Effect.flatMap(KeyStore, (store) => store.load)

describe("PlexJwtAuth.deviceKey", () => {
  it.effect.prop(
    "concurrent callers share one key: one registration, the same key for all, the key kept",
    [FastCheck.integer({ min: 2, max: 25 })],
    ([callers]) =>
      Effect.gen(function*() {
        const token = yield* classicToken
        const keys = yield* Effect.all(Array.from({ length: callers }, () => deviceKey(token)), {
          concurrency: "unbounded"
        })
        assert.strictEqual(new Set(keys.map((key) => key.kid)).size, 1)
        const { registered, sent } = yield* registrations
        assert.strictEqual(sent, 1)
        assert.deepStrictEqual(registered, [keys[0]!.kid])
        assert.strictEqual(Option.getOrThrow(yield* kept).kid, keys[0]!.kid)
        assert.strictEqual((yield* deviceKey(token)).kid, keys[0]!.kid) // and afterwards
        assert.strictEqual((yield* registrations).sent, 1)
      }).pipe(Effect.provide(TestLayer)),
    { fastCheck: { numRuns: 5 } }
  )

  it.effect("ten concurrent callers register exactly one key with plex.tv", () =>
    Effect.gen(function*() {
      const token = yield* classicToken
      const keys = yield* Effect.all(Array.from({ length: 10 }, () => deviceKey(token)), { concurrency: 10 })
      assert.strictEqual(new Set(keys.map((key) => key.kid)).size, 1)
      assert.strictEqual((yield* registrations).registered.length, 1)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("a failure is shared by the callers of that flight, not kept: the next caller tries again", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      const revoked = yield* classicToken
      yield* fake.revokeToken(Redacted.value(revoked))
      const failures = yield* Effect.all(
        Array.from({ length: 10 }, () => Effect.flip(deviceKey(revoked))),
        { concurrency: "unbounded" }
      )
      for (const error of failures) assert.strictEqual(error._tag, "PlexUnauthorizedError")
      assert.strictEqual((yield* registrations).sent, 1)
      assert.isTrue(Option.isNone(yield* kept))

      const key = yield* deviceKey(yield* classicToken)
      const { registered, sent } = yield* registrations
      assert.strictEqual(sent, 2)
      assert.deepStrictEqual(registered, [key.kid])
      assert.strictEqual(Option.getOrThrow(yield* kept).kid, key.kid)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("a caller interrupted while creating the key does not take the others down", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      const token = yield* classicToken
      // the first registration hangs (on the TestClock, never advanced) until its caller leaves
      yield* fake.faults({ paths: ["/api/v2/auth/jwk"], next: [{ fault: { _tag: "Delay", millis: 60_000 } }] })
      const first = yield* Effect.fork(deviceKey(token))
      yield* eventually(Effect.map(registrations, ({ sent }) => sent === 1))
      const others = yield* Effect.fork(
        Effect.all(Array.from({ length: 5 }, () => deviceKey(token)), { concurrency: "unbounded" })
      )
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(first)
      const keys = yield* Fiber.join(others)
      assert.strictEqual(new Set(keys.map((key) => key.kid)).size, 1)
      assert.strictEqual(Option.getOrThrow(yield* kept).kid, keys[0]!.kid)
      assert.strictEqual((yield* registrations).sent, 2) // the interrupted caller's, then one for the others
    }).pipe(Effect.provide(TestLayer)))

  it.effect("separate stores get separate keys", () =>
    Effect.gen(function*() {
      const token = yield* classicToken
      const other = yield* InMemoryKeyStore.make()
      const [a, b] = yield* Effect.all([
        deviceKey(token),
        Effect.provideService(deviceKey(token), KeyStore, other)
      ], { concurrency: "unbounded" })
      assert.notStrictEqual(a.kid, b.kid)
      assert.strictEqual((yield* registrations).registered.length, 2)
    }).pipe(Effect.provide(TestLayer)))
})

describe("PlexJwtAuth.rotateKey", () => {
  it.effect("deviceKey callers during a rotation wait for it and get the new key: no second registration", () =>
    Effect.gen(function*() {
      const token = yield* classicToken
      const old = yield* deviceKey(token)
      const rotation = yield* Effect.fork(rotateKey(token))
      yield* Effect.yieldNow()
      const keys = yield* Effect.all(Array.from({ length: 5 }, () => deviceKey(token)), { concurrency: "unbounded" })
      const rotated = yield* Fiber.join(rotation)
      assert.notStrictEqual(rotated.kid, old.kid)
      for (const key of keys) assert.strictEqual(key.kid, rotated.kid)
      assert.strictEqual((yield* registrations).sent, 2) // the first key, the rotated one
      assert.strictEqual(Option.getOrThrow(yield* kept).kid, rotated.kid)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("with no key kept, a rotation and concurrent deviceKey callers register one key between them", () =>
    Effect.gen(function*() {
      const token = yield* classicToken
      const rotation = yield* Effect.fork(rotateKey(token))
      yield* Effect.yieldNow()
      const keys = yield* Effect.all(Array.from({ length: 5 }, () => deviceKey(token)), { concurrency: "unbounded" })
      const rotated = yield* Fiber.join(rotation)
      for (const key of keys) assert.strictEqual(key.kid, rotated.kid)
      assert.strictEqual((yield* registrations).sent, 1)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("concurrent rotations share one: one new key registered and kept", () =>
    Effect.gen(function*() {
      const token = yield* classicToken
      const old = yield* deviceKey(token)
      const rotated = yield* Effect.all(Array.from({ length: 4 }, () => rotateKey(token)), {
        concurrency: "unbounded"
      })
      assert.strictEqual(new Set(rotated.map((key) => key.kid)).size, 1)
      assert.notStrictEqual(rotated[0]!.kid, old.kid)
      assert.strictEqual((yield* registrations).sent, 2)
      assert.strictEqual(Option.getOrThrow(yield* kept).kid, rotated[0]!.kid)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("a failed rotation keeps the old key for deviceKey callers waiting on it", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      const token = yield* classicToken
      const old = yield* deviceKey(token)
      yield* fake.revokeToken(Redacted.value(token))
      const rotation = yield* Effect.fork(Effect.flip(rotateKey(token)))
      yield* Effect.yieldNow()
      const keys = yield* Effect.all(Array.from({ length: 3 }, () => deviceKey(token)), { concurrency: "unbounded" })
      assert.strictEqual((yield* Fiber.join(rotation))._tag, "PlexUnauthorizedError")
      for (const key of keys) assert.strictEqual(key.kid, old.kid)
      assert.strictEqual(Option.getOrThrow(yield* kept).kid, old.kid)
    }).pipe(Effect.provide(TestLayer)))
})
