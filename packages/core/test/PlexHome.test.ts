/**
 * PlexHome over the in-memory fake plex.tv: listing Home users in both answer forms, switching with
 * and without a Home PIN, and keeping the PIN and the tokens out of spans, errors and the request log.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import { assert, describe, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import { inspect } from "node:util"
import { PlexAuth, PlexConfig, PlexHome, type PlexHomeError, PlexHomeUser } from "@effect-plex/core"
import { FakeAccount, PlexTvFake, type PlexTvOptions } from "@effect-plex/core/testing"
import { spanText, withRecordedSpans } from "../../../test-support/spans.js"

const CLIENT = "home-test-client"
const OWNER_TOKEN = "FAKEtokenOwner000001"
const MANAGED_TOKEN = "FAKEtokenManaged0002"
const MANAGED_PIN = "2580"
const PIN_SENTINEL = "47110938255"
const WRONG_PIN_SENTINEL = "08156620977"

/** A protected member whose PIN is a sentinel, and an unprotected one. */
const sentinelKid = FakeAccount.make({
  id: 10000010,
  uuid: "5e5e5e5e5e5e5e5e",
  username: "",
  email: "",
  kind: "managed",
  homeAdminId: 10000001,
  homePin: PIN_SENTINEL,
  payload: { title: "Sentinel Kid", restrictionProfile: "little_kid" }
})
const openKid = FakeAccount.make({
  id: 10000011,
  uuid: "6f6f6f6f6f6f6f6f",
  username: "",
  email: "",
  kind: "managed",
  homeAdminId: 10000001,
  payload: { title: "Open Kid" }
})
const accounts = [FakeAccount.owner, FakeAccount.managed, FakeAccount.twoFactor, sentinelKid, openKid]

/** The library turns the platform's `http.client` span off; a user's own client can turn it back on. */
const tracedClient = Layer.effect(
  HttpClient.HttpClient,
  Effect.map(HttpClient.HttpClient, HttpClient.withTracerDisabledWhen(() => false))
)

const stack = (options?: Omit<PlexTvOptions, "accounts">) =>
  Layer.mergeAll(PlexHome.layer, PlexAuth.layer).pipe(
    Layer.provide(PlexConfig.layer({ client: { clientIdentifier: CLIENT } })),
    Layer.provide(tracedClient),
    Layer.provideMerge(PlexTvFake.layer({ accounts, settings: { rateLimit: undefined }, ...options }))
  )

const users = (token: string) => Effect.flatMap(PlexHome, (home) => home.users(Redacted.make(token)))

const switchTo = (token: string, uuid: string, pin?: string) =>
  Effect.flatMap(
    PlexHome,
    (home) => home.switchTo(Redacted.make(token), { uuid }, pin === undefined ? {} : { pin: Redacted.make(pin) })
  )

const requests = Effect.flatMap(PlexTvFake, (fake) => fake.requests)

const expectPinRequired = (error: PlexHomeError) => {
  if (error._tag !== "PlexHomePinRequiredError") {
    return assert.fail(`expected PlexHomePinRequiredError, got ${error._tag}`)
  }
  assert.strictEqual(error.status, 403)
  assert.deepStrictEqual(error.errors.map((e) => [e.code, e.status]), [[1041, undefined]])
  return error
}

const printed = (u: unknown) => [String(u), JSON.stringify(u), inspect(u, { depth: 10 }), Cause.pretty(Cause.fail(u))]

