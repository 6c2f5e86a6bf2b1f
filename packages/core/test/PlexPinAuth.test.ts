import { assert, describe, it } from "@effect/vitest"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Arbitrary from "effect/Arbitrary"
import * as Cause from "effect/Cause"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Equal from "effect/Equal"
import * as FastCheck from "effect/FastCheck"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import { inspect } from "node:util"
import { PlexAuth, plexAuthAppUrl, PlexClient, PlexConfig, PlexPin, PlexPinAuth } from "@effect-plex/core"
import { FakeAccount, PlexTvFake, type PlexTvOptions } from "@effect-plex/core/testing"

const CLIENT = "pin-test-client"
const PRODUCT = "effect-plex test"
const OWNER_TOKEN = "FAKEtokenOwner000001"
const AUTH_APP = "https://app.plex.tv/auth#?"

const services = (clientIdentifier: string) =>
  Layer.mergeAll(PlexPinAuth.layer, PlexAuth.layer).pipe(
    Layer.provide(PlexConfig.layer({ client: { clientIdentifier, product: PRODUCT, version: "1.2.3" } }))
  )

/** The services over a fresh in-memory plex.tv (its own state per test). */
const stack = (options?: Omit<PlexTvOptions, "accounts">) =>
  services(CLIENT).pipe(Layer.provideMerge(PlexTvFake.layer({ accounts: [FakeAccount.owner], ...options })))

const pins = PlexPinAuth
const link = (code: string) => Effect.flatMap(PlexTvFake, (fake) => fake.linkPin(code, "fake-owner"))

/** The polls of one PIN that reached the fake: when (millis of the `TestClock`) and the status. */
const polls = (id: number) =>
  Effect.map(
    Effect.flatMap(PlexTvFake, (fake) => fake.requests),
    (log) => log.filter((entry) => entry.method === "GET" && entry.path === `/api/v2/pins/${id}`)
  )
const pollCount = (id: number) => Effect.map(polls(id), (log) => log.length)

const printed = (u: unknown) => [String(u), JSON.stringify(u), inspect(u, { depth: 10 })]

describe("createPin", () => {
  it.effect("makes a strong PIN by default: 25 lowercase characters, 30 minutes, 201", () =>
    Effect.gen(function*() {
      const pin = yield* (yield* pins).createPin()
      assert.match(pin.code, /^[a-z0-9]{25}$/)
      assert.strictEqual(pin.expiresIn, 1800)
      assert.strictEqual(pin.clientIdentifier, CLIENT)
      assert.strictEqual(pin.product, PRODUCT)
      assert.isUndefined(pin.authToken)
      assert.isUndefined(pin.newRegistration)
      assert.strictEqual(DateTime.formatIso(pin.expiresAt), "1970-01-01T00:30:00.000Z")
      assert.isTrue(Option.exists(Option.fromNullable(pin.createdAt), (at) => DateTime.toEpochMillis(at) === 0))
      const log = yield* Effect.flatMap(PlexTvFake, (fake) => fake.requests)
      assert.deepStrictEqual(log.map((entry) => [entry.method, entry.path, entry.status]), [
        ["POST", "/api/v2/pins", 201]
      ])
    }).pipe(Effect.provide(stack())))

  it.effect("makes a 4-character uppercase PIN for plex.tv/link with strong: false, 15 minutes", () =>
    Effect.gen(function*() {
      const pin = yield* (yield* pins).createPin({ strong: false })
      assert.match(pin.code, /^[A-Z0-9]{4}$/)
      assert.strictEqual(pin.expiresIn, 900)
      assert.strictEqual(DateTime.formatIso(pin.expiresAt), "1970-01-01T00:15:00.000Z")
    }).pipe(Effect.provide(stack())))

  it.effect("gives every PIN its own id and code", () =>
    Effect.gen(function*() {
      const service = yield* pins
      const made = yield* Effect.all(Array.from({ length: 20 }, (_, i) => service.createPin({ strong: i % 2 === 0 })))
      assert.strictEqual(new Set(made.map((pin) => pin.id)).size, 20)
      assert.strictEqual(new Set(made.map((pin) => pin.code)).size, 20)
    }).pipe(Effect.provide(stack())))

  it.effect("is never retried once plex.tv answered", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      yield* fake.configure({ rateLimit: { limit: 0, windowMillis: 60_000, retryAfterSeconds: 1 } })
      const fiber = yield* Effect.fork(Effect.flip((yield* pins).createPin()))
      yield* TestClock.adjust("1 minute")
      assert.strictEqual((yield* Fiber.join(fiber))._tag, "PlexRateLimitError")
      assert.strictEqual((yield* fake.requests).length, 1)
    }).pipe(Effect.provide(stack())))
})

