/**
 * `PlexJwtAuth.refreshing` never spins: a client clock far from plex.tv's, tokens that arrive
 * already expired, tokens of a tiny lifetime and failing exchanges all wait between requests.
 *
 * The fake answers on the `TestClock`; the client runs on a clock `offset` millis ahead of it (its
 * requests are answered back on the fake's clock), so both move together with `TestClock.adjust`.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import { assert, describe, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import {
  PasswordCredentials,
  PlexAuth,
  PlexClient,
  PlexConfig,
  PlexDeviceKey,
  PlexJwtAuth,
  type PlexTokenSourceOptions
} from "@effect-plex/core"
import { FakeAccount, PlexTvFake } from "@effect-plex/core/testing"
import { backoffMillis, refreshDueIn } from "../src/internal/jwt.js"

const DAY = 24 * 60 * 60 * 1000
const MINUTE = 60 * 1000
const START = 30 * DAY
/** Each test steps the clock a few hundred times, waiting for WebCrypto in between: room for a busy machine. */
const TIMEOUT = 120_000
const CLIENT = "jwt-refresh-client"
/** Timeouts out of the way: a step of the `TestClock` may pass while an exchange awaits WebCrypto. */
const Config = PlexConfig.layer({
  client: { clientIdentifier: CLIENT },
  retry: { times: 0 },
  timeout: "1 hour",
  deadline: "1 hour"
})

const fakeLayer = (tokenLifetimeMillis?: number) =>
  PlexAuth.layer.pipe(
    Layer.provideMerge(
      PlexTvFake.layer({
        accounts: [FakeAccount.owner],
        settings: { rateLimit: undefined },
        jwt: { tokenLifetimeMillis }
      })
    ),
    Layer.provideMerge(Config)
  )

/** `base` moved by `offset` millis; sleeps are the base clock's, so `TestClock.adjust` drives them. */
const shifted = (base: Clock.Clock, offset: number): Clock.Clock => ({
  [Clock.ClockTypeId]: Clock.ClockTypeId,
  currentTimeMillis: Effect.map(base.currentTimeMillis, (now) => now + offset),
  currentTimeNanos: Effect.map(base.currentTimeNanos, (now) => now + BigInt(offset) * 1_000_000n),
  unsafeCurrentTimeMillis: () => base.unsafeCurrentTimeMillis() + offset,
  unsafeCurrentTimeNanos: () => base.unsafeCurrentTimeNanos() + BigInt(offset) * 1_000_000n,
  sleep: (duration) => base.sleep(duration)
})

const JWT_PATHS = new Set(["/api/v2/auth/nonce", "/api/v2/auth/token"])

/** Nonce and exchange requests the fake has received. */
const jwtRequests = Effect.map(
  Effect.flatMap(PlexTvFake, (fake) => fake.requests),
  (log) => log.filter((entry) => JWT_PATHS.has(entry.path)).length
)

const realSleep = (millis: number) => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, millis)))

/** Waits (real time, bounded) until the fake's request count stops moving: async WebCrypto settles. */
const settle = Effect.gen(function*() {
  let last = -1
  let stable = 0
  for (let i = 0; i < 100 && stable < 3; i++) {
    const count = yield* jwtRequests
    stable = count === last ? stable + 1 : 0
    last = count
    yield* realSleep(8)
  }
})

/**
 * Advances the `TestClock` by `total` in `step`s, settling after each, and fails as soon as the
 * nonce/exchange requests received since the start exceed `atMost`.
 */
const advance = (total: Duration.DurationInput, step: Duration.DurationInput, atMost: number) =>
  Effect.gen(function*() {
    const start = yield* jwtRequests
    const stepMillis = Duration.toMillis(step)
    for (let left = Duration.toMillis(total); left > 0; left -= stepMillis) {
      yield* TestClock.adjust(Duration.millis(Math.min(stepMillis, left)))
      yield* settle
      const sent = (yield* jwtRequests) - start
      assert.isAtMost(sent, atMost, `${sent} nonce/exchange requests, ${left} ms before the end`)
    }
    return (yield* jwtRequests) - start
  })

/**
 * A registered key and a `PlexJwtAuth` whose clock runs `offset` millis ahead of plex.tv's (behind
 * when negative); `local` runs an effect on the client's clock.
 */
