import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import { assert, describe, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { PlexAuth, PlexDeviceKey, PlexHome, PlexJwtAuth, PlexPinAuth, PlexResources } from "@effect-plex/core"
import { FakeFault, PlexTvFake } from "@effect-plex/core/testing"
import {
  accounts,
  configLayer,
  fakeStack,
  isDone,
  MANAGED_UUID,
  OWNER_TOKEN,
  ownerCredentials,
  requestsTo,
  type Services,
  services,
  typedFailure
} from "./reliabilitySupport.js"

/** Requests the fake logged for a method and route pattern such as `/api/v2/home/users/:uuid/switch`. */
const logged = (method: string, pattern: RegExp) =>
  Effect.flatMap(PlexTvFake, (fake) =>
    Effect.map(
      fake.requests,
      (log) => log.filter((entry) => entry.method === method && pattern.test(entry.path)).length
    ))

/** Waits in real time (bounded) until `condition` holds: for work that awaits real promises. */
const realTimeUntil = <R>(condition: Effect.Effect<boolean, never, R>) =>
  Effect.gen(function*() {
    for (let i = 0; i < 1000; i++) {
      if (yield* condition) return
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 2)))
    }
    assert.fail("the request was never sent")
  })

interface NonIdempotent {
  readonly name: string
  readonly method: string
  readonly path: string
  readonly pattern: RegExp
  /** What must happen first (a registered device key for the exchange); not faulted. */
  readonly setup: Effect.Effect<unknown, unknown, Services>
  readonly call: (setup: unknown) => Effect.Effect<unknown, unknown, Services>
}

const registeredKey = Effect.gen(function*() {
  const user = yield* Effect.flatMap(PlexAuth, (auth) => auth.signIn(ownerCredentials))
  const key = yield* PlexDeviceKey.generate
  yield* Effect.flatMap(PlexJwtAuth, (jwt) => jwt.registerDevice(user.authToken, key))
  return key
})

const nonIdempotent: ReadonlyArray<NonIdempotent> = [
  {
    name: "PlexAuth.signIn",
    method: "POST",
    path: "/api/v2/users/signin",
    pattern: /^\/api\/v2\/users\/signin$/,
    setup: Effect.void,
    call: () => Effect.flatMap(PlexAuth, (auth) => auth.signIn(ownerCredentials))
  },
  {
    name: "PlexPinAuth.createPin",
    method: "POST",
    path: "/api/v2/pins",
    pattern: /^\/api\/v2\/pins$/,
    setup: Effect.void,
    call: () => Effect.flatMap(PlexPinAuth, (pins) => pins.createPin())
  },
  {
    name: "PlexAuth.signOut",
    method: "DELETE",
    path: "/api/v2/users/signout",
    pattern: /^\/api\/v2\/users\/signout$/,
    setup: Effect.void,
    call: () => Effect.flatMap(PlexAuth, (auth) => auth.signOut(OWNER_TOKEN))
  },
  {
    name: "PlexHome.switchTo",
    method: "POST",
    path: "/api/v2/home/users/:uuid/switch",
    pattern: /^\/api\/v2\/home\/users\/[^/]+\/switch$/,
    setup: Effect.void,
    call: () =>
      Effect.flatMap(
        PlexHome,
        (home) => home.switchTo(OWNER_TOKEN, { uuid: MANAGED_UUID }, { pin: Redacted.make("2580") })
      )
  },
  {
    name: "PlexJwtAuth.exchange",
    method: "POST",
    path: "/api/v2/auth/token",
    pattern: /^\/api\/v2\/auth\/token$/,
    setup: registeredKey,
    call: (key) => Effect.flatMap(PlexJwtAuth, (jwt) => jwt.exchange(key as PlexDeviceKey))
  }
]

const afterAResponse = [
  FakeFault.status(503),
  FakeFault.status(502),
  FakeFault.htmlErrorPage(504),
  FakeFault.status(429, { retryAfter: 1 }),
  FakeFault.resetBeforeResponse,
  FakeFault.resetMidBody,
  FakeFault.headersThenSilence
]

