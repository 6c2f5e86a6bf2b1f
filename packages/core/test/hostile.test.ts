import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Arbitrary from "effect/Arbitrary"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as FastCheck from "effect/FastCheck"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { inspect } from "node:util"
import {
  PasswordCredentials,
  PlexAuth,
  PlexClientInfo,
  PlexConfig,
  PlexDeviceKey,
  PlexHome,
  PlexJwtAuth,
  PlexPin,
  PlexPinAuth,
  PlexResources,
  PlexUser
} from "@effect-plex/core"
import { OWNER_TOKEN, ownerCredentials } from "../../../test-support/accounts.js"
import { assertSuccessOrPlexError } from "../../../test-support/exits.js"
import { type Services, services } from "../../../test-support/services.js"

const key = await Effect.runPromise(PlexDeviceKey.generate)

/** One call of each kind: each decodes its own body shape. */
const calls: ReadonlyArray<readonly [string, Effect.Effect<unknown, unknown, Services>]> = [
  ["getTokenDetails", Effect.flatMap(PlexAuth, (auth) => auth.getTokenDetails(OWNER_TOKEN))],
  ["signIn", Effect.flatMap(PlexAuth, (auth) => auth.signIn(ownerCredentials))],
  ["ping", Effect.flatMap(PlexAuth, (auth) => auth.ping(OWNER_TOKEN))],
  ["signOut", Effect.flatMap(PlexAuth, (auth) => auth.signOut(OWNER_TOKEN))],
  ["createPin", Effect.flatMap(PlexPinAuth, (pins) => pins.createPin())],
  ["checkPin", Effect.flatMap(PlexPinAuth, (pins) => pins.checkPin({ id: 42 }))],
  ["home users", Effect.flatMap(PlexHome, (home) => home.users(OWNER_TOKEN))],
  ["switchTo", Effect.flatMap(PlexHome, (home) => home.switchTo(OWNER_TOKEN, { uuid: "1e1e1e1e1e1e1e1e" }))],
  ["resources", Effect.flatMap(PlexResources, (resources) => resources.list(OWNER_TOKEN))],
  ["nonce", Effect.flatMap(PlexJwtAuth, (jwt) => jwt.nonce())],
  ["listKeys", Effect.flatMap(PlexJwtAuth, (jwt) => jwt.listKeys())],
  ["registerDevice", Effect.flatMap(PlexJwtAuth, (jwt) => jwt.registerDevice(OWNER_TOKEN, key))],
  ["exchange", Effect.flatMap(PlexJwtAuth, (jwt) => jwt.exchange(key))]
]

const nullBodyStatuses = new Set([204, 205, 304])

interface Answer {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: string | Uint8Array
}

const bodyInit = (body: string | Uint8Array): BodyInit => (typeof body === "string" ? body : new Uint8Array(body))

/** Every service over an `HttpClient` that gives every request this answer; no retries. */
const answering = (answer: Answer) =>
  services.pipe(
    Layer.provide(Layer.succeed(
      HttpClient.HttpClient,
      HttpClient.make((request) =>
        Effect.sync(() =>
          HttpClientResponse.fromWeb(
            request,
            new Response(nullBodyStatuses.has(answer.status) ? null : bodyInit(answer.body), {
              status: answer.status,
              headers: answer.headers
            })
          )
        )
      )
    )),
    Layer.provide(PlexConfig.layer({ client: { clientIdentifier: "hostile-test" }, retry: { times: 0 } }))
  )

/** The call's exit under this answer. */
const exitOf = (callIndex: number, answer: Answer) =>
  Effect.exit(calls[callIndex % calls.length]![1]).pipe(Effect.provide(answering(answer)))

const contentTypes = FastCheck.constantFrom(
  undefined,
  "application/json",
  "application/json; charset=utf-8",
  "application/problem+json",
  "text/xml; charset=utf-8",
  "application/xml",
  "text/html; charset=utf-8",
  "text/plain",
  "application/octet-stream",
  "",
  ";;;",
  "application/json; charset=ISO-8859-1"
)

const statuses = FastCheck.oneof(
  FastCheck.constantFrom(200, 201, 204, 400, 401, 403, 404, 422, 429, 498, 500, 502, 503, 504),
  FastCheck.integer({ min: 200, max: 599 })
)

