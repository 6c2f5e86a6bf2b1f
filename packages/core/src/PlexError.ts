/**
 * The typed failures of every plex.tv call. Each is a `Schema.TaggedError` whose fields and message
 * are safe to print: statuses, plex.tv's error codes and literal reasons, never a URL, a header, a
 * token or a value taken from a response body.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"

/**
 * One entry of the `errors` list that plex.tv sends with a failure (`{ code, message, status }`).
 * Every member is optional: plex.tv leaves out `status` at times, and the bare XML form
 * `<error>Invalid token</error>` has only a message.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { PlexApiError } from "@effect-plex/core"
 *
 * const entry = PlexApiError.make({ code: 1001, message: "User could not be authenticated", status: 401 })
 * console.log(entry.code) // 1001
 */
export class PlexApiError extends Schema.Class<PlexApiError>("@effect-plex/core/PlexApiError")({
  code: Schema.optional(Schema.Int),
  message: Schema.optional(Schema.String),
  status: Schema.optional(Schema.Int)
}) {}

const statusFields = { status: Schema.Int, errors: Schema.Array(PlexApiError) }

/**
 * The host that answered, as configured (`PlexConfig.baseUrl` or `clientsBaseUrl`): `"plex.tv"`,
 * `"clients.plex.tv"`, `"127.0.0.1:32400"`. Filled by the library on every status error it
 * builds; missing on errors built by hand, whose messages then say `plex.tv`.
 */
const hostField = { host: Schema.optional(Schema.String) }

const hostOf = (error: { readonly host?: string | undefined }): string => error.host ?? "plex.tv"

const describe = ({ errors, status }: { readonly status: number; readonly errors: ReadonlyArray<PlexApiError> }) => {
  const codes = errors.flatMap((error) => (error.code === undefined ? [] : [error.code]))
  return `HTTP ${status}${codes.length > 0 ? `, code ${codes.join(", ")}` : ""}`
}

/**
 * plex.tv answered 400: the request was malformed (code 1000 means the client identifier was
 * missing, which is a bug in the caller's configuration).
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { PlexBadRequestError } from "@effect-plex/core"
 *
 * const error = new PlexBadRequestError({ status: 400, errors: [] })
 * console.log(error.message) // "plex.tv rejected the request as malformed (HTTP 400)"
 */
export class PlexBadRequestError
  extends Schema.TaggedError<PlexBadRequestError>("@effect-plex/core/PlexBadRequestError")(
    "PlexBadRequestError",
    { ...statusFields, ...hostField }
  )
{
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `${hostOf(this)} rejected the request as malformed (${describe(this)})`
  }
}

/**
 * Why plex.tv refused a request, derived from its error code:
 * 1029 `VerificationRequired`, 1028 `InvalidVerificationCode`, 1031 `Throttled`, 1001
 * `InvalidCredentials` on sign-in and `InvalidToken` on token calls, 422 and 498 `InvalidToken`.
 * A 401 on a token call with plex.tv's error list but no known code is `InvalidToken` too
 * (plex.tv's rule: 401 means the token is invalid).
 *
 * `InvalidToken` is reported only when plex.tv itself said so (its JSON or XML error list, the
 * 422 `Invalid token` answer, or 498): discard the token then. A 401 or 422 **without** plex.tv's
 * error list (an HTML page of a proxy or a captive portal, an empty body) is `UnrecognizedAnswer`
 * (since 0.2.0): it says nothing about the credentials, so **keep the token**; whether and when to
 * try again is the caller's choice (it is not retried automatically).
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { PlexUnauthorizedReason } from "@effect-plex/core"
 * import * as Schema from "effect/Schema"
 *
 * console.log(Schema.is(PlexUnauthorizedReason)("Throttled")) // true
 */
export const PlexUnauthorizedReason = Schema.Literal(
  "InvalidCredentials",
  "VerificationRequired",
  "InvalidVerificationCode",
  "InvalidToken",
  "Throttled",
  "Unknown",
  "UnrecognizedAnswer"
)

/**
 * The type of {@link PlexUnauthorizedReason}.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import type { PlexUnauthorizedReason } from "@effect-plex/core"
 *
 * const reason: PlexUnauthorizedReason = "InvalidToken"
 * console.log(reason)
 */
export type PlexUnauthorizedReason = typeof PlexUnauthorizedReason.Type

