/**
 * The token lifecycle as Plex documents it (plex-tv-api.md §2.5): the first exchange expires the
 * device's classic token, so rotation and re-registration authenticate with the current Plex JWT;
 * a Plex JWT can be refreshed after it expired; `refreshing` recovers when the clock jumps past the
 * token's expiry while its timer sleeps (a suspended laptop, a paused container).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { PasswordCredentials, PlexAuth, PlexConfig, PlexJwtAuth } from "@effect-plex/core"
import { FakeAccount, InMemoryKeyStore, PlexTvFake } from "@effect-plex/core/testing"

const CLIENT = "jwt-lifecycle-client"
const DAY = 24 * 60 * 60 * 1000

const TestLayer = Layer.mergeAll(PlexAuth.layer, PlexJwtAuth.layer).pipe(
  Layer.provide(PlexConfig.layer({ client: { clientIdentifier: CLIENT }, retry: { times: 0 } })),
  Layer.provideMerge(PlexTvFake.layer({ accounts: [FakeAccount.owner], settings: { rateLimit: undefined } })),
  Layer.provideMerge(InMemoryKeyStore.layer)
)

const classicToken = Effect.flatMap(
  PlexAuth,
  (auth) => auth.signIn(PasswordCredentials.make({ login: "fake-owner", password: Redacted.make("owner-password") }))
)
  .pipe(Effect.map((user) => user.authToken))

const details = (token: Redacted.Redacted<string>) => Effect.flatMap(PlexAuth, (auth) => auth.getTokenDetails(token))

describe("the token lifecycle", () => {
  it.effect("the first exchange expires the device's classic token (498); a new sign-in gets a new one", () =>
    Effect.gen(function*() {
      const jwt = yield* PlexJwtAuth
      const classic = yield* classicToken
      const key = yield* jwt.deviceKey(classic)
      assert.strictEqual((yield* details(classic)).username, "fake-owner") // registration alone keeps it
      const token = yield* jwt.exchange(key)
      const error = yield* Effect.flip(details(classic))
      assert.strictEqual(error._tag, "PlexUnauthorizedError")
      if (error._tag === "PlexUnauthorizedError") assert.strictEqual(error.status, 498)
      assert.strictEqual((yield* details(token.token)).username, "fake-owner")
      const again = yield* classicToken
      assert.notStrictEqual(Redacted.value(again), Redacted.value(classic))
      assert.strictEqual((yield* details(again)).username, "fake-owner")
    }).pipe(Effect.provide(TestLayer)))

  it.effect("rotateKey and registerDevice take the current Plex JWT; the expired classic token is refused", () =>
    Effect.gen(function*() {
      const jwt = yield* PlexJwtAuth
      const classic = yield* classicToken
      const old = yield* jwt.deviceKey(classic)
      const current = yield* jwt.exchange(old)
      const refused = yield* Effect.flip(jwt.rotateKey(classic))
      assert.strictEqual(refused._tag, "PlexUnauthorizedError")
      const rotated = yield* jwt.rotateKey(current.token)
      assert.notStrictEqual(rotated.kid, old.kid)
      const next = yield* jwt.exchange(rotated)
      assert.strictEqual((yield* details(next.token)).username, "fake-owner")
      // and once more with the newest Plex JWT
      const again = yield* jwt.rotateKey(next.token)
      assert.strictEqual((yield* details((yield* jwt.exchange(again)).token)).username, "fake-owner")
    }).pipe(Effect.provide(TestLayer)))

  it.effect("a Plex JWT is refreshed after it expired, while the device key is registered", () =>
    Effect.gen(function*() {
      const jwt = yield* PlexJwtAuth
      const key = yield* jwt.deviceKey(yield* classicToken)
      const first = yield* jwt.exchange(key)
      yield* TestClock.adjust("30 days")
      assert.strictEqual((yield* Effect.flip(details(first.token)))._tag, "PlexUnauthorizedError")
      const fresh = yield* jwt.exchange(key)
      assert.strictEqual((yield* details(fresh.token)).username, "fake-owner")
    }).pipe(Effect.provide(TestLayer)))

  it.effect("refreshing recovers at once when the clock jumps past the token's expiry while its timer sleeps", () =>
    Effect.gen(function*() {
      // the machine sleeps: the wall clock jumps 10 days, timers (monotonic) do not move
      const base = yield* Effect.clock
      let jumped = 0
      const wall: Clock.Clock = {
        [Clock.ClockTypeId]: Clock.ClockTypeId,
        currentTimeMillis: Effect.map(base.currentTimeMillis, (now) => now + jumped),
        currentTimeNanos: Effect.map(base.currentTimeNanos, (now) => now + BigInt(jumped) * 1_000_000n),
        unsafeCurrentTimeMillis: () => base.unsafeCurrentTimeMillis() + jumped,
        unsafeCurrentTimeNanos: () => base.unsafeCurrentTimeNanos() + BigInt(jumped) * 1_000_000n,
        sleep: (duration) => base.sleep(duration)
      }
      yield* Effect.gen(function*() {
        const jwt = yield* PlexJwtAuth
        const key = yield* jwt.deviceKey(yield* classicToken)
        const source = yield* jwt.refreshing(key)
        const before = yield* source.get
        jumped = 10 * DAY
        const after = yield* source.get // no new link, no waiting for the refresher's timer
        assert.notStrictEqual(Redacted.value(after), Redacted.value(before))
        assert.strictEqual((yield* details(after)).username, "fake-owner")
        assert.isAbove((yield* source.current).expiresAt, yield* Clock.currentTimeMillis)
        // readers at once after it share that refresh: no second exchange
        const exchanges = (yield* (yield* PlexTvFake).requests).filter((e) => e.path === "/api/v2/auth/token").length
        yield* Effect.all([source.get, source.get, source.get], { concurrency: "unbounded" })
        const later = (yield* (yield* PlexTvFake).requests).filter((e) => e.path === "/api/v2/auth/token").length
        assert.strictEqual(later, exchanges)
      }).pipe(Effect.scoped, Effect.withClock(wall))
    }).pipe(Effect.provide(TestLayer)))

  it.effect("refreshing also recovers when TestClock moves past the expiry in one step", () =>
    Effect.gen(function*() {
      const jwt = yield* PlexJwtAuth
      const key = yield* jwt.deviceKey(yield* classicToken)
      const source = yield* jwt.refreshing(key)
      const before = yield* source.get
      yield* TestClock.adjust("10 days")
      const after = yield* source.get
      assert.notStrictEqual(Redacted.value(after), Redacted.value(before))
      assert.strictEqual((yield* details(after)).username, "fake-owner")
    }).pipe(Effect.scoped, Effect.provide(TestLayer)))
})