describe("non-idempotent calls are never retried once the request was sent", () => {
  for (const call of nonIdempotent) {
    it.effect(`${call.name}: one request whatever went wrong after sending it`, () =>
      Effect.gen(function*() {
        const fake = yield* PlexTvFake
        const setup = yield* call.setup
        for (const fault of afterAResponse) {
          const before = yield* logged(call.method, call.pattern)
          yield* fake.faults({ next: [{ fault, times: 10 }], paths: [call.path] })
          const fiber = yield* Effect.fork(Effect.exit(call.call(setup)))
          // the exchange signs its JWT with WebCrypto (real time) before sending: let it send first,
          // so that moving the clock cannot end the call on its deadline before the request left
          yield* realTimeUntil(Effect.map(logged(call.method, call.pattern), (n) => n > before))
          yield* TestClock.adjust("2 minutes")
          typedFailure(yield* Fiber.join(fiber))
          assert.strictEqual(yield* logged(call.method, call.pattern), before + 1, FakeFault.describe(fault))
        }
      }).pipe(Effect.provide(fakeStack({ config: { retry: { times: 3 } } }))))
  }

  it.effect("signIn: a sign-in the connection lost after plex.tv acted is not repeated (one attempt counted)", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      yield* fake.faults({ next: [{ fault: FakeFault.resetBeforeResponse }] })
      const fiber = yield* Effect.fork(Effect.exit(Effect.flatMap(PlexAuth, (auth) => auth.signIn(ownerCredentials))))
      yield* TestClock.adjust("1 minute")
      const error = typedFailure(yield* Fiber.join(fiber))
      assert.strictEqual(error._tag, "PlexTransportError")
      assert.strictEqual(yield* fake.signInAttempts, 1)
    }).pipe(Effect.provide(fakeStack())))
})

/**
 * Every service over the fake, but requests to `path` are refused (as a closed port refuses) while
 * `refusals` lasts; refused requests never reach the fake.
 */
const refusing = () => {
  const plan = { path: "", remaining: 0, refused: 0 }
  const wrapped = Layer.effect(
    HttpClient.HttpClient,
    Effect.map(HttpClient.HttpClient, (fake) =>
      HttpClient.make((request, url) =>
        Effect.suspend(() => {
          if (url.pathname !== plan.path || plan.remaining <= 0) return fake.execute(request)
          plan.remaining--
          plan.refused++
          return Effect.fail(
            new HttpClientError.RequestError({
              request,
              reason: "Transport",
              cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:443"), { code: "ECONNREFUSED" })
            })
          )
        })
      ))
  )
  const layer = services.pipe(
    Layer.provide(wrapped),
    Layer.provideMerge(PlexTvFake.layer({ accounts, settings: { rateLimit: undefined } })),
    Layer.provide(configLayer({ retry: { times: 3 } }))
  )
  const refuse = (path: string, times: number) =>
    Effect.sync(() => {
      plan.path = path.replace(":uuid", MANAGED_UUID)
      plan.remaining = times
      plan.refused = 0
    })
  return { layer, refuse, refused: () => plan.refused }
}

describe("a request that never left the machine may be retried, whatever the call", () => {
  for (const call of nonIdempotent) {
    const { layer, refuse, refused } = refusing()
    it.effect(`${call.name}: two refused connections, then it goes through once`, () =>
      Effect.gen(function*() {
        const setup = yield* call.setup
        yield* refuse(call.path, 2)
        const fiber = yield* Effect.fork(call.call(setup))
        yield* realTimeUntil(Effect.sync(() => refused() > 0)) // past the exchange's WebCrypto signing
        yield* TestClock.adjust("1 minute")
        yield* Fiber.join(fiber)
        assert.strictEqual(refused(), 2)
        assert.strictEqual(yield* logged(call.method, call.pattern), 1)
      }).pipe(Effect.provide(layer)))
  }

  it.effect("refusals past retry.times: the transport error, after 1 + 3 attempts", () => {
    const { layer, refuse, refused } = refusing()
    return Effect.gen(function*() {
      yield* refuse("/api/v2/users/signin", 100)
      const fiber = yield* Effect.fork(Effect.exit(Effect.flatMap(PlexAuth, (auth) => auth.signIn(ownerCredentials))))
      yield* TestClock.adjust("1 minute")
      const error = typedFailure(yield* Fiber.join(fiber))
      assert.strictEqual(error._tag, "PlexTransportError")
      assert.strictEqual(refused(), 4)
      assert.strictEqual(yield* (yield* PlexTvFake).signInAttempts, 0)
    }).pipe(Effect.provide(layer))
  })
})

const getTokenDetails = Effect.flatMap(PlexAuth, (auth) => auth.getTokenDetails(OWNER_TOKEN))