/**
 * plex.tv refused the credentials or the token: HTTP 401, and the 422 "Invalid token" (revoked
 * token) and 498 (expired Plex JWT) answers. `reason` says what to do next: ask for a verification
 * code, ask for the password again, or discard the token.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { PlexUnauthorizedError } from "@effect-plex/core"
 *
 * const error = new PlexUnauthorizedError({ status: 401, errors: [], reason: "VerificationRequired" })
 * console.log(error.message) // "plex.tv refused the request: VerificationRequired (HTTP 401)"
 */
export class PlexUnauthorizedError
  extends Schema.TaggedError<PlexUnauthorizedError>("@effect-plex/core/PlexUnauthorizedError")(
    "PlexUnauthorizedError",
    { ...statusFields, reason: PlexUnauthorizedReason, ...hostField }
  )
{
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `${hostOf(this)} refused the request: ${this.reason} (${describe(this)})`
  }
}

/**
 * plex.tv answered 429. `retryAfter` holds the wait its `Retry-After` header asked for, when it sent
 * one (seconds or an HTTP date).
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { PlexRateLimitError } from "@effect-plex/core"
 * import * as Duration from "effect/Duration"
 * import * as Option from "effect/Option"
 *
 * const error = new PlexRateLimitError({ retryAfter: Option.some(Duration.seconds(2)) })
 * console.log(error.message) // "rate limited by plex.tv, retry after 2s"
 */
export class PlexRateLimitError
  extends Schema.TaggedError<PlexRateLimitError>("@effect-plex/core/PlexRateLimitError")("PlexRateLimitError", {
    retryAfter: Schema.OptionFromSelf(Schema.DurationFromSelf),
    ...hostField
  })
{
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return this.retryAfter._tag === "Some"
      ? `rate limited by ${hostOf(this)}, retry after ${Duration.format(this.retryAfter.value)}`
      : `rate limited by ${hostOf(this)}`
  }
}

/**
 * Any other status that is not a success (500, 502, 503, 504, 404, …). 502, 503 and 504, which the
 * proxies in front of plex.tv send during outages, are retryable.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { PlexHttpError } from "@effect-plex/core"
 *
 * const error = new PlexHttpError({ status: 503, errors: [] })
 * console.log(error.message) // "unexpected answer from plex.tv (HTTP 503)"
 */
export class PlexHttpError extends Schema.TaggedError<PlexHttpError>("@effect-plex/core/PlexHttpError")(
  "PlexHttpError",
  {
    ...statusFields,
    ...hostField,
    /**
     * For a redirect (3xx), which is never followed: the host it pointed to (such as
     * `"evil.example:8443"`), never its path or query. Absent when the redirect named no valid URL.
     */
    redirectHost: Schema.optional(Schema.String)
  }
) {
  /**
   * @since 0.1.0
   */
  override get message(): string {
    const redirect = this.status >= 300 && this.status < 400
      ? `, a redirect${this.redirectHost === undefined ? "" : ` to ${this.redirectHost}`}, not followed`
      : ""
    return `unexpected answer from ${hostOf(this)} (${describe(this)}${redirect})`
  }
}

/**
 * The kinds of {@link PlexTransportError}.
 *
 * @since 0.2.0
 * @category errors
 * @example
 * import { PlexTransportKind } from "@effect-plex/core"
 *
 * console.log(PlexTransportKind.literals) // ["Refused", "Dns", "Unreachable", "Tls", "Reset", "BodyCutOff", "Other"]
 */
export const PlexTransportKind = Schema.Literal("Refused", "Dns", "Unreachable", "Tls", "Reset", "BodyCutOff", "Other")

/**
 * A kind of {@link PlexTransportError}.
 *
 * @since 0.2.0
 * @category errors
 * @example
 * import type { PlexTransportKind } from "@effect-plex/core"
 *
 * const kind: PlexTransportKind = "Refused"
 * console.log(kind)
 */
export type PlexTransportKind = typeof PlexTransportKind.Type

/**
 * No response at all: the connection was refused or reset, the name did not resolve, TLS failed.
 * `reason` is the platform's reason literal and, when known, the system error code
 * (`"Transport (ECONNREFUSED)"`); it never holds a URL or a header.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { PlexTransportError } from "@effect-plex/core"
 *
 * const error = new PlexTransportError({ reason: "Transport (ECONNRESET)" })
 * console.log(error.message) // "could not reach plex.tv: Transport (ECONNRESET)"
 */