const client = (offset: number) =>
  Effect.gen(function*() {
    yield* TestClock.setTime(START) // far enough from 0 that a slow client clock is not before 1970
    const serverClock = yield* Effect.clock
    const fake = yield* HttpClient.HttpClient
    const answeredOnServerClock = HttpClient.transform(fake, (effect) => Effect.withClock(effect, serverClock))
    const jwt = yield* PlexJwtAuth.make.pipe(
      Effect.provideServiceEffect(PlexClient, PlexClient.make),
      Effect.provideService(HttpClient.HttpClient, answeredOnServerClock)
    )
    const user = yield* Effect.flatMap(PlexAuth, (auth) =>
      auth.signIn(PasswordCredentials.make({ login: "fake-owner", password: Redacted.make("owner-password") })))
    const key = yield* PlexDeviceKey.generate
    yield* jwt.registerDevice(user.authToken, key)
    const local = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      Effect.withClock(effect, shifted(serverClock, offset))
    const refreshing = (options?: PlexTokenSourceOptions) => local(jwt.refreshing(key, options))
    return { jwt, key, local, refreshing }
  })

/** Whether plex.tv (the fake, on its own clock) accepts the token. */
const accepted = (token: Redacted.Redacted<string>) =>
  Effect.flatMap(PlexAuth, (auth) => auth.getTokenDetails(token)).pipe(
    Effect.match({ onFailure: () => false, onSuccess: () => true })
  )

describe("PlexJwtAuth.refreshing with a clock far from plex.tv's", () => {
  it.effect(
    "a client clock 8 days fast gets a usable token, refreshes before expiry and never spins",
    () =>
      Effect.gen(function*() {
        const { local, refreshing } = yield* client(8 * DAY)
        const source = yield* refreshing()
        const first = yield* local(source.get)
        assert.isTrue(yield* accepted(first))

        assert.strictEqual(yield* advance("1 minute", "1 second", 2), 0)
        assert.strictEqual(yield* advance("10 minutes", "1 minute", 4), 0)
        assert.strictEqual(Redacted.value(yield* local(source.get)), Redacted.value(first))

        // plex.tv's day 6 minus a day of margin: the refresh happens then, in plex.tv's time
        yield* advance(Duration.millis(6 * DAY - 11 * MINUTE - 1000), "1 day", 4)
        assert.strictEqual(Redacted.value(yield* local(source.get)), Redacted.value(first))
        yield* advance("2 seconds", "1 second", 4)
        const second = yield* local(source.get)
        assert.notStrictEqual(Redacted.value(second), Redacted.value(first))
        assert.isAtMost(Math.abs((yield* local(source.current)).issuedAt - (START + 6 * DAY)), 2000)
        assert.isTrue(yield* accepted(second))

        // a day on, still the same token, still accepted, no extra request
        assert.strictEqual(yield* advance("1 day", "6 hours", 4), 0)
        assert.strictEqual(Redacted.value(yield* local(source.get)), Redacted.value(second))
        assert.isTrue(yield* accepted(second))
      }).pipe(Effect.scoped, Effect.provide(fakeLayer())),
    TIMEOUT
  )

  it.effect(
    "a client clock 3 minutes slow gets a token and refreshes it before it expires at plex.tv",
    () =>
      Effect.gen(function*() {
        const { local, refreshing } = yield* client(-3 * MINUTE)
        const source = yield* refreshing()
        const first = yield* local(source.get)
        yield* advance(Duration.millis(6 * DAY + 1000), "1 day", 4)
        const second = yield* local(source.get)
        assert.notStrictEqual(Redacted.value(second), Redacted.value(first))
        yield* advance(Duration.millis(DAY - 2000), "6 hours", 4)
        assert.isTrue(yield* accepted(yield* local(source.get)))
      }).pipe(Effect.scoped, Effect.provide(fakeLayer())),
    TIMEOUT
  )

  it.effect.prop(
    "whatever the skew, get hands out a token plex.tv accepts, and the next hour sends nothing",
    [FastCheck.integer({ min: -4 * MINUTE, max: 30 * DAY })],
    ([offset]) =>
      Effect.gen(function*() {
        const { local, refreshing } = yield* client(offset)
        const source = yield* refreshing()
        assert.isTrue(yield* accepted(yield* local(source.get)))
        assert.strictEqual(yield* advance("1 hour", "10 minutes", 2), 0)
        assert.isTrue(yield* accepted(yield* local(source.get)))
      }).pipe(Effect.scoped, Effect.provide(fakeLayer())),
    { timeout: TIMEOUT, fastCheck: { numRuns: 8 } }
  )
})