describe("Retry-After", () => {
  it.effect("in seconds: the retry waits exactly that long, even past retry.cap", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      yield* fake.faults({ next: [{ fault: FakeFault.status(429, { retryAfter: 15 }) }] })
      const fiber = yield* Effect.fork(getTokenDetails)
      yield* TestClock.adjust("14999 millis")
      assert.strictEqual(yield* requestsTo("/api/v2/user"), 1)
      assert.isFalse(yield* isDone(fiber))
      yield* TestClock.adjust("1 millis")
      assert.strictEqual((yield* Fiber.join(fiber)).id, 10000001)
      assert.strictEqual(yield* requestsTo("/api/v2/user"), 2)
    }).pipe(Effect.provide(fakeStack({ config: { retry: { cap: "1 second" } } }))))

  it.effect("as an HTTP date: the retry waits until then", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      yield* TestClock.setTime(Date.parse("2030-01-01T00:00:00Z"))
      yield* fake.faults({ next: [{ fault: FakeFault.status(429, { retryAfter: "Tue, 01 Jan 2030 00:00:07 GMT" }) }] })
      const fiber = yield* Effect.fork(getTokenDetails)
      yield* TestClock.adjust("6999 millis")
      assert.strictEqual(yield* requestsTo("/api/v2/user"), 1)
      yield* TestClock.adjust("1 millis")
      yield* Fiber.join(fiber)
      assert.strictEqual(yield* requestsTo("/api/v2/user"), 2)
    }).pipe(Effect.provide(fakeStack())))

  it.effect("a Retry-After past the deadline fails at once with it, without waiting", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      yield* fake.faults({ next: [{ fault: FakeFault.status(429, { retryAfter: 120 }) }] })
      const fiber = yield* Effect.fork(Effect.exit(getTokenDetails))
      yield* TestClock.adjust("0 millis")
      const error = typedFailure(yield* Fiber.join(fiber))
      assert.strictEqual(error._tag, "PlexRateLimitError")
      assert.deepStrictEqual(
        error._tag === "PlexRateLimitError" ? Option.map(error.retryAfter, Duration.toSeconds) : undefined,
        Option.some(120)
      )
      assert.strictEqual(yield* requestsTo("/api/v2/user"), 1)
    }).pipe(Effect.provide(fakeStack({ config: { deadline: "30 seconds" } }))))

  const hugeRetryAfters = [3600, 86_400, 99_999_999_999, "Fri, 31 Dec 9999 23:59:59 GMT"]
  for (const retryAfter of hugeRetryAfters) {
    it.effect(`Retry-After: ${retryAfter} closes the gate for retry.maxRetryAfter at most`, () =>
      Effect.gen(function*() {
        const fake = yield* PlexTvFake
        yield* fake.faults({ next: [{ fault: FakeFault.status(429, { retryAfter }) }] })
        const error = typedFailure(yield* Effect.exit(getTokenDetails))
        assert.strictEqual(error._tag, "PlexRateLimitError")
        assert.deepStrictEqual(
          error._tag === "PlexRateLimitError" ? Option.map(error.retryAfter, Duration.toSeconds) : undefined,
          Option.some(90) // the configured cap, not centuries
        )
        // the gate is shut for 90 s, not for the time asked: a call just before waits, one after goes
        const early = yield* Effect.fork(getTokenDetails)
        yield* TestClock.adjust("89999 millis")
        assert.strictEqual(yield* requestsTo("/api/v2/user"), 1)
        yield* TestClock.adjust("1 millis")
        yield* Fiber.join(early)
        assert.strictEqual(yield* requestsTo("/api/v2/user"), 2)
      }).pipe(
        Effect.provide(
          fakeStack({ config: { deadline: "10 minutes", retry: { times: 0, maxRetryAfter: "90 seconds" } } })
        )
      ))
  }

  it.effect("by default a Retry-After is honoured for 5 minutes at most", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      yield* fake.faults({ next: [{ fault: FakeFault.status(429, { retryAfter: 99_999_999_999 }) }] })
      const error = typedFailure(yield* Effect.exit(getTokenDetails))
      assert.deepStrictEqual(
        error._tag === "PlexRateLimitError" ? Option.map(error.retryAfter, Duration.toMinutes) : undefined,
        Option.some(5)
      )
    }).pipe(Effect.provide(fakeStack({ config: { retry: { times: 0 } } }))))
})