export class PlexTransportError
  extends Schema.TaggedError<PlexTransportError>("@effect-plex/core/PlexTransportError")("PlexTransportError", {
    reason: Schema.String,
    /**
     * What went wrong, as a fact to decide on (never parse `reason`): `Refused` (nothing listens),
     * `Dns` (the name did not resolve), `Unreachable` (no route), `Tls`, `Reset` (the connection
     * broke), `BodyCutOff` (it broke while the body was read), `Other`.
     */
    kind: Schema.optionalWith(PlexTransportKind, { default: () => "Other" as const }),
    /**
     * Whether the request may have reached the server. `false` only when it surely did not
     * (refused, not resolved, unreachable, TLS failed): then even a non-idempotent call is safe to send again.
     */
    sent: Schema.optionalWith(Schema.Boolean, { default: () => true }),
    ...hostField
  })
{
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `could not reach ${hostOf(this)}: ${this.reason}`
  }
}

/**
 * plex.tv did not answer, body included, within the per-attempt timeout.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { PlexTimeoutError } from "@effect-plex/core"
 * import * as Duration from "effect/Duration"
 *
 * const error = new PlexTimeoutError({ timeout: Duration.seconds(10) })
 * console.log(error.message) // "plex.tv did not answer within 10s"
 */
export class PlexTimeoutError
  extends Schema.TaggedError<PlexTimeoutError>("@effect-plex/core/PlexTimeoutError")("PlexTimeoutError", {
    timeout: Schema.DurationFromSelf,
    ...hostField
  })
{
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `${hostOf(this)} did not answer within ${Duration.format(this.timeout)}`
  }
}

/**
 * A success status whose body is not the documented shape: not JSON (an HTML or XML page), or JSON
 * with a required field missing or of the wrong type. `paths` names the failing places
 * (`"authToken"`, `"subscription.active"`, `"(body)"`), never a value from the body.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { PlexDecodeError } from "@effect-plex/core"
 *
 * const error = new PlexDecodeError({ paths: ["authToken"] })
 * console.log(error.message) // "unexpected response shape from plex.tv at authToken"
 */
export class PlexDecodeError
  extends Schema.TaggedError<PlexDecodeError>("@effect-plex/core/PlexDecodeError")("PlexDecodeError", {
    ...hostField,
    paths: Schema.Array(Schema.String),
    /**
     * `TooLarge`: the body (counted after any decompression) passed `PlexConfig.maxBodySize` and was
     * not read further. `TooComplex`: a JSON body nested deeper, or with more members in one object
     * or array, than any plex.tv answer (see the README), refused before parsing it.
     */
    reason: Schema.optional(Schema.Literal("TooLarge", "TooComplex"))
  })
{
  /**
   * @since 0.1.0
   */
  override get message(): string {
    switch (this.reason) {
      case "TooLarge":
        return `the response from ${hostOf(this)} is larger than the configured limit`
      case "TooComplex":
        return `the response from ${hostOf(this)} is nested too deeply or holds too many members to decode`
      default:
        return `unexpected response shape from ${hostOf(this)} at ${this.paths.join(", ")}`
    }
  }
}

/**
 * The PIN is unknown or has expired (404, code 1020), or its `expiresAt` passed while waiting:
 * create a new PIN.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { PlexPinExpiredError } from "@effect-plex/core"
 *
 * const error = new PlexPinExpiredError({ pinId: 900000001 })
 * console.log(error.message) // "PIN 900000001 expired or is unknown: create a new one"
 */
export class PlexPinExpiredError
  extends Schema.TaggedError<PlexPinExpiredError>("@effect-plex/core/PlexPinExpiredError")("PlexPinExpiredError", {
    pinId: Schema.Int
  })
{
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `PIN ${this.pinId} expired or is unknown: create a new one`
  }
}

/**
 * Switching to a protected Home user needs that user's Home PIN, and it was missing or wrong
 * (403, code 1041).
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { PlexHomePinRequiredError } from "@effect-plex/core"
 *
 * const error = new PlexHomePinRequiredError({ status: 403, errors: [] })
 * console.log(error.message) // "a valid Home PIN is required to switch to this user (HTTP 403)"
 */
