import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import {
  PlexApiError,
  PlexBadRequestError,
  PlexConnectError,
  PlexConnectionFailure,
  PlexConnectionFailureReason,
  PlexDecodeError,
  PlexError,
  PlexHomePinRequiredError,
  PlexHttpError,
  PlexInvalidInputError,
  PlexJwtRejectedError,
  PlexJwtRejectedReason,
  PlexKeyStoreError,
  PlexPinExpiredError,
  PlexRateLimitError,
  PlexTimeoutError,
  PlexTransportError,
  PlexUnauthorizedError,
  PlexUnauthorizedReason
} from "@effect-plex/core"
import { emptyResponse, getTokenDetails, scripted } from "./utils.js"

const status = FastCheck.integer({ min: 100, max: 599 })
const apiErrors = FastCheck.array(
  FastCheck.record({ code: FastCheck.integer(), message: FastCheck.string().map((m) => `MSG-${m}`), status }, {
    requiredKeys: []
  })
    .map((fields) => PlexApiError.make(fields)),
  { maxLength: 3 }
)
const duration = FastCheck.integer({ min: 0, max: 600_000 }).map(Duration.millis)
const literal = <A extends string>(schema: Schema.Schema<A>) => Schema.is(schema)

/** One arbitrary per tag: the record type makes the list complete. */
const arbitraries: { readonly [Tag in PlexError["_tag"]]: FastCheck.Arbitrary<Extract<PlexError, { _tag: Tag }>> } = {
  PlexBadRequestError: FastCheck.record({ status, errors: apiErrors }).map((f) => new PlexBadRequestError(f)),
  PlexUnauthorizedError: FastCheck.record({
    status,
    errors: apiErrors,
    reason: FastCheck.constantFrom(...PlexUnauthorizedReason.literals)
  }).map((f) => new PlexUnauthorizedError(f)),
  PlexRateLimitError: FastCheck.option(duration, { nil: undefined }).map((d) =>
    new PlexRateLimitError({ retryAfter: Option.fromNullable(d) })
  ),
  PlexHttpError: FastCheck.record({ status, errors: apiErrors }).map((f) => new PlexHttpError(f)),
  PlexTransportError: FastCheck.string().map((reason) => new PlexTransportError({ reason })),
  PlexTimeoutError: duration.map((timeout) => new PlexTimeoutError({ timeout })),
  PlexDecodeError: FastCheck.array(FastCheck.string()).map((paths) => new PlexDecodeError({ paths })),
  PlexPinExpiredError: FastCheck.integer({ min: 1 }).map((pinId) => new PlexPinExpiredError({ pinId })),
  PlexHomePinRequiredError: FastCheck.record({ status, errors: apiErrors }).map((f) => new PlexHomePinRequiredError(f)),
  PlexJwtRejectedError: FastCheck.record({
    status,
    errors: apiErrors,
    reason: FastCheck.constantFrom(...PlexJwtRejectedReason.literals)
  }).map((f) => new PlexJwtRejectedError(f)),
  PlexKeyStoreError: FastCheck.record({
    operation: FastCheck.constantFrom("load" as const, "save" as const, "clear" as const),
    reason: FastCheck.string()
  }).map((f) => new PlexKeyStoreError(f)),
  PlexInvalidInputError: FastCheck.record({ argument: FastCheck.string(), reason: FastCheck.string() })
    .map((f) => new PlexInvalidInputError(f)),
  PlexConnectError: FastCheck.array(
    FastCheck.record({
      index: FastCheck.nat(20),
      kind: FastCheck.constantFrom("local" as const, "remote" as const, "relay" as const),
      protocol: FastCheck.constantFrom("http" as const, "https" as const),
      reason: FastCheck.constantFrom(...PlexConnectionFailureReason.literals),
      status
    }).map(({ status, ...f }) => PlexConnectionFailure.make(f.reason === "HttpStatus" ? { ...f, status } : f)),
    { maxLength: 4 }
  ).map((failures) => new PlexConnectError({ server: "srv", clientIdentifier: "id", failures }))
}

const anyPlexError: FastCheck.Arbitrary<PlexError> = FastCheck.oneof(
  ...(Object.values(arbitraries) as Array<FastCheck.Arbitrary<PlexError>>)
)