describe("the deadline bounds everything", () => {
  it.effect("attempts that keep timing out end at the deadline, not after every retry", () =>
    Effect.gen(function*() {
      // a host that takes every request and never answers: no real I/O, so the TestClock alone
      // decides when each attempt times out and when the deadline falls
      const sentAt: Array<number> = [] // the TestClock's time of each request sent
      const silent = Layer.succeed(
        HttpClient.HttpClient,
        HttpClient.make(() => Effect.flatMap(Clock.currentTimeMillis, (now) => (sentAt.push(now), Effect.never)))
      )
      const fiber = yield* Effect.flatMap(PlexAuth, (auth) => auth.getTokenDetails(OWNER_TOKEN)).pipe(
        Effect.exit,
        Effect.provide(PlexAuth.layer.pipe(
          Layer.provide(silent),
          Layer.provide(configLayer({ timeout: "2 seconds", deadline: "5 seconds", retry: { times: 10 } }))
        )),
        Effect.fork
      )
      yield* TestClock.adjust("4999 millis")
      assert.isFalse(yield* isDone(fiber))
      yield* TestClock.adjust("1 millis")
      // it ends at the deadline: the clock never has to go past it (retries would take 20 s more)
      const error = typedFailure(yield* Fiber.join(fiber))
      assert.strictEqual(yield* Clock.currentTimeMillis, 5000)
      assert.strictEqual(error._tag, "PlexTimeoutError")
      assert.strictEqual(error._tag === "PlexTimeoutError" && Duration.toMillis(error.timeout), 5000)
      // the first timeout was retried, and nothing was sent at or after the deadline (the times are
      // the TestClock's, whatever the order in which the fibers ran in real time)
      assert.isAtLeast(sentAt.length, 2, `sent at ${sentAt.join(", ")}`)
      assert.isTrue(sentAt.every((at) => at < 5000), `sent at ${sentAt.join(", ")}`)
    }))

  it.effect("a slow answer is cut at the deadline even within the per-attempt timeout", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      yield* fake.faults({ latencyMillis: 60_000 })
      const fiber = yield* Effect.fork(Effect.exit(getTokenDetails))
      yield* TestClock.adjust("3 seconds")
      const error = typedFailure(yield* Fiber.join(fiber))
      assert.strictEqual(error._tag === "PlexTimeoutError" && Duration.toMillis(error.timeout), 3000)
    }).pipe(Effect.provide(fakeStack({ config: { timeout: "10 seconds", deadline: "3 seconds" } }))))

  it.effect("a shut gate that opens after the deadline fails the call at once", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      yield* fake.faults({ next: [{ fault: FakeFault.status(429, { retryAfter: 60 }) }] })
      typedFailure(yield* Effect.exit(getTokenDetails))
      const fiber = yield* Effect.fork(Effect.exit(getTokenDetails))
      yield* TestClock.adjust("0 millis")
      assert.strictEqual(typedFailure(yield* Fiber.join(fiber))._tag, "PlexRateLimitError")
      assert.strictEqual(yield* requestsTo("/api/v2/user"), 1) // the second call never reached plex.tv
    }).pipe(Effect.provide(fakeStack({ config: { deadline: "10 seconds" } }))))
})