describe("PlexHome.users", () => {
  it.effect("decodes the object form: the admin, then the members; managed users without username or e-mail", () =>
    Effect.gen(function*() {
      const list = yield* users(OWNER_TOKEN)
      assert.deepStrictEqual(list.map((u) => u.id), [10000001, 10000002, 10000010, 10000011])
      const [admin, kid, sentinel, open] = list
      assert.strictEqual(admin!.admin, true)
      assert.strictEqual(admin!.username, "fake-owner")
      assert.strictEqual(admin!.email, "owner@example.invalid")
      assert.strictEqual(admin!.protected, false)
      assert.strictEqual(admin!.restricted, false)
      assert.strictEqual(admin!.hasPassword, true)

      assert.strictEqual(kid!.uuid, "1e1e1e1e1e1e1e1e")
      assert.strictEqual(kid!.title, "Kid Profile")
      assert.strictEqual(kid!.username, undefined) // null on the wire
      assert.strictEqual(kid!.email, undefined)
      assert.strictEqual(kid!.admin, false)
      assert.strictEqual(kid!.guest, false)
      assert.strictEqual(kid!.restricted, true)
      assert.strictEqual(kid!.restrictionProfile, "older_kid")
      assert.strictEqual(kid!.protected, true)
      assert.strictEqual(kid!.hasPassword, false)

      assert.strictEqual(sentinel!.restrictionProfile, "little_kid")
      assert.strictEqual(open!.protected, false)
      assert.deepStrictEqual((yield* requests).map((e) => [e.path, e.status, e.tokenIn]), [
        ["/api/v2/home/users", 200, "header"]
      ])
    }).pipe(Effect.provide(stack())))

  it.effect("decodes the bare-array form to the same users", () =>
    Effect.gen(function*() {
      const list = yield* users(OWNER_TOKEN)
      assert.deepStrictEqual(list.map((u) => [u.id, u.admin, u.protected]), [
        [10000001, true, false],
        [10000002, false, true],
        [10000010, false, true],
        [10000011, false, false]
      ])
    }).pipe(Effect.provide(stack({ home: { usersForm: "array" } }))))

  it.effect("a member lists the same Home; an account outside it gets a Home of its own", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual((yield* users(MANAGED_TOKEN)).map((u) => u.id), [10000001, 10000002, 10000010, 10000011])
      assert.deepStrictEqual((yield* users("FAKEtokenTwoFactor03")).map((u) => [u.id, u.admin]), [[10000003, true]])
    }).pipe(Effect.provide(stack())))

  it.effect("a bad token fails with InvalidToken", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(users("not-a-token"))
      assert.strictEqual(error._tag === "PlexUnauthorizedError" && error.reason, "InvalidToken")
    }).pipe(Effect.provide(stack())))

  it.effect("is idempotent: a 429 is waited out and retried", () =>
    Effect.gen(function*() {
      yield* users(OWNER_TOKEN)
      const fiber = yield* Effect.fork(users(OWNER_TOKEN))
      yield* TestClock.adjust("2 seconds")
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual((yield* Fiber.join(fiber)).length, 4)
      assert.deepStrictEqual((yield* requests).map((e) => e.status), [200, 429, 200])
    }).pipe(Effect.provide(stack({ settings: { rateLimit: { limit: 1, windowMillis: 1000, retryAfterSeconds: 1 } } }))))

  it.prop("PlexHomeUser encode → decode round-trips", [Arbitrary.make(PlexHomeUser)], ([user]) => {
    const encoded = Schema.encodeSync(PlexHomeUser)(user)
    assert.deepStrictEqual(Schema.encodeSync(PlexHomeUser)(Schema.decodeSync(PlexHomeUser)(encoded)), encoded)
  })

  it("decodes \"\" and null alike for managed users' username and e-mail", () => {
    const decode = Schema.decodeUnknownSync(PlexHomeUser)
    assert.strictEqual(decode({ id: 1, uuid: "u", username: "", email: "" }).username, "")
    assert.strictEqual(decode({ id: 1, uuid: "u", username: null, email: null }).email, undefined)
  })
})