const jsonType = { "content-type": "application/json" }

const headersOf = (contentType: string | undefined, extra: Record<string, string> = {}) =>
  contentType === undefined ? extra : { "content-type": contentType, ...extra }

const anyJson = FastCheck.jsonValue({ maxDepth: 3 })
const maybe = <A>(arb: FastCheck.Arbitrary<A>) => FastCheck.oneof(arb, anyJson)

/** plex.tv's `errors` list, its members of any type or missing. */
const errorsBody = FastCheck.record({
  errors: FastCheck.oneof(
    anyJson,
    FastCheck.array(
      FastCheck.oneof(
        anyJson,
        FastCheck.record({ code: maybe(FastCheck.integer()), message: maybe(FastCheck.string()), status: anyJson }, {
          requiredKeys: []
        })
      ),
      { maxLength: 30 }
    )
  )
})

/** A valid body of a call (an account, a PIN), with one member replaced by anything. */
const encodedUser = Arbitrary.make(PlexUser).map((user) => Schema.encodeSync(PlexUser)(user))
const encodedPin = Arbitrary.make(PlexPin).map((pin) => Schema.encodeSync(PlexPin)(pin))
const mangled = FastCheck.tuple(
  FastCheck.oneof(encodedUser, encodedPin),
  FastCheck.boolean(),
  FastCheck.string({ maxLength: 12 }),
  anyJson
).map(([body, mangle, key, value]) => {
  if (!mangle) return body as unknown
  const keys = Object.keys(body)
  const target = keys[key.length % keys.length] ?? key
  return { ...body, [target]: value }
})

const json = FastCheck.oneof(FastCheck.jsonValue({ maxDepth: 4 }), errorsBody, mangled)

describe("hostile answers never cause a defect, only a PlexError", () => {
  it.effect.prop(
    "arbitrary JSON, as a success or a failure of every call",
    [FastCheck.nat(), statuses, json],
    ([call, status, value]) =>
      Effect.map(
        exitOf(call, { status, headers: jsonType, body: JSON.stringify(value) ?? "null" }),
        assertSuccessOrPlexError
      ),
    { fastCheck: { numRuns: 150 } }
  )

  it.effect.prop(
    "arbitrary bytes under any content type",
    [FastCheck.nat(), statuses, contentTypes, FastCheck.uint8Array({ maxLength: 512 })],
    ([call, status, contentType, bytes]) =>
      Effect.map(exitOf(call, { status, headers: headersOf(contentType), body: bytes }), assertSuccessOrPlexError),
    { fastCheck: { numRuns: 150 } }
  )

  it.effect.prop(
    "arbitrary status, body and content type, with odd Retry-After and Content-Length headers",
    [
      FastCheck.nat(),
      statuses,
      contentTypes,
      FastCheck.oneof(FastCheck.string({ maxLength: 200 }), json.map((v) => JSON.stringify(v) ?? "")),
      FastCheck.option(FastCheck.oneof(FastCheck.string({ maxLength: 40 }), FastCheck.nat().map(String)), {
        nil: undefined
      }),
      FastCheck.option(FastCheck.constantFrom("0", "1", "-1", "abc", "99999999999", "1e3", "5000000"), {
        nil: undefined
      })
    ],
    ([call, status, contentType, body, retryAfter, contentLength]) => {
      const extra: Record<string, string> = {}
      if (retryAfter !== undefined && /^[\x20-\x7e]*$/.test(retryAfter)) extra["retry-after"] = retryAfter
      if (contentLength !== undefined) extra["content-length"] = contentLength
      return Effect.map(
        exitOf(call, { status, headers: headersOf(contentType, extra), body }),
        assertSuccessOrPlexError
      )
    },
    { fastCheck: { numRuns: 200 } }
  )
})

// ---------------------------------------------------------------------------------------------
// No body value in any message

const MARK = "PLANTED"
let planted = 0
/** A unique string to plant in a body: no printed error may contain it. */
const plant = () => `${MARK}-${(++planted).toString(36)}-${Math.random().toString(36).slice(2, 8)}`