describe("PlexJwtAuth.refreshing against a hostile plex.tv", () => {
  it.effect(
    "tokens that arrive already expired: get fails typed, and only a handful of requests a minute",
    () =>
      Effect.gen(function*() {
        const fake = yield* PlexTvFake
        const { local, refreshing } = yield* client(0)
        const source = yield* refreshing()
        const error = yield* Effect.flip(local(source.get))
        assert.strictEqual(error._tag, "PlexUnauthorizedError")
        if (error._tag === "PlexUnauthorizedError") assert.strictEqual(error.reason, "InvalidToken")

        // backoff from 1 s: about 6 exchanges in the first minute, 4 in the next nine, then fewer
        const firstMinute = yield* advance("1 minute", "1 second", 16)
        assert.isAtLeast(firstMinute, 4) // it keeps trying
        const nextNine = yield* advance("9 minutes", "10 seconds", 10)
        assert.isAtLeast(nextNine, 2)
        assert.isAtMost(yield* advance("5 minutes", "30 seconds", 4), 4) // capped at 5 minutes

        // plex.tv mends its ways: within the backoff, a good token
        yield* fake.update((state) => ({ ...state, jwt: { ...state.jwt, tokenLifetimeMillis: 7 * DAY } }))
        yield* advance("6 minutes", "30 seconds", 4)
        assert.isTrue(yield* accepted(yield* local(source.get)))
        assert.strictEqual(yield* advance("1 hour", "10 minutes", 0), 0)
      }).pipe(Effect.scoped, Effect.provide(fakeLayer(-MINUTE))),
    TIMEOUT
  )

  it.effect("a token of one second's life makes the refresher back off, not spin", () =>
    Effect.gen(function*() {
      const { refreshing } = yield* client(0)
      yield* refreshing()
      yield* advance("1 minute", "1 second", 16)
      assert.isAtMost(yield* advance("10 minutes", "10 seconds", 24), 12)
    }).pipe(Effect.scoped, Effect.provide(fakeLayer(1000))), TIMEOUT)

  it.effect(
    "a 10-second token, due again within seconds, makes the refresher back off too",
    () =>
      Effect.gen(function*() {
        const { refreshing } = yield* client(0)
        yield* refreshing({ refreshBefore: "30 days" })
        yield* advance("1 minute", "1 second", 16)
        assert.isAtMost(yield* advance("10 minutes", "10 seconds", 24), 12)
      }).pipe(Effect.scoped, Effect.provide(fakeLayer(10_000))),
    TIMEOUT
  )

  it.effect(
    "failing exchanges back off exponentially up to maxBackoff, and the old token stays in use",
    () =>
      Effect.gen(function*() {
        const fake = yield* PlexTvFake
        const { local, refreshing } = yield* client(0)
        const source = yield* refreshing({ maxBackoff: "1 minute" })
        const first = yield* local(source.get)
        yield* fake.update((state) => ({ ...state, jwt: { ...state.jwt, deviceKeys: {} } }))
        yield* advance(Duration.millis(6 * DAY), "1 day", 2)
        const firstMinute = yield* advance("1 minute", "1 second", 16)
        assert.isAtLeast(firstMinute, 4)
        const next = yield* advance("10 minutes", "10 seconds", 30)
        assert.isAtLeast(next, 10) // about one exchange a minute at the cap
        assert.strictEqual(Redacted.value(yield* local(source.get)), Redacted.value(first))
      }).pipe(Effect.scoped, Effect.provide(fakeLayer())),
    TIMEOUT
  )
})

describe("refresh schedule", () => {
  it.prop(
    "the backoff grows from about a second, stays under its cap, and is never 0 after a failure",
    [
      FastCheck.integer({ min: 1, max: 2000 }),
      FastCheck.integer({ min: 0, max: 10 * DAY }),
      FastCheck.double({
        min: 0,
        max: 1,
        maxExcluded: true,
        noNaN: true
      })
    ],
    ([failures, maxBackoff, random]) => {
      const delay = backoffMillis(failures, maxBackoff, random)
      assert.isAtLeast(delay, 800)
      assert.isAtMost(delay, Math.max(1000, maxBackoff))
      assert.isAtLeast(delay, Math.min(Math.max(1000, maxBackoff), 1000 * 2 ** Math.min(failures - 1, 40)) * 0.8)
    }
  )

  it.prop(
    "a refresh is due before expiry in plex.tv's time, whatever the skew",
    [
      FastCheck.integer({ min: -30 * DAY, max: 30 * DAY }),
      FastCheck.integer({ min: 2 * MINUTE, max: 30 * DAY }),
      FastCheck.integer({ min: 0, max: 30 * DAY })
    ],
    ([skew, lifetime, refreshBefore]) => {
      const held = { issuedAt: 1_700_000_000_000, expiresAt: 1_700_000_000_000 + lifetime, skew }
      const arrival = held.issuedAt + skew
      const due = refreshDueIn(held, arrival, refreshBefore)
      assert.isAtLeast(due, lifetime / 2)
      assert.isAtMost(arrival + due - skew, held.expiresAt)
    }
  )
})