describe("PlexHome.switchTo", () => {
  it.effect("the right PIN gives the member's account with a fresh token of its own, issued to this client", () =>
    Effect.gen(function*() {
      const home = yield* PlexHome
      const kid = (yield* home.users(Redacted.make(OWNER_TOKEN))).find((u) => u.uuid === "1e1e1e1e1e1e1e1e")!
      const account = yield* home.switchTo(Redacted.make(OWNER_TOKEN), kid, { pin: Redacted.make(MANAGED_PIN) })
      assert.strictEqual(account.id, 10000002)
      assert.strictEqual(account.title, "Kid Profile")
      assert.strictEqual(account.restricted, true)
      assert.strictEqual(account.username, "")
      const token = Redacted.value(account.authToken)
      assert.notStrictEqual(token, MANAGED_TOKEN)
      assert.notStrictEqual(token, OWNER_TOKEN)

      const fake = yield* PlexTvFake
      assert.deepStrictEqual(yield* fake.token(token), {
        accountId: 10000002,
        clientIdentifier: CLIENT,
        state: "active",
        kind: "classic"
      })
      // the new token acts as the member
      const me = yield* Effect.flatMap(PlexAuth, (auth) => auth.getTokenDetails(account.authToken))
      assert.strictEqual(me.id, 10000002)
      const log = yield* requests
      assert.deepStrictEqual(log.filter((e) => e.method === "POST").map((e) => [e.path, e.status, e.tokenIn]), [
        ["/api/v2/home/users/1e1e1e1e1e1e1e1e/switch", 201, "header"]
      ])
    }).pipe(Effect.provide(stack())))

  it.effect("accepts 200 as well (200 vs 201 is open)", () =>
    Effect.gen(function*() {
      const account = yield* switchTo(OWNER_TOKEN, "1e1e1e1e1e1e1e1e", MANAGED_PIN)
      assert.strictEqual(account.id, 10000002)
      assert.strictEqual((yield* requests).at(-1)?.status, 200)
    }).pipe(Effect.provide(stack({ home: { switchStatus: 200 } }))))

  it.effect("a wrong or missing PIN fails with PlexHomePinRequiredError (403, 1041, no status), never retried", () =>
    Effect.gen(function*() {
      expectPinRequired(yield* Effect.flip(switchTo(OWNER_TOKEN, "1e1e1e1e1e1e1e1e", "0000")))
      expectPinRequired(yield* Effect.flip(switchTo(OWNER_TOKEN, "1e1e1e1e1e1e1e1e")))
      const error = expectPinRequired(yield* Effect.flip(switchTo(OWNER_TOKEN, sentinelKid.uuid, WRONG_PIN_SENTINEL)))
      for (const text of printed(error)) {
        for (const secret of [WRONG_PIN_SENTINEL, PIN_SENTINEL, OWNER_TOKEN]) assert.notInclude(text, secret)
      }
      assert.deepStrictEqual((yield* requests).map((e) => e.status), [403, 403, 403])
    }).pipe(Effect.provide(stack())))

  it.effect("an unprotected member needs no PIN; the admin can switch to itself", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* switchTo(OWNER_TOKEN, openKid.uuid)).id, 10000011)
      assert.strictEqual((yield* switchTo(OWNER_TOKEN, "0f0f0f0f0f0f0f0f")).id, 10000001)
    }).pipe(Effect.provide(stack())))

  it.effect("a member's token cannot switch (403/1009); a uuid outside the Home is a 404; a bad token a 401", () =>
    Effect.gen(function*() {
      const member = yield* Effect.flip(switchTo(MANAGED_TOKEN, openKid.uuid))
      assert.strictEqual(member._tag, "PlexHttpError")
      assert.deepStrictEqual(member._tag === "PlexHttpError" && [member.status, member.errors.map((e) => e.code)], [
        403,
        [1009]
      ])
      const outside = yield* Effect.flip(switchTo(OWNER_TOKEN, "2d2d2d2d2d2d2d2d"))
      assert.strictEqual(outside._tag === "PlexHttpError" && outside.status, 404)
      const bad = yield* Effect.flip(switchTo("not-a-token", openKid.uuid))
      assert.strictEqual(bad._tag === "PlexUnauthorizedError" && bad.reason, "InvalidToken")
      assert.strictEqual((yield* requests).length, 3) // none retried
    }).pipe(Effect.provide(stack())))

  it.effect("a burst of switches draws 429, which is not retried", () =>
    Effect.gen(function*() {
      yield* switchTo(OWNER_TOKEN, openKid.uuid)
      yield* switchTo(OWNER_TOKEN, openKid.uuid)
      const fiber = yield* Effect.fork(Effect.flip(switchTo(OWNER_TOKEN, openKid.uuid)))
      yield* TestClock.adjust("1 minute")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "PlexRateLimitError")
      assert.deepStrictEqual((yield* requests).map((e) => e.status), [201, 201, 429])
    }).pipe(Effect.provide(stack({ settings: { rateLimit: { limit: 2, windowMillis: 60_000 } } }))))

  it.effect("the Home PIN and the tokens never reach a span, an error or the request log", () =>
    Effect.gen(function*() {
      const run = Effect.gen(function*() {
        const home = yield* PlexHome
        const list = yield* home.users(Redacted.make(OWNER_TOKEN))
        const target = list.find((u) => u.uuid === sentinelKid.uuid)!
        const wrong = yield* Effect.flip(
          home.switchTo(Redacted.make(OWNER_TOKEN), target, { pin: Redacted.make(WRONG_PIN_SENTINEL) })
        )
        const account = yield* home.switchTo(Redacted.make(OWNER_TOKEN), target, { pin: Redacted.make(PIN_SENTINEL) })
        const open = yield* home.switchTo(Redacted.make(OWNER_TOKEN), { uuid: openKid.uuid })
        return { wrong, account, open }
      })
      const { exit, spans } = yield* withRecordedSpans(run)
      if (!Exit.isSuccess(exit)) return assert.fail(Cause.pretty(exit.cause))
      const { account, open, wrong } = exit.value
      const secrets = [
        PIN_SENTINEL,
        WRONG_PIN_SENTINEL,
        OWNER_TOKEN,
        Redacted.value(account.authToken),
        Redacted.value(open.authToken)
      ]

      const names = spans.map((s) => s.name)
      assert.deepStrictEqual(names.filter((n) => n.startsWith("PlexHome.")), [
        "PlexHome.users",
        "PlexHome.switchTo",
        "PlexHome.switchTo",
        "PlexHome.switchTo"
      ])
      // the platform client's span (turned on by tracedClient) exists for the calls without a PIN only
      const http = spans.filter((s) => s.name.startsWith("http.client"))
      assert.deepStrictEqual(http.map((s) => s.attributes.get("url.path")), [
        "/api/v2/home/users",
        `/api/v2/home/users/${openKid.uuid}/switch`
      ])
      const switches = spans.filter((s) => s.name === "PlexHome.switchTo")
      assert.deepStrictEqual(switches.map((s) => s.attributes.get("plex.home.pin")), ["provided", "provided", "none"])
      for (const span of spans) {
        const text = spanText(span)
        for (const secret of secrets) assert.notInclude(text, secret, span.name)
      }

      for (const text of printed(wrong)) {
        for (const secret of secrets) assert.notInclude(text, secret)
      }
      for (const text of [inspect(account, { depth: 10 }), JSON.stringify(account), String(account)]) {
        assert.notInclude(text, Redacted.value(account.authToken))
      }
      const log = JSON.stringify(yield* requests)
      for (const secret of secrets) assert.notInclude(log, secret)
    }).pipe(Effect.provide(stack())))
})