describe("checkPin", () => {
  it.effect("is None before linking and the token after; the token belongs to this client", () =>
    Effect.gen(function*() {
      const service = yield* pins
      const pin = yield* service.createPin()
      assert.isTrue(Option.isNone(yield* service.checkPin(pin)))
      yield* link(pin.code)
      const token = yield* service.checkPin(pin)
      assert.isTrue(Option.isSome(token))
      const value = Option.getOrThrow(token)
      const record = yield* Effect.flatMap(PlexTvFake, (fake) => fake.token(Redacted.value(value)))
      assert.strictEqual(record?.clientIdentifier, CLIENT)
      const user = yield* (yield* PlexAuth).getTokenDetails(value)
      assert.strictEqual(user.username, "fake-owner")
    }).pipe(Effect.provide(stack())))

  it.effect("never hands the token to another client identifier", () =>
    Effect.gen(function*() {
      const pin = yield* (yield* pins).createPin()
      yield* link(pin.code)
      const other = yield* PlexPinAuth.make.pipe(
        Effect.provide(PlexClient.layer),
        Effect.provide(PlexConfig.layer({ client: { clientIdentifier: "someone-else" } }))
      )
      assert.isTrue(Option.isNone(yield* other.checkPin(pin)))
      assert.isTrue(Option.isSome(yield* (yield* pins).checkPin(pin)))
    }).pipe(Effect.provide(stack())))

  it.effect("fails with PlexPinExpiredError for an unknown PIN (404/1020) and after expiry", () =>
    Effect.gen(function*() {
      const service = yield* pins
      const unknown = yield* Effect.flip(service.checkPin({ id: 123 }))
      assert.strictEqual(unknown._tag === "PlexPinExpiredError" && unknown.pinId, 123)
      const pin = yield* service.createPin({ strong: false })
      yield* TestClock.adjust("15 minutes")
      const expired = yield* Effect.flip(service.checkPin(pin))
      assert.strictEqual(expired._tag === "PlexPinExpiredError" && expired.pinId, pin.id)
      assert.strictEqual((yield* polls(pin.id)).length, 1) // a 404 is not retried
    }).pipe(Effect.provide(stack())))
})

