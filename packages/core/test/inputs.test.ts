/**
 * Every public operation, every input: a success or a typed `PlexError`, never a defect; a value
 * that cannot be sent is refused with `PlexInvalidInputError` naming the argument before anything
 * reaches the HTTP client; whatever does reach it has valid header values and safe path segments.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import { assert, describe, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Cause from "effect/Cause"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FastCheck from "effect/FastCheck"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import {
  type PasswordCredentials,
  PlexAuth,
  plexAuthAppUrl,
  PlexError,
  PlexHome,
  PlexPinAuth,
  PlexResource,
  PlexResources
} from "@effect-plex/core"
import { configLayer, jsonResponse, type Recorded, scripted, userJson } from "./utils.js"

// ---------------------------------------------------------------------------------------------
// A recording plex.tv that says yes to everything

const answer = ({ request }: Recorded) => {
  const path = request.url.replace(/^[a-z]+:\/\/[^/]+/, "")
  if (/^\/api\/v2\/pins\/[^/?]+/.test(path)) return jsonResponse(200, { authToken: "FAKEtokenPin" })
  if (path.startsWith("/api/v2/home/users/")) return jsonResponse(201, userJson())
  if (path.startsWith("/api/v2/resources") || path.startsWith("/api/v2/home/users")) return jsonResponse(200, [])
  if (path.startsWith("/api/v2/users/signin")) return jsonResponse(201, userJson())
  return jsonResponse(200, userJson())
}

const recording = () => {
  const http = scripted(answer)
  const layer = Layer.mergeAll(PlexAuth.layer, PlexPinAuth.layer, PlexHome.layer, PlexResources.layer).pipe(
    Layer.provide([configLayer(), Layer.succeed(HttpClient.HttpClient, http.client)])
  )
  return { requests: http.requests, layer }
}

type Services = PlexAuth | PlexPinAuth | PlexHome | PlexResources

/** Runs `effect` against a fresh recording plex.tv: its exit and every request that reached the client. */
const attempt = <A, E>(effect: Effect.Effect<A, E, Services>) => {
  const { layer, requests } = recording()
  return Effect.map(Effect.exit(Effect.provide(effect, layer)), (exit) => ({ exit, requests }))
}

// ---------------------------------------------------------------------------------------------
// What HTTP allows

/** RFC 9110 field-value: visible ASCII, obs-text bytes, spaces and tabs inside, never at either end. */
const fieldValue = /^(?:[\x21-\x7e\x80-\xff](?:[\t\x20-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?)?$/
/** RFC 3986 pchar, with `%` only as the start of a percent-encoded byte. */
const segment = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})+$/