/** Any JSON value whose strings, and object keys, are all planted markers. */
const plantedJson: FastCheck.Arbitrary<unknown> = FastCheck.letrec<{ value: unknown }>((tie) => ({
  value: FastCheck.oneof(
    { depthSize: "small", withCrossShrink: true },
    FastCheck.constant(null).map(() => plant()),
    FastCheck.integer(),
    FastCheck.boolean(),
    FastCheck.constant(null),
    FastCheck.array(tie("value"), { maxLength: 4 }),
    FastCheck.array(FastCheck.tuple(FastCheck.constant(null), tie("value")), { maxLength: 4 }).map((entries) =>
      Object.fromEntries(entries.map(([, value]) => [plant(), value]))
    )
  )
})).value

/** Bodies shaped like plex.tv's, with every value planted: wrong types where numbers belong, too. */
const shapedBodies = FastCheck.constant(null).map(() => {
  const s = plant()
  return [
    { id: s, uuid: plant(), username: plant(), email: plant(), authToken: plant(), subscription: { status: plant() } },
    { id: 1, uuid: 7, username: [plant()], authToken: { nested: plant() }, profile: plant() },
    { errors: [{ code: plant(), message: plant(), status: plant() }] },
    { errors: plant() },
    { id: plant(), code: plant(), authToken: plant(), expiresIn: plant() },
    { users: [{ id: plant(), uuid: plant(), title: 9 }] },
    [{ name: plant(), connections: [{ uri: plant(), port: plant() }] }],
    { nonce: [plant()] },
    { auth_token: plant() },
    { keys: [{ kty: plant(), x: 5 }] }
  ]
})

const plantedXml = FastCheck.constant(null).map(() =>
  `<?xml version="1.0"?><user id="${plant()}" authToken="${plant()}">` +
  `<errors><error code="${plant()}" message="${plant()}"/></errors>${plant()}</user>`
)
const plantedHtml = FastCheck.constant(null).map(() => `<html><body><h1>${plant()}</h1><p>${plant()}</p></body></html>`)

/** What a user prints of an error: none of it may quote a body. */
const printed = (error: unknown): ReadonlyArray<string> => {
  const e = error as { readonly message?: unknown; readonly _tag?: string }
  const texts = [String(error), String(e.message), Cause.pretty(Cause.fail(error))]
  // a success's body of the wrong shape is reduced to its paths: not even the fields keep a value
  if (e._tag === "PlexDecodeError") texts.push(JSON.stringify(error), inspect(error, { depth: 10 }))
  return texts
}

const assertNothingPlanted = (exit: Exit.Exit<unknown, unknown>) => {
  assertSuccessOrPlexError(exit)
  if (Exit.isSuccess(exit)) return
  for (const error of Cause.failures(exit.cause)) {
    for (const text of printed(error)) assert.notInclude(text, MARK)
  }
}