describe("one rate-limit gate per client", () => {
  it.effect("200 concurrent calls against 429 + Retry-After: 2: none sent during the cool-down, then all succeed", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      yield* fake.configure({ logLimit: 10_000 })
      yield* fake.faults({ next: [{ fault: FakeFault.status(429, { retryAfter: 2 }), forMillis: 1000 }] })
      // 100 calls at once, then 100 more, one every 15 ms: all 200 in flight together
      const call = (i: number) =>
        Effect.zipRight(Effect.sleep(Duration.millis(i < 100 ? 0 : (i - 99) * 15)), getTokenDetails)
      const fiber = yield* Effect.fork(
        Effect.forEach(Array.from({ length: 200 }, (_, i) => i), call, { concurrency: "unbounded" })
      )
      yield* TestClock.adjust("1 minute")
      const users = yield* Fiber.join(fiber)
      assert.strictEqual(users.length, 200)
      const log = (yield* fake.requests).filter((entry) => entry.path === "/api/v2/user")
      const duringCoolDown = log.filter((entry) => entry.at > 0 && entry.at < 2000).length
      assert.strictEqual(log.filter((entry) => entry.at === 0).length, 100) // the first burst, answered 429
      assert.strictEqual(duringCoolDown, 0)
      assert.strictEqual(log.filter((entry) => entry.status === 429).length, 100)
      assert.isAtMost(log.length, 300) // each call at most once more
      // after the cool-down the waiters are let through at retry.reopenRate (10 a second), never at once
      const after = log.filter((entry) => entry.at >= 2000).map((entry) => entry.at)
      const largestBurst = Math.max(...after.map((at) => after.filter((t) => t >= at && t < at + 1000).length))
      assert.isAtMost(largestBurst, 10)
      assert.isAtLeast(largestBurst, 9) // and not slower than that either
    }).pipe(Effect.provide(fakeStack({ config: { deadline: "30 seconds" } }))))

  it.effect("300 callers behind a 429: the server never sees more than reopenRate a second", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      yield* fake.configure({ logLimit: 10_000 })
      yield* fake.faults({ next: [{ fault: FakeFault.status(429, { retryAfter: 1 }) }] })
      assert.strictEqual(typedFailure(yield* Effect.exit(getTokenDetails))._tag, "PlexRateLimitError")
      const fiber = yield* Effect.fork(
        Effect.forEach(Array.from({ length: 300 }), () => getTokenDetails, { concurrency: "unbounded" })
      )
      yield* TestClock.adjust("1 minute")
      assert.strictEqual((yield* Fiber.join(fiber)).length, 300)
      const at = (yield* fake.requests).filter((entry) => entry.path === "/api/v2/user" && entry.at > 0)
        .map((entry) => entry.at)
      assert.strictEqual(at.length, 300)
      assert.isAtLeast(Math.min(...at), 1000) // nothing during the cool-down
      const largestBurst = Math.max(...at.map((t0) => at.filter((t) => t >= t0 && t < t0 + 1000).length))
      assert.strictEqual(largestBurst, 25)
    }).pipe(Effect.provide(fakeStack({ config: { deadline: "1 minute", retry: { times: 0, reopenRate: 25 } } }))))

  it.effect("a wait at the gate looks again: a later 429 that pushed the cool-down further is waited out too", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      yield* fake.faults({
        latencyMillis: 500,
        next: [{ fault: FakeFault.status(429, { retryAfter: 1 }) }, { fault: FakeFault.status(429, { retryAfter: 5 }) }]
      })
      const a = yield* Effect.fork(Effect.exit(getTokenDetails)) // answered at 500: shut until 1500
      yield* TestClock.adjust("10 millis")
      const b = yield* Effect.fork(Effect.exit(getTokenDetails)) // answered at 510: shut until 5510
      yield* TestClock.adjust("495 millis")
      const c = yield* Effect.fork(getTokenDetails) // at 505: waits for 1500, then for 5510
      yield* TestClock.adjust("1 minute")
      typedFailure(yield* Fiber.join(a))
      typedFailure(yield* Fiber.join(b))
      yield* Fiber.join(c)
      const log = (yield* fake.requests).filter((entry) => entry.path === "/api/v2/user")
      assert.deepStrictEqual(log.map((entry) => entry.at), [0, 10, 5510])
    }).pipe(Effect.provide(fakeStack({ config: { retry: { times: 0 } } }))))

  it.effect("the services of one HttpClient share the gate of a host: a 429 on one holds back the others", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      yield* fake.faults({ next: [{ fault: FakeFault.status(429, { retryAfter: 2 }) }] })
      assert.strictEqual(typedFailure(yield* Effect.exit(getTokenDetails))._tag, "PlexRateLimitError")
      const fiber = yield* Effect.fork(Effect.flatMap(PlexHome, (home) => home.users(OWNER_TOKEN)))
      yield* TestClock.adjust("1999 millis")
      assert.strictEqual(yield* requestsTo("/api/v2/home/users"), 0)
      yield* TestClock.adjust("1 millis")
      yield* Fiber.join(fiber)
      assert.strictEqual(yield* requestsTo("/api/v2/home/users"), 1)
    }).pipe(Effect.provide(fakeStack({ config: { retry: { times: 0 } } }))))

  it.effect("a 429 from clients.plex.tv does not stop plex.tv, and the reverse", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      const listResources = Effect.flatMap(PlexResources, (resources) => resources.list(OWNER_TOKEN))
      yield* fake.faults({ next: [{ fault: FakeFault.status(429, { retryAfter: 60 }) }] })
      assert.strictEqual(typedFailure(yield* Effect.exit(listResources))._tag, "PlexRateLimitError")
      // clients.plex.tv is shut for a minute; plex.tv answers at once
      assert.strictEqual((yield* getTokenDetails).id, 10000001)
      yield* fake.faults({ next: [{ fault: FakeFault.status(429, { retryAfter: 60 }) }] })
      assert.strictEqual(typedFailure(yield* Effect.exit(getTokenDetails))._tag, "PlexRateLimitError")
      yield* TestClock.adjust("61 seconds") // clients.plex.tv open again, plex.tv shut until 61 s after its 429
      const resources = yield* Effect.fork(listResources)
      yield* TestClock.adjust("0 millis")
      yield* Fiber.join(resources)
      assert.strictEqual(yield* requestsTo("/api/v2/resources"), 2)
    }).pipe(Effect.provide(fakeStack({ config: { retry: { times: 0 } } }))))
})