describe("waitForToken", () => {
  it.effect("returns the token once the user links the PIN mid-wait, polling once a second", () =>
    Effect.gen(function*() {
      const service = yield* pins
      const pin = yield* service.createPin()
      const fiber = yield* Effect.fork(service.waitForToken(pin))
      yield* TestClock.adjust("3500 millis")
      assert.isNull(yield* Fiber.poll(fiber).pipe(Effect.map(Option.getOrNull)))
      assert.deepStrictEqual((yield* polls(pin.id)).map((entry) => entry.at), [0, 1000, 2000, 3000])
      yield* link(pin.code)
      yield* TestClock.adjust("1 second")
      const token = yield* Fiber.join(fiber)
      assert.deepStrictEqual((yield* polls(pin.id)).map((entry) => entry.at), [0, 1000, 2000, 3000, 4000])
      const checked = Option.getOrThrow(yield* service.checkPin(pin))
      assert.strictEqual(Redacted.value(token), Redacted.value(checked))
      const user = yield* (yield* PlexAuth).getTokenDetails(token)
      assert.strictEqual(user.username, "fake-owner")
      yield* TestClock.adjust("1 minute")
      assert.strictEqual(yield* pollCount(pin.id), 6) // 5 polls and the checkPin: nothing after the token
    }).pipe(Effect.provide(stack())))

  it.effect("returns at once when the PIN is already linked", () =>
    Effect.gen(function*() {
      const service = yield* pins
      const pin = yield* service.createPin()
      yield* link(pin.code)
      const token = yield* service.waitForToken(pin)
      assert.match(Redacted.value(token), /^FAKEsignin/)
      assert.strictEqual(yield* pollCount(pin.id), 1)
    }).pipe(Effect.provide(stack())))

  it.effect("fails with PlexPinExpiredError exactly at the PIN's expiresAt", () =>
    Effect.gen(function*() {
      const service = yield* pins
      const created = yield* service.createPin()
      // plex.tv would keep the PIN for 15 minutes: the client stops at its own expiresAt anyway
      const pin = { id: created.id, expiresAt: DateTime.unsafeMake(10_000) }
      const fiber = yield* Effect.fork(Effect.flip(service.waitForToken(pin)))
      yield* TestClock.adjust("9999 millis")
      assert.isTrue(Option.isNone(yield* Fiber.poll(fiber)))
      yield* TestClock.adjust("1 millis")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag === "PlexPinExpiredError" && error.pinId, created.id)
      assert.strictEqual(yield* pollCount(created.id), 10) // 0 s … 9 s
      yield* TestClock.adjust("1 minute")
      assert.strictEqual(yield* pollCount(created.id), 10)
    }).pipe(Effect.provide(stack())))

  it.effect("fails with PlexPinExpiredError when plex.tv forgets the PIN first (404/1020)", () =>
    Effect.gen(function*() {
      const service = yield* pins
      const created = yield* service.createPin({ strong: false })
      const pin = { id: created.id, expiresAt: DateTime.unsafeMake(2 * 60 * 60 * 1000) }
      const fiber = yield* Effect.fork(Effect.flip(service.waitForToken(pin)))
      yield* TestClock.adjust("29 seconds")
      assert.isTrue(Option.isNone(yield* Fiber.poll(fiber)))
      yield* TestClock.adjust("1 second")
      assert.strictEqual((yield* Fiber.join(fiber))._tag, "PlexPinExpiredError")
      assert.strictEqual(yield* pollCount(created.id), 31)
    }).pipe(Effect.provide(stack({ pins: { weakLifetimeSeconds: 30 } }))))

  it.effect("fails at once for an unknown PIN, and for a PIN already past its expiresAt without a request", () =>
    Effect.gen(function*() {
      const service = yield* pins
      const unknown = yield* Effect.flip(service.waitForToken({ id: 42, expiresAt: DateTime.unsafeMake(60_000) }))
      assert.strictEqual(unknown._tag, "PlexPinExpiredError")
      assert.strictEqual(yield* pollCount(42), 1)
      yield* TestClock.adjust("2 minutes")
      const past = yield* Effect.flip(service.waitForToken({ id: 42, expiresAt: DateTime.unsafeMake(60_000) }))
      assert.strictEqual(past._tag, "PlexPinExpiredError")
      assert.strictEqual(yield* pollCount(42), 1)
    }).pipe(Effect.provide(stack())))

  it.effect("interrupting the fiber stops polling: no request after the interruption", () =>
    Effect.gen(function*() {
      const service = yield* pins
      const pin = yield* service.createPin()
      const fiber = yield* Effect.fork(service.waitForToken(pin))
      yield* TestClock.adjust("2500 millis")
      assert.strictEqual(yield* pollCount(pin.id), 3)
      yield* Fiber.interrupt(fiber)
      yield* TestClock.adjust("1 minute")
      yield* link(pin.code)
      yield* TestClock.adjust("1 minute")
      assert.strictEqual(yield* pollCount(pin.id), 3)
    }).pipe(Effect.provide(stack())))

  it.effect("respects the polling interval", () =>
    Effect.gen(function*() {
      const service = yield* pins
      const slow = yield* service.createPin()
      const fast = yield* service.createPin()
      const tight = yield* service.createPin()
      yield* Effect.fork(service.waitForToken(slow, { interval: "5 seconds" }))
      yield* Effect.fork(service.waitForToken(fast))
      yield* Effect.fork(service.waitForToken(tight, { interval: 0 })) // raised to 100 ms: never a busy loop
      yield* TestClock.adjust("4999 millis")
      assert.strictEqual(yield* pollCount(slow.id), 1)
      assert.strictEqual(yield* pollCount(fast.id), 5)
      assert.strictEqual(yield* pollCount(tight.id), 50)
      yield* TestClock.adjust("15001 millis")
      assert.strictEqual(yield* pollCount(slow.id), 5) // 0, 5, 10, 15, 20 s
      assert.strictEqual(yield* pollCount(fast.id), 21)
      assert.strictEqual(yield* pollCount(tight.id), 201)
    }).pipe(Effect.provide(stack())))

  it.effect("slows down on 429, never sooner than Retry-After, instead of failing", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      const service = yield* pins
      const pin = yield* service.createPin()
      yield* fake.configure({ rateLimit: { limit: 2, windowMillis: 60_000, retryAfterSeconds: 30 } })
      const fiber = yield* Effect.fork(service.waitForToken(pin))
      yield* TestClock.adjust("62500 millis")
      const seen = (yield* polls(pin.id)).map((entry) => [entry.at, entry.status])
      assert.deepStrictEqual(seen, [[0, 200], [1000, 200], [2000, 429], [32000, 429], [62000, 200]])
      yield* link(pin.code)
      yield* TestClock.adjust("1 second")
      assert.match(Redacted.value(yield* Fiber.join(fiber)), /^FAKEsignin/)
    }).pipe(Effect.provide(stack())))

  it.effect("without Retry-After, doubles the pause on each 429 and resets it after an answer", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      const service = yield* pins
      const pin = yield* service.createPin()
      yield* fake.configure({ rateLimit: { limit: 1, windowMillis: 10_000, retryAfterSeconds: undefined } })
      const fiber = yield* Effect.fork(service.waitForToken(pin))
      yield* TestClock.adjust("18 seconds")
      const seen = (yield* polls(pin.id)).map((entry) => [entry.at / 1000, entry.status])
      assert.deepStrictEqual(seen, [[0, 200], [1, 429], [3, 429], [7, 429], [15, 200], [16, 429], [18, 429]])
      yield* Fiber.interrupt(fiber)
    }).pipe(Effect.provide(stack())))

  it.effect("a 429 that lasts past the expiry ends in PlexPinExpiredError", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      const service = yield* pins
      const pin = yield* service.createPin({ strong: false })
      yield* fake.configure({ rateLimit: { limit: 0, windowMillis: 60_000, retryAfterSeconds: 5 } })
      const fiber = yield* Effect.fork(Effect.flip(service.waitForToken(pin)))
      yield* TestClock.adjust("15 minutes")
      assert.strictEqual((yield* Fiber.join(fiber))._tag, "PlexPinExpiredError")
    }).pipe(Effect.provide(stack())))

  it.effect("ends at once when plex.tv forgets the PIN mid-wait", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      const service = yield* pins
      const pin = yield* service.createPin()
      yield* fake.update((state) => ({
        ...state,
        pins: { ...state.pins, pins: {} } // forgets every PIN: 404, not retryable
      }))
      const error = yield* Effect.flip(service.waitForToken(pin))
      assert.strictEqual(error._tag, "PlexPinExpiredError")
      assert.strictEqual(yield* pollCount(pin.id), 1)
    }).pipe(Effect.provide(stack())))
})