describe("decoding never echoes body values into errors", () => {
  it.effect.prop(
    "planted strings in any JSON body, at any status, never show up in a message",
    [FastCheck.nat(), statuses, plantedJson],
    ([call, status, value]) =>
      Effect.map(
        exitOf(call, { status, headers: jsonType, body: JSON.stringify(value) ?? "null" }),
        assertNothingPlanted
      ),
    { fastCheck: { numRuns: 150 } }
  )

  it.effect.prop(
    "planted strings in bodies shaped like plex.tv's, in XML and in HTML, never show up in a message",
    [FastCheck.nat(), statuses, shapedBodies, plantedXml, plantedHtml],
    ([call, status, shaped, xml, html]) =>
      Effect.gen(function*() {
        for (const body of shaped) {
          assertNothingPlanted(
            yield* exitOf(call, { status, headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
          )
        }
        assertNothingPlanted(yield* exitOf(call, { status, headers: { "content-type": "text/xml" }, body: xml }))
        assertNothingPlanted(yield* exitOf(call, { status, headers: { "content-type": "text/html" }, body: html }))
      }),
    { fastCheck: { numRuns: 40 } }
  )
})

// ---------------------------------------------------------------------------------------------
// Header values

const control = FastCheck.constantFrom(..."\r\n\t\u0000\u0001\u0007\u000b\u000c\u001b\u001f\u007f".split(""))
/** A string with at least one control character (CR, LF, NUL, …) somewhere in it. */
const withControl = FastCheck.tuple(FastCheck.string({ maxLength: 20 }), control, FastCheck.string({ maxLength: 20 }))
  .map(([before, c, after]) => `${before}${c}${after}`)

const clientFields = [
  "clientIdentifier",
  "product",
  "version",
  "platform",
  "platformVersion",
  "device",
  "model",
  "deviceVendor",
  "deviceName",
  "marketplace"
] as const

const decodeClient = Schema.decodeUnknownEither(PlexClientInfo)

describe("header values are never built from unchecked input", () => {
  it.effect.prop(
    "PlexClientInfo rejects a control character (CR, LF, …) in any field; PlexConfig names the field, not the value",
    [FastCheck.constantFrom(...clientFields), withControl],
    ([field, value]) =>
      Effect.gen(function*() {
        const reason = value.trim() === "" ? "empty" : "control characters"
        const result = decodeClient({ clientIdentifier: "ok-client", [field]: value })
        assert.isTrue(Either.isLeft(result), JSON.stringify(value))
        if (Either.isLeft(result)) assert.include(String(result.left.message), reason)
        const error = yield* Effect.flip(PlexConfig.make({ client: { clientIdentifier: "ok-client", [field]: value } }))
        const message = String(error)
        assert.include(message, `client.${field}`)
        assert.include(message, reason)
        if (value.length >= 6) assert.notInclude(message, value)
      })
  )

  it.prop("PlexClientInfo rejects empty and blank values", [
    FastCheck.constantFrom(...clientFields),
    FastCheck.constantFrom("", " ", "   ")
  ], ([field, value]) => {
    assert.isTrue(Either.isLeft(decodeClient({ clientIdentifier: "ok-client", [field]: value })))
  })

  it.effect.prop(
    "whatever PlexClientInfo accepts goes out as header values without a control character",
    [FastCheck.constantFrom(...clientFields), FastCheck.string({ unit: "binary", maxLength: 30 })],
    ([field, value]) =>
      Effect.gen(function*() {
        const info = { clientIdentifier: "ok-client", [field]: value }
        if (Either.isLeft(decodeClient(info))) return
        const seen: Array<Record<string, string>> = []
        const client = HttpClient.make((request) =>
          Effect.sync(() => {
            seen.push({ ...request.headers })
            return HttpClientResponse.fromWeb(request, new Response(null, { status: 204 }))
          })
        )
        const layer = PlexAuth.layer.pipe(
          Layer.provide(Layer.succeed(HttpClient.HttpClient, client)),
          Layer.provide(PlexConfig.layer({ client: info }))
        )
        yield* Effect.flatMap(PlexAuth, (auth) => auth.ping(OWNER_TOKEN)).pipe(Effect.provide(layer))
        assert.strictEqual(seen.length, 1)
        for (const header of Object.values(seen[0]!)) {
          assert.isFalse(/[\u0000-\u001f\u007f]/.test(header), JSON.stringify(header))
          assert.isFalse(/[^\u0000-\u00ff]/.test(header), "a header value must be bytes")
        }
      }),
    { fastCheck: { numRuns: 200 } }
  )

  it.prop(
    "PasswordCredentials rejects control characters and empty values, never quoting the password",
    [withControl, FastCheck.constantFrom("login", "password")],
    ([value, field]) => {
      const result = Schema.decodeUnknownEither(PasswordCredentials)({
        login: "fake-owner",
        password: "ok-password",
        [field]: value
      })
      assert.isTrue(Either.isLeft(result))
      if (Either.isLeft(result)) {
        // a login of blanks only is refused as empty first
        const reason = field === "login" && value.trim() === "" ? "empty" : "control characters"
        assert.include(String(result.left.message), reason)
        if (field === "password" && value.trim().length > 3) assert.notInclude(String(result.left.message), value)
      }
      assert.isTrue(
        Either.isLeft(Schema.decodeUnknownEither(PasswordCredentials)({ login: "fake-owner", password: "" }))
      )
      assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(PasswordCredentials)({ login: " ", password: "x" })))
    }
  )
})