export class PlexHomePinRequiredError
  extends Schema.TaggedError<PlexHomePinRequiredError>("@effect-plex/core/PlexHomePinRequiredError")(
    "PlexHomePinRequiredError",
    statusFields
  )
{
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `a valid Home PIN is required to switch to this user (${describe(this)})`
  }
}

/**
 * Why plex.tv refused a device key or a device JWT.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { PlexJwtRejectedReason } from "@effect-plex/core"
 * import * as Schema from "effect/Schema"
 *
 * console.log(Schema.is(PlexJwtRejectedReason)("InvalidSignature")) // true
 */
export const PlexJwtRejectedReason = Schema.Literal(
  "InvalidSignature",
  "KeyInUse",
  "InvalidNonce",
  "Unknown"
)

/**
 * The type of {@link PlexJwtRejectedReason}.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import type { PlexJwtRejectedReason } from "@effect-plex/core"
 *
 * const reason: PlexJwtRejectedReason = "KeyInUse"
 * console.log(reason)
 */
export type PlexJwtRejectedReason = typeof PlexJwtRejectedReason.Type

/**
 * plex.tv refused a device key or a device JWT (422): the signature did not verify against the
 * registered key (`InvalidSignature`: register the key again), the key is registered to another
 * device (`KeyInUse`: make a new key), or the nonce was stale or reused (`InvalidNonce`).
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { PlexJwtRejectedError } from "@effect-plex/core"
 *
 * const error = new PlexJwtRejectedError({ status: 422, errors: [], reason: "InvalidSignature" })
 * console.log(error.message) // "plex.tv rejected the device key or JWT: InvalidSignature (HTTP 422)"
 */
export class PlexJwtRejectedError
  extends Schema.TaggedError<PlexJwtRejectedError>("@effect-plex/core/PlexJwtRejectedError")(
    "PlexJwtRejectedError",
    { ...statusFields, reason: PlexJwtRejectedReason, ...hostField }
  )
{
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `${hostOf(this)} rejected the device key or JWT: ${this.reason} (${describe(this)})`
  }
}

/**
 * The key store could not read or write the device key. `reason` never holds key material.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { PlexKeyStoreError } from "@effect-plex/core"
 *
 * const error = new PlexKeyStoreError({ operation: "save", reason: "EACCES" })
 * console.log(error.message) // "could not save the device key: EACCES"
 */
export class PlexKeyStoreError
  extends Schema.TaggedError<PlexKeyStoreError>("@effect-plex/core/PlexKeyStoreError")("PlexKeyStoreError", {
    operation: Schema.Literal("load", "save", "clear"),
    reason: Schema.String
  })
{
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `could not ${this.operation} the device key: ${this.reason}`
  }
}

/**
 * A value the caller passed was refused before anything was sent: a token or header value with
 * characters HTTP cannot carry (CR, LF, NUL, a lone surrogate), a PIN id that is not a positive
 * integer, and the like. Never retried: the same value can never work. `argument` names the
 * parameter (`"token"`, `"pinId"`, `"uuid"`, …) and `reason` says what is wrong, never the value.
 * A refused `token` can never be valid: discard it, as for `PlexUnauthorizedError` with reason
 * `InvalidToken` (`PlexError.isInvalidToken` tells both apart from every other failure).
 *
 * @since 0.2.0
 * @category errors
 * @example
 * import { PlexInvalidInputError } from "@effect-plex/core"
 *
 * const error = new PlexInvalidInputError({ argument: "token", reason: "contains a line break" })
 * console.log(error.message) // "invalid token: contains a line break (nothing was sent)"
 */
export class PlexInvalidInputError
  extends Schema.TaggedError<PlexInvalidInputError>("@effect-plex/core/PlexInvalidInputError")(
    "PlexInvalidInputError",
    { argument: Schema.String, reason: Schema.String }
  )
{
  /**
   * @since 0.2.0
   */
  override get message(): string {
    return `invalid ${this.argument}: ${this.reason} (nothing was sent)`
  }
}