/** A client whose every request gets the next scripted answer (the last one repeats). */
const scripted = (...answers: ReadonlyArray<() => Response>) => {
  let calls = 0
  const client = HttpClient.make((request) =>
    Effect.sync(() => HttpClientResponse.fromWeb(request, answers[Math.min(++calls, answers.length) - 1]!()))
  )
  const layer = PlexPinAuth.layer.pipe(
    Layer.provide(PlexConfig.layer({ client: { clientIdentifier: CLIENT }, retry: { times: 2, base: "100 millis" } })),
    Layer.provide(Layer.succeed(HttpClient.HttpClient, client))
  )
  return { layer, calls: () => calls }
}

describe("waitForToken over a flaky plex.tv", () => {
  const pending = () => Response.json({ id: 1, authToken: null }, { status: 200 })
  const linked = () => Response.json({ id: 1, authToken: "SENTINEL-linked" }, { status: 200 })
  const unavailable = () => new Response("<html>down</html>", { status: 503, headers: { "content-type": "text/html" } })
  const pin = { id: 1, expiresAt: DateTime.unsafeMake(60 * 60 * 1000) }

  it.effect("retries transient failures per PlexConfig.retry and keeps waiting", () => {
    const { calls, layer } = scripted(unavailable, unavailable, pending, unavailable, linked)
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork((yield* pins).waitForToken(pin))
      yield* TestClock.adjust("1 minute")
      assert.strictEqual(Redacted.value(yield* Fiber.join(fiber)), "SENTINEL-linked")
      assert.strictEqual(calls(), 5)
    }).pipe(Effect.provide(layer))
  })

  it.effect("an empty authToken counts as not linked yet", () => {
    const { calls, layer } = scripted(() => Response.json({ authToken: "" }), linked)
    return Effect.gen(function*() {
      const service = yield* pins
      assert.isTrue(Option.isNone(yield* service.checkPin(pin)))
      const fiber = yield* Effect.fork(service.waitForToken(pin))
      yield* TestClock.adjust("1 second")
      assert.strictEqual(Redacted.value(yield* Fiber.join(fiber)), "SENTINEL-linked")
      assert.strictEqual(calls(), 2)
    }).pipe(Effect.provide(layer))
  })

  it.effect("fails once the retries of one poll run out", () => {
    const { calls, layer } = scripted(pending, unavailable)
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip((yield* pins).waitForToken(pin)))
      yield* TestClock.adjust("1 minute")
      const error = yield* Fiber.join(fiber)
      assert.deepStrictEqual([error._tag, error._tag === "PlexHttpError" && error.status], ["PlexHttpError", 503])
      assert.strictEqual(calls(), 4) // one answer, then 1 attempt + 2 retries
    }).pipe(Effect.provide(layer))
  })

  it.effect("a body of the wrong shape is a PlexDecodeError, not a wait until expiry", () => {
    const { layer } = scripted(() => Response.json({ authToken: 42 }))
    return Effect.gen(function*() {
      const error = yield* Effect.flip((yield* pins).waitForToken(pin))
      assert.deepStrictEqual([error._tag, error._tag === "PlexDecodeError" && error.paths], [
        "PlexDecodeError",
        ["authToken"]
      ])
    }).pipe(Effect.provide(layer))
  })
})