const pathOf = (url: string) => url.replace(/^[a-z]+:\/\/[^/]+/, "").split(/[?#]/)[0]!

const assertSafeRequests = (requests: ReadonlyArray<Recorded>) => {
  for (const { request } of requests) {
    for (const [name, value] of Object.entries(request.headers)) {
      assert.match(value, fieldValue, `header ${name} carries a value HTTP does not allow`)
    }
    const path = pathOf(request.url)
    const segments = path.split("/").slice(1)
    for (const part of segments) {
      assert.match(part, segment, "a path segment is not safely escaped")
      assert.notInclude([".", ".."], part, "a dot segment in the path")
    }
    assert.strictEqual(new URL(request.url).pathname, path, "the URL would be read as another path")
  }
}

const assertTyped = <A, E>(exit: Exit.Exit<A, E>): Option.Option<E> => {
  if (Exit.isSuccess(exit)) return Option.none()
  assert.deepStrictEqual(Cause.defects(exit.cause).pipe((defects) => [...defects]), [], Cause.pretty(exit.cause))
  assert.isFalse(Cause.isInterruptedOnly(exit.cause), "interrupted")
  const failure = Cause.failureOption(exit.cause)
  assert.isTrue(Option.isSome(failure), Cause.pretty(exit.cause))
  assert.isTrue(PlexError.is(Option.getOrThrow(failure)), "not a PlexError")
  return failure
}

/** The call was refused before sending, naming `argument`. */
const assertRefused = (
  result: { readonly exit: Exit.Exit<unknown, unknown>; readonly requests: ReadonlyArray<Recorded> },
  argument: string
) => {
  const failure = assertTyped(result.exit)
  assert.isTrue(Option.isSome(failure), "expected PlexInvalidInputError, got a success")
  assert.deepInclude(Option.getOrThrow(failure), { _tag: "PlexInvalidInputError", argument })
  assert.strictEqual(result.requests.length, 0, "a refused call sent a request")
}

/** Not refused for `argument` (whatever else happened, typed and safe). */
const assertNotRefusedFor = (error: Option.Option<unknown>, argument: string) => {
  if (Option.isNone(error)) return
  const value = error.value as { readonly _tag?: string; readonly argument?: string }
  assert.isFalse(value._tag === "PlexInvalidInputError" && value.argument === argument, `refused ${argument}`)
}

// ---------------------------------------------------------------------------------------------
// Inputs

/** Any string at all, lone surrogates and control characters included. */
const anyString = FastCheck.oneof(
  FastCheck.string({ unit: "binary", maxLength: 24 }),
  FastCheck.string({ unit: "binary-ascii", maxLength: 24 }),
  FastCheck.string({ maxLength: 24 }),
  FastCheck.constantFrom("", ".", "..", " ", "a/b", "a?b", "a#b", "%", "%zz", "\r\n", "\ud800", "\udc00x", "é", "€")
)

const anyNumber = FastCheck.oneof(
  FastCheck.integer(),
  FastCheck.double(),
  FastCheck.constantFrom(NaN, Infinity, -Infinity, 0, -0, -1, 1.5, 2 ** 60, Number.MAX_SAFE_INTEGER + 1, 1, 42)
)

/** What a JavaScript caller might pass where a typed value belongs. */
const anyValue = FastCheck.oneof(anyString, anyNumber, FastCheck.anything({ maxDepth: 1 }))

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g
const wellFormed = (s: string) => s.replace(loneSurrogate, "\uFFFD")

const isPinId = (u: unknown) => typeof u === "number" && Number.isSafeInteger(u) && u > 0
/** Visible ASCII without spaces: every real token (classic tokens and JWTs) looks like this. */
const printableToken = (s: string) => /^[\x21-\x7e]{1,4096}$/.test(s)
/** Characters no header can carry: controls, DEL, and anything past one byte (surrogates included). */
const unsendableToken = (s: string) => /[\u0000-\u001f\u007f\u0100-\uffff]/.test(s)
const validUuid = (s: string) =>
  s.length > 0 && s !== "." && s !== ".." && !/[\u0000-\u001f\u007f]/.test(s) && wellFormed(s) === s

const token = Redacted.make("FAKEtokenOwner000001")
const farFuture = DateTime.unsafeMake(Date.UTC(2100, 0, 1))

describe("PlexPinAuth: every input ends in a success or a typed error", () => {
  it.effect.prop(
    "checkPin refuses every id but a positive integer, before sending",
    [anyNumber],
    ([id]) =>
      Effect.gen(function*() {
        const result = yield* attempt(Effect.flatMap(PlexPinAuth, (pins) => pins.checkPin({ id })))
        if (isPinId(id)) {
          assert.isTrue(Exit.isSuccess(result.exit), String(id))
          assert.strictEqual(result.requests.length, 1)
          assert.strictEqual(pathOf(result.requests[0]!.request.url), `/api/v2/pins/${id}`)
        } else {
          assertRefused(result, "pinId")
        }
        assertSafeRequests(result.requests)
      })
  )

  it.effect.prop(
    "waitForToken, whatever the id, expiry and interval",
    [
      anyValue,
      FastCheck.oneof(FastCheck.constant(farFuture), anyValue),
      FastCheck.option(anyValue, { nil: undefined })
    ],
    ([id, expiresAt, interval]) =>
      Effect.gen(function*() {
        const pin = { id, expiresAt } as unknown as Parameters<PlexPinAuth["Type"]["waitForToken"]>[0]
        const options = interval === undefined ? undefined : { interval: interval as never }
        const result = yield* attempt(Effect.flatMap(PlexPinAuth, (pins) => pins.waitForToken(pin, options)))
        assertTyped(result.exit)
        if (!isPinId(id)) assertRefused(result, "pinId")
        assertSafeRequests(result.requests)
      })
  )

  it.effect("waitForToken refuses a non-integer id, a missing expiry and a bad interval by name", () =>
    Effect.gen(function*() {
      const wait = (pin: unknown, options?: unknown) =>
        attempt(Effect.flatMap(PlexPinAuth, (pins) => pins.waitForToken(pin as never, options as never)))
      assertRefused(yield* wait({ id: 1.5, expiresAt: farFuture }), "pinId")
      assertRefused(yield* wait({ id: 2 ** 60, expiresAt: farFuture }), "pinId")
      assertRefused(yield* wait({ id: 7, expiresAt: "tomorrow" }), "expiresAt")
      assertRefused(yield* wait({ id: 7, expiresAt: farFuture }, { interval: "often" }), "interval")
      assertRefused(yield* wait({ id: 7, expiresAt: farFuture }, { interval: Infinity }), "interval")
      assertRefused(yield* wait(null), "pin")
      const ok = yield* wait({ id: 7, expiresAt: farFuture }, { interval: "2 seconds" })
      assert.isTrue(Exit.isSuccess(ok.exit))
    }))

  it.effect.prop(
    "createPin, whatever strong is",
    [FastCheck.option(anyValue, { nil: undefined })],
    ([strong]) =>
      Effect.gen(function*() {
        const result = yield* attempt(
          Effect.flatMap(PlexPinAuth, (pins) => pins.createPin({ strong: strong as never }))
        )
        const error = assertTyped(result.exit)
        if (strong === undefined || typeof strong === "boolean") assertNotRefusedFor(error, "strong")
        else assertRefused(result, "strong")
        assertSafeRequests(result.requests)
      })
  )

  it.prop(
    "plexAuthAppUrl never throws and percent-encodes every value it keeps",
    [anyString, anyString, anyString, anyString, FastCheck.option(anyString, { nil: undefined })],
    ([product, code, clientIdentifier, version, forwardUrl]) => {
      const url = plexAuthAppUrl({ product, version }, { code, clientIdentifier }, { forwardUrl })
      assert.isTrue(url.startsWith("https://app.plex.tv/auth#?"))
      const fragment = url.slice("https://app.plex.tv/auth#?".length)
      assert.match(fragment, /^[A-Za-z0-9\-._~!'()*%&=]*$/)
      const params = new URLSearchParams(fragment)
      assert.strictEqual(params.get("code"), wellFormed(code))
      assert.strictEqual(params.get("clientID"), wellFormed(clientIdentifier))
      assert.strictEqual(params.get("forwardUrl"), forwardUrl === undefined ? null : wellFormed(forwardUrl))
    }
  )

  it.prop("plexAuthAppUrl takes odd values from JavaScript callers without throwing", [
    anyValue,
    anyValue,
    anyValue
  ], ([product, code, forwardUrl]) => {
    const url = plexAuthAppUrl({ product } as never, { code, clientIdentifier: "c" } as never, { forwardUrl } as never)
    assert.isTrue(url.startsWith("https://app.plex.tv/auth#?clientID=c"))
  })
})

describe("PlexHome: every input ends in a success or a typed error", () => {
  it.effect.prop(
    "switchTo: a uuid is one escaped path segment, or refused",
    [anyString],
    ([uuid]) =>
      Effect.gen(function*() {
        const result = yield* attempt(Effect.flatMap(PlexHome, (home) => home.switchTo(token, { uuid })))
        if (validUuid(uuid)) {
          assertTyped(result.exit)
          assert.strictEqual(result.requests.length, 1)
          assert.strictEqual(
            pathOf(result.requests[0]!.request.url),
            `/api/v2/home/users/${encodeURIComponent(uuid)}/switch`
          )
        } else {
          assertRefused(result, "uuid")
        }
        assertSafeRequests(result.requests)
      })
  )

  it.effect.prop("switchTo: a Home PIN of digits is sent, anything else refused", [
    FastCheck.oneof(anyString, FastCheck.stringMatching(/^[0-9]{4}$/))
  ], ([pin]) =>
    Effect.gen(function*() {
      const result = yield* attempt(
        Effect.flatMap(PlexHome, (home) => home.switchTo(token, { uuid: "1e1e1e1e" }, { pin: Redacted.make(pin) }))
      )
      if (/^[0-9]+$/.test(pin) && pin.length <= 32) {
        assertTyped(result.exit)
        assert.strictEqual(result.requests.length, 1)
        assert.deepStrictEqual(result.requests[0]!.request.urlParams, [["pin", pin]])
      } else {
        assertRefused(result, "pin")
        const error = Option.getOrThrow(Cause.failureOption(result.exit.pipe(Exit.causeOption, Option.getOrThrow)))
        if (pin.length >= 4) assert.notInclude(JSON.stringify(error) + String(error), pin)
      }
      assertSafeRequests(result.requests)
    }))

  it.effect.prop(
    "switchTo: odd users and options from JavaScript callers",
    [anyValue, anyValue],
    ([user, options]) =>
      Effect.gen(function*() {
        const result = yield* attempt(
          Effect.flatMap(PlexHome, (home) => home.switchTo(token, user as never, options as never))
        )
        assertTyped(result.exit)
        assertSafeRequests(result.requests)
      })
  )
})

describe("PlexResources: every input ends in a success or a typed error", () => {
  it.effect.prop(
    "list refuses options that are not booleans, by name",
    [FastCheck.option(anyValue, { nil: undefined }), FastCheck.option(anyValue, { nil: undefined })],
    ([includeHttps, includeRelay]) =>
      Effect.gen(function*() {
        const options = { includeHttps, includeRelay } as never
        const result = yield* attempt(Effect.flatMap(PlexResources, (resources) => resources.list(token, options)))
        const bad = [["includeHttps", includeHttps], ["includeRelay", includeRelay]].find(
          ([, value]) => value !== undefined && typeof value !== "boolean"
        )
        if (bad !== undefined) {
          assertRefused(result, bad[0] as string)
        } else {
          assert.isTrue(Exit.isSuccess(result.exit))
          assert.deepInclude(result.requests[0]!.request.urlParams, [
            "includeHttps",
            includeHttps === false ? "0" : "1"
          ])
        }
        assertSafeRequests(result.requests)
      })
  )

  it.prop(
    "bestConnection is total: None or one of the resource's own connections",
    [Arbitrary.make(PlexResource), anyValue, anyValue],
    ([resource, preferHttps, allowUnownedLocal]) => {
      const best = PlexResources.bestConnection(resource, { preferHttps, allowUnownedLocal } as never)
      if (Option.isSome(best)) assert.include(resource.connections, best.value)
      else if (resource.connections.some((c) => c.relay || !c.local)) assert.fail("a remote connection was left")
    }
  )
})

describe("PlexAuth: every input ends in a success or a typed error", () => {
  it.effect.prop(
    "signIn re-checks credentials that did not come from PasswordCredentials.make",
    [anyString, anyString, FastCheck.option(anyString, { nil: undefined })],
    ([login, password, verificationCode]) =>
      Effect.gen(function*() {
        const credentials = { login, password: Redacted.make(password), verificationCode } as PasswordCredentials
        const result = yield* attempt(Effect.flatMap(PlexAuth, (auth) => auth.signIn(credentials)))
        const error = assertTyped(result.exit)
        if (Option.isSome(error) && (error.value as { _tag: string })._tag === "PlexInvalidInputError") {
          assert.include(["login", "password", "verificationCode"], (error.value as { argument: string }).argument)
          assert.strictEqual(result.requests.length, 0)
        }
        assertSafeRequests(result.requests)
      })
  )

  it.effect("signIn refuses a password that is not Redacted instead of dying", () =>
    Effect.gen(function*() {
      const credentials = { login: "alice", password: "plain" } as unknown as PasswordCredentials
      assertRefused(yield* attempt(Effect.flatMap(PlexAuth, (auth) => auth.signIn(credentials))), "password")
    }))
})

/**
 * Tokens go into the `X-Plex-Token` header. These expect the call path's check (being added in
 * `internal/client.ts`): a token a header cannot carry is refused as `token`, never sent.
 */
describe("tokens: refused when a header cannot carry them, sent as they are otherwise", () => {
  type Call = (token: Redacted.Redacted<string>) => Effect.Effect<unknown, unknown, Services>
  const calls: ReadonlyArray<readonly [string, Call]> = [
    ["getTokenDetails", (t) => Effect.flatMap(PlexAuth, (auth) => auth.getTokenDetails(t))],
    ["ping", (t) => Effect.flatMap(PlexAuth, (auth) => auth.ping(t))],
    ["signOut", (t) => Effect.flatMap(PlexAuth, (auth) => auth.signOut(t))],
    ["home.users", (t) => Effect.flatMap(PlexHome, (home) => home.users(t))],
    ["home.switchTo", (t) => Effect.flatMap(PlexHome, (home) => home.switchTo(t, { uuid: "1e1e1e1e" }))],
    ["resources.list", (t) => Effect.flatMap(PlexResources, (resources) => resources.list(t))]
  ]

  it.effect.prop(
    "every token call, any token",
    [FastCheck.integer({ min: 0, max: calls.length - 1 }), anyString],
    ([index, value]) =>
      Effect.gen(function*() {
        const result = yield* attempt(calls[index]![1](Redacted.make(value)))
        const error = assertTyped(result.exit)
        if (unsendableToken(value)) {
          assertRefused(result, "token")
        } else if (printableToken(value)) {
          assertNotRefusedFor(error, "token")
          assert.strictEqual(result.requests[0]?.request.headers["x-plex-token"], value)
        }
        assertSafeRequests(result.requests)
      })
  )
})