/**
 * Why one connection of a resource was not taken by `PlexResources.connect`:
 *
 * - `Skipped`: a `local` connection of a server the caller does not own (not probed);
 * - `Timeout`: no answer, body included, within the probe's timeout;
 * - `Refused`, `Dns`, `Unreachable`, `Tls`, `Reset`: the transport failed (nothing listens, the
 *   name did not resolve, no route, the TLS handshake or certificate failed, the connection broke);
 * - `WrongMachine`: the server answered with another `machineIdentifier` (a stale address now used
 *   by another server);
 * - `HttpStatus`: an answer other than 200 (`status` holds it; a redirect is never followed);
 * - `Unrecognized`: a 200 whose body is not a server's identity (or is larger than a few KiB);
 * - `Other`: any other transport failure.
 *
 * @since 0.2.0
 * @category models
 * @example
 * import { PlexConnectionFailureReason } from "@effect-plex/core"
 * import * as Schema from "effect/Schema"
 *
 * console.log(Schema.is(PlexConnectionFailureReason)("WrongMachine")) // true
 */
export const PlexConnectionFailureReason = Schema.Literal(
  "Skipped",
  "Timeout",
  "Refused",
  "Dns",
  "Unreachable",
  "Tls",
  "Reset",
  "WrongMachine",
  "HttpStatus",
  "Unrecognized",
  "Other"
)

/**
 * The type of {@link PlexConnectionFailureReason}.
 *
 * @since 0.2.0
 * @category models
 * @example
 * import type { PlexConnectionFailureReason } from "@effect-plex/core"
 *
 * const reason: PlexConnectionFailureReason = "Timeout"
 * console.log(reason)
 */
export type PlexConnectionFailureReason = typeof PlexConnectionFailureReason.Type

/**
 * Why one connection failed, named by its index in `resource.connections` and its kind, never by
 * its URI or token.
 *
 * @since 0.2.0
 * @category models
 * @example
 * import { PlexConnectionFailure } from "@effect-plex/core"
 *
 * const failure = PlexConnectionFailure.make({ index: 0, kind: "local", protocol: "http", reason: "Refused" })
 * console.log(failure.index) // 0
 */
export class PlexConnectionFailure
  extends Schema.Class<PlexConnectionFailure>("@effect-plex/core/PlexConnectionFailure")({
    index: Schema.Int,
    kind: Schema.Literal("local", "remote", "relay"),
    protocol: Schema.Literal("http", "https"),
    reason: PlexConnectionFailureReason,
    /** The HTTP status, for `HttpStatus`. */
    status: Schema.optional(Schema.Int)
  })
{}

const failureText = (failure: PlexConnectionFailure): string =>
  `#${failure.index} (${failure.kind}, ${failure.protocol}) ${
    failure.reason === "HttpStatus" && failure.status !== undefined ? `HTTP ${failure.status}` : failure.reason
  }`

const transientConnectReasons: ReadonlySet<string> = new Set([
  "Timeout",
  "Refused",
  "Dns",
  "Unreachable",
  "Reset",
  "Other"
])
const transientConnectStatuses: ReadonlySet<number> = new Set([429, 502, 503, 504])

/**
 * `PlexResources.connect` found no connection of a resource that answered as that server: every
 * one failed or was skipped. `failures` says why, per connection (by index and kind, in the order of
 * `resource.connections`); it is empty when the resource lists no connection at all.
 *
 * Retryable (`PlexError.isRetryable`) when at least one connection failed for a reason that may
 * mend by itself: a timeout, a refused, unresolved, unreachable or broken connection, or an HTTP
 * 429/502/503/504. Not when every failure was decided on purpose: skipped, TLS, another machine,
 * another status (401: the server refused the token), an unrecognized answer.
 *
 * @since 0.2.0
 * @category errors
 * @example
 * import { PlexConnectError, PlexConnectionFailure } from "@effect-plex/core"
 *
 * const error = new PlexConnectError({
 *   server: "Living Room",
 *   clientIdentifier: "0123456789abcdef",
 *   failures: [PlexConnectionFailure.make({ index: 0, kind: "local", protocol: "http", reason: "Timeout" })]
 * })
 * console.log(error.message) // "no connection of Living Room answered: #0 (local, http) Timeout"
 */