describe("authAppUrl", () => {
  const fragment = (url: string) => {
    assert.isTrue(url.startsWith(AUTH_APP), url)
    return new URLSearchParams(url.slice(AUTH_APP.length))
  }

  it.effect("names the client, the code and the product from PlexConfig", () =>
    Effect.gen(function*() {
      const service = yield* pins
      const pin = yield* service.createPin()
      const url = service.authAppUrl(pin, { forwardUrl: "https://my-app.example/back?x=1&y=2#top" })
      assert.deepStrictEqual([...fragment(url)], [
        ["clientID", CLIENT],
        ["code", pin.code],
        ["context[device][product]", PRODUCT],
        ["context[device][version]", "1.2.3"],
        ["forwardUrl", "https://my-app.example/back?x=1&y=2#top"]
      ])
      assert.strictEqual(new URL(url).hash.split("#").length, 2) // a single fragment: nothing escaped it
    }).pipe(Effect.provide(stack())))

  it.effect("falls back to the PIN's product, then to PlexConfig.defaultProduct, and leaves out what is unset", () =>
    Effect.sync(() => {
      const url = plexAuthAppUrl({}, { code: "ABCD", clientIdentifier: "c", product: "from pin" })
      assert.strictEqual(url, `${AUTH_APP}clientID=c&code=ABCD&context%5Bdevice%5D%5Bproduct%5D=from%20pin`)
      // the consent page shows the product: never left out, never empty
      const fallback = `${AUTH_APP}clientID=c&code=ABCD&context%5Bdevice%5D%5Bproduct%5D=effect-plex`
      assert.strictEqual(plexAuthAppUrl({}, { code: "ABCD", clientIdentifier: "c" }), fallback)
      assert.strictEqual(
        plexAuthAppUrl({ product: "" }, { code: "ABCD", clientIdentifier: "c", product: "" }),
        fallback
      )
    }))

  const text = FastCheck.string({ unit: "binary", maxLength: 40 })
  const optionalText = FastCheck.option(text, { nil: undefined })

  it.prop(
    "every part survives escaping: URLSearchParams reads back the same values",
    {
      clientIdentifier: text,
      code: text.filter((s) => s.length > 0),
      product: optionalText,
      version: optionalText,
      platform: optionalText,
      platformVersion: optionalText,
      device: optionalText,
      deviceName: optionalText,
      forwardUrl: optionalText
    },
    ({ clientIdentifier, code, forwardUrl, ...client }) => {
      const url = plexAuthAppUrl(client, { code, clientIdentifier }, { forwardUrl })
      assert.isFalse(/[^A-Za-z0-9\-_.!~*'()%&=]/.test(url.slice(AUTH_APP.length)), url)
      const params = fragment(url)
      const expected: Array<[string, string]> = [["clientID", clientIdentifier], ["code", code]]
      const context = ["product", "version", "platform", "platformVersion", "device", "deviceName"] as const
      for (const key of context) {
        const value = client[key]
        // the product is never left out or empty: PlexConfig.defaultProduct stands in
        if (key === "product") expected.push([`context[device][product]`, value || "effect-plex"])
        else if (value !== undefined) expected.push([`context[device][${key}]`, value])
      }
      if (forwardUrl !== undefined) expected.push(["forwardUrl", forwardUrl])
      assert.deepStrictEqual([...params], expected)
    }
  )

  it("never throws on lone surrogates", () => {
    const url = plexAuthAppUrl({ product: "a\uD800b" }, { code: "\uDC00", clientIdentifier: "c" })
    assert.strictEqual(fragment(url).get("context[device][product]"), "a\uFFFDb")
  })

  it.effect("never holds the token, even for a linked PIN", () =>
    Effect.gen(function*() {
      const service = yield* pins
      const created = yield* service.createPin()
      yield* link(created.code)
      const token = Redacted.value(yield* service.waitForToken(created))
      const linked = PlexPin.make({ ...created, authToken: Redacted.make(token) })
      assert.notInclude(service.authAppUrl(linked), token)
      for (const text of printed(linked)) assert.notInclude(text, token)
    }).pipe(Effect.provide(stack())))
})

describe("secrets", () => {
  it.effect("PIN calls send no token, and the token never prints", () =>
    Effect.gen(function*() {
      const service = yield* pins
      const pin = yield* service.createPin()
      yield* link(pin.code)
      const token = yield* service.waitForToken(pin)
      const checked = yield* service.checkPin(pin)
      const log = yield* Effect.flatMap(PlexTvFake, (fake) => fake.requests)
      assert.isTrue(log.filter((entry) => entry.path.startsWith("/api/v2/pins")).every((e) => e.tokenIn === "none"))
      for (const text of [...printed(token), ...printed(checked)]) {
        assert.notInclude(text, Redacted.value(token))
      }
      const expired = yield* Effect.flip(service.checkPin({ id: 7 }))
      for (const text of [...printed(expired), Cause.pretty(Cause.fail(expired))]) {
        assert.notInclude(text, Redacted.value(token))
        assert.notInclude(text, OWNER_TOKEN)
      }
    }).pipe(Effect.provide(stack())))
})

describe("PlexPin", () => {
  const sample = {
    id: 900000001,
    code: "fakecode0000000000000000a",
    product: "effect-plex example",
    trusted: false,
    qr: "https://plex.tv/api/v2/pins/qr/fakecode0000000000000000a",
    clientIdentifier: "00000000-0000-4000-8000-000000000001",
    location: {
      code: "ZZ",
      european_union_member: false,
      continent_code: "ZZ",
      country: "Nowhere",
      city: "Faketown",
      time_zone: "Etc/UTC",
      postal_code: "00000",
      in_privacy_restricted_country: false,
      subdivisions: "Nowhere",
      coordinates: "0.0, 0.0"
    },
    expiresIn: 1800,
    createdAt: "2026-01-02T03:04:05Z",
    expiresAt: "2026-01-02T03:34:05Z",
    authToken: null,
    newRegistration: null
  }
  const decode = Schema.decodeUnknownEither(PlexPin)

  it("decodes the documented PIN", () => {
    const pin = Schema.decodeUnknownSync(PlexPin)(sample)
    assert.strictEqual(DateTime.toEpochMillis(pin.expiresAt), Date.parse("2026-01-02T03:34:05Z"))
    assert.strictEqual(pin.location?.city, "Faketown")
    assert.isUndefined(pin.authToken)
  })

  it("tolerates missing qr, location members and nulls; keeps a token Redacted", () => {
    const { qr: _qr, ...rest } = sample
    const pin = Schema.decodeUnknownSync(PlexPin)({
      ...rest,
      location: { country: null },
      trusted: null,
      createdAt: null,
      extra: { anything: 1 },
      authToken: "SENTINEL-pin-token",
      newRegistration: false
    })
    assert.isUndefined(pin.qr)
    assert.isTrue(Redacted.isRedacted(pin.authToken))
    assert.strictEqual(pin.newRegistration, false)
    for (const text of printed(pin)) assert.notInclude(text, "SENTINEL-pin-token")
  })

  it("is strict where it matters: id, code and expiresAt", () => {
    assert.isTrue(decode({ ...sample, id: "1" })._tag === "Left")
    assert.isTrue(decode({ ...sample, code: "" })._tag === "Left")
    assert.isTrue(decode({ ...sample, expiresAt: "soon" })._tag === "Left")
    assert.isTrue(decode({ ...sample, expiresAt: undefined })._tag === "Left")
  })

  it.prop("encode → decode round-trips", [Arbitrary.make(PlexPin)], ([pin]) => {
    assert.isTrue(Equal.equals(Schema.decodeSync(PlexPin)(Schema.encodeSync(PlexPin)(pin)), pin))
  })
})