/** plex-tv-api.md §4.3: only failures that say nothing about the request are worth another try. */
const expectedRetryable = (error: PlexError): boolean => {
  switch (error._tag) {
    case "PlexTransportError":
    case "PlexTimeoutError":
    case "PlexRateLimitError":
      return true
    case "PlexHttpError":
      return error.status === 502 || error.status === 503 || error.status === 504
    case "PlexConnectError": // some connection failed for a reason that may mend by itself
      return error.failures.some((f) =>
        ["Timeout", "Refused", "Dns", "Unreachable", "Reset", "Other"].includes(f.reason) ||
        (f.reason === "HttpStatus" && [429, 502, 503, 504].includes(f.status ?? 0))
      )
    default:
      return false
  }
}

describe("PlexError.isRetryable", () => {
  it.prop("follows the classification table for every tag and status", [anyPlexError], ([error]) => {
    assert.strictEqual(PlexError.isRetryable(error), expectedRetryable(error), `${error._tag} ${JSON.stringify(error)}`)
  })

  it("retries 502, 503 and 504 among HTTP errors, and no other status", () => {
    const retryable = Array.from({ length: 500 }, (_, i) => i + 100).filter((status) =>
      PlexError.isRetryable(new PlexHttpError({ status, errors: [] }))
    )
    assert.deepStrictEqual(retryable, [502, 503, 504])
  })

  const interesting = [300, 304, 400, 401, 403, 404, 408, 409, 422, 425, 429, 451, 498, 499, 500, 501, 502, 503, 504]

  it.effect("a status from plex.tv is retryable exactly when it is 429, 502, 503 or 504", () =>
    Effect.gen(function*() {
      const sample = FastCheck.sample(FastCheck.integer({ min: 300, max: 599 }), 30)
      const codes = [...new Set([...interesting, 505, 599, ...sample])]
      for (const code of codes) {
        // retries are off, so nothing waits for the clock
        const http = scripted(() => emptyResponse(code))
        const error = yield* Effect.flip(Effect.provide(getTokenDetails("token"), http.layer({ retry: { times: 0 } })))
        assert.isTrue(PlexError.is(error), `status ${code}`)
        const retryable = PlexError.is(error) && PlexError.isRetryable(error)
        assert.strictEqual(retryable, [429, 502, 503, 504].includes(code), `status ${code}`)
      }
    }))
})

describe("PlexError.is", () => {
  it.prop("is true for every error of the library", [anyPlexError], ([error]) => {
    assert.isTrue(PlexError.is(error))
  })

  it.prop(
    "is false for values without a library tag",
    [FastCheck.anything().filter((u) => !(typeof u === "object" && u !== null && "_tag" in u))],
    ([u]) => {
      assert.isFalse(PlexError.is(u))
    }
  )

  it("is false for other errors, look-alike tags and inherited names", () => {
    const request = HttpClientRequest.get("https://plex.tv/api/v2/user")
    const others: ReadonlyArray<unknown> = [
      new HttpClientError.RequestError({ request, reason: "Transport" }),
      new ParseResult.ParseError({ issue: new ParseResult.Type(Schema.String.ast, 1) }),
      new Cause.TimeoutException(),
      new Cause.UnknownException("x"),
      new Error("PlexHttpError"),
      { _tag: "PlexError" },
      { _tag: "toString" },
      { _tag: "constructor" },
      { _tag: "__proto__" },
      { _tag: 1 },
      "PlexHttpError",
      null,
      undefined
    ]
    for (const value of others) assert.isFalse(PlexError.is(value), String(value))
  })

  it("narrows unknown failures for callers", () => {
    const error: unknown = new PlexHttpError({ status: 503, errors: [] })
    if (!PlexError.is(error)) return assert.fail("not recognised")
    assert.isTrue(PlexError.isRetryable(error))
    assert.isTrue(literal(PlexUnauthorizedReason)("InvalidToken"))
  })
})

describe("messages", () => {
  it.prop("name the status and the codes, never the messages plex.tv sent", [anyPlexError], ([error]) => {
    assert.isString(error.message)
    if ("errors" in error && "status" in error) {
      assert.include(error.message, `HTTP ${error.status}`)
      for (const entry of error.errors) {
        if (entry.code !== undefined) assert.include(error.message, String(entry.code))
      }
    }
    assert.notInclude(error.message, "MSG-")
  })
})