export class PlexConnectError
  extends Schema.TaggedError<PlexConnectError>("@effect-plex/core/PlexConnectError")("PlexConnectError", {
    /** The resource's `name`. */
    server: Schema.String,
    /** The resource's `clientIdentifier` (its machine identifier). */
    clientIdentifier: Schema.String,
    failures: Schema.Array(PlexConnectionFailure)
  })
{
  /**
   * @since 0.2.0
   */
  override get message(): string {
    return this.failures.length === 0
      ? `${this.server} lists no connection`
      : `no connection of ${this.server} answered: ${this.failures.map(failureText).join("; ")}`
  }

  /**
   * Whether some connection failed for a reason that may mend by itself (see the class).
   *
   * @since 0.2.0
   */
  get transient(): boolean {
    return this.failures.some((failure) =>
      transientConnectReasons.has(failure.reason) ||
      (failure.reason === "HttpStatus" && failure.status !== undefined && transientConnectStatuses.has(failure.status))
    )
  }
}

/**
 * What a `PlexAuth` call can fail with.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import type { PlexAuthError } from "@effect-plex/core"
 *
 * const tag = (error: PlexAuthError) => error._tag
 * console.log(tag)
 */
export type PlexAuthError =
  | PlexBadRequestError
  | PlexUnauthorizedError
  | PlexRateLimitError
  | PlexHttpError
  | PlexTransportError
  | PlexTimeoutError
  | PlexDecodeError
  | PlexInvalidInputError

/**
 * Every failure a plex.tv call can end in.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { PlexError } from "@effect-plex/core"
 *
 * const describe = (error: PlexError) => `${error._tag}: ${error.message}`
 * console.log(describe)
 */
export type PlexError =
  | PlexAuthError
  | PlexPinExpiredError
  | PlexHomePinRequiredError
  | PlexJwtRejectedError
  | PlexKeyStoreError
  | PlexConnectError

const retryableStatuses: ReadonlySet<number> = new Set([502, 503, 504])

/** Whether each kind of failure is worth another try of an idempotent call: one row per tag. */
const retryable: { readonly [Tag in PlexError["_tag"]]: (error: Extract<PlexError, { _tag: Tag }>) => boolean } = {
  PlexTransportError: () => true,
  PlexTimeoutError: () => true,
  PlexRateLimitError: () => true,
  PlexHttpError: (error) => retryableStatuses.has(error.status),
  PlexBadRequestError: () => false,
  PlexUnauthorizedError: () => false,
  PlexDecodeError: () => false,
  PlexPinExpiredError: () => false,
  PlexHomePinRequiredError: () => false,
  PlexJwtRejectedError: () => false,
  PlexKeyStoreError: () => false,
  PlexInvalidInputError: () => false,
  PlexConnectError: (error) => error.transient
}

/**
 * Helpers for {@link PlexError}.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import { PlexAuth, PlexError } from "@effect-plex/core"
 * import * as Effect from "effect/Effect"
 * import * as Redacted from "effect/Redacted"
 *
 * // your own retry policy on top of (or instead of) the default one
 * const program = Effect.flatMap(PlexAuth, (auth) => auth.getTokenDetails(Redacted.make("token"))).pipe(
 *   Effect.retry({ while: PlexError.isRetryable, times: 2 })
 * )
 */
export const PlexError = {
  /**
   * True for a failure worth another try of an idempotent call: no response, a timeout, 429, and
   * 502/503/504. False for everything plex.tv decided on purpose.
   */
  isRetryable: (error: PlexError): boolean => {
    // an error of an endpoint's own rules (see PlexEndpoint) is never retried automatically
    const rule =
      Predicate.hasProperty(error, "_tag") && typeof error._tag === "string" && Object.hasOwn(retryable, error._tag)
        ? retryable[error._tag] as (error: PlexError) => boolean
        : undefined
    return rule !== undefined && rule(error)
  },
  /**
   * True when the token itself is dead and should be discarded: plex.tv called it invalid
   * (`PlexUnauthorizedError` with reason `InvalidToken`), or it was refused before sending because
   * it can never be sent (`PlexInvalidInputError` for the `token`). Every other failure (5xx, a
   * timeout, no network, a rate limit, a 401 that was not plex.tv's answer: reason
   * `UnrecognizedAnswer`) says nothing about the token: keep it.
   */
  isInvalidToken: (error: PlexError): boolean =>
    (error._tag === "PlexUnauthorizedError" && error.reason === "InvalidToken") ||
    (error._tag === "PlexInvalidInputError" && error.argument === "token"),
  /** True for any error of this library, whatever the call. */
  is: (u: unknown): u is PlexError =>
    Predicate.hasProperty(u, "_tag") && typeof u._tag === "string" && Object.hasOwn(retryable, u._tag)
}
