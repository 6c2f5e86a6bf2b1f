import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import {
  type PlexApiError,
  PlexBadRequestError,
  PlexDecodeError,
  PlexHomePinRequiredError,
  PlexHttpError,
  PlexJwtRejectedError,
  PlexPinExpiredError,
  PlexRateLimitError,
  type PlexTransportError,
  PlexUnauthorizedError,
  type PlexUnauthorizedReason
} from "../PlexError.js"
import { discard, dropBody, readErrorBody, readText } from "./body.js"
import { bodyKind, parseErrors } from "./errorBody.js"
import { issuePaths } from "./issues.js"
import { parseJson, tooComplex } from "./json.js"
import type { Secrets } from "./secrets.js"

export { issuePaths } from "./issues.js"

/**
 * A response turned into a value or a tagged error: the status picks the error (with the rules of
 * the kind of call that answered), a success body is decoded with its schema.
 */

/**
 * Which kind of call answered, for the statuses whose meaning depends on it: 1001 is a wrong
 * password on sign-in but a bad token elsewhere; 404 on a PIN means it expired; 422 means a revoked
 * token on token calls but a refused key or JWT on the JWT endpoints.
 */
export type Call = "signIn" | "token" | "home" | "jwtKey" | "jwtExchange" | { readonly pin: number }

/** The status errors any call can end in. */
export type CommonStatusError = PlexBadRequestError | PlexUnauthorizedError | PlexRateLimitError | PlexHttpError

/** The status errors a kind of call can end in: the common ones plus its own. */
export type StatusErrorOf<C extends Call> =
  | CommonStatusError
  | (C extends { readonly pin: number } ? PlexPinExpiredError : never)
  | (C extends "home" ? PlexHomePinRequiredError : never)
  | (C extends "jwtKey" | "jwtExchange" ? PlexJwtRejectedError : never)

export const unauthorizedReason = (call: Call, errors: ReadonlyArray<PlexApiError>): PlexUnauthorizedReason => {
  for (const { code } of errors) {
    switch (code) {
      case 1029:
        return "VerificationRequired"
      case 1028:
        return "InvalidVerificationCode"
      case 1031:
        return "Throttled"
      case 1001:
        return call === "signIn" ? "InvalidCredentials" : "InvalidToken"
    }
  }
  // Plex's rule for a token call: 401 means the token is invalid, whatever the body (or none) says
  return call === "token" ? "InvalidToken" : "Unknown"
}

/**
 * `Retry-After` as seconds or an HTTP date, relative to `now`; never negative, never longer than
 * `max` (a hostile `Retry-After: 99999999999` must not lock the client out for millennia).
 */
export const parseRetryAfter = (
  value: string | undefined,
  now: number,
  max: number = Number.POSITIVE_INFINITY
): Option.Option<Duration.Duration> => {
  if (value === undefined) return Option.none()
  const trimmed = value.trim()
  if (trimmed.length > 64) return Option.none()
  const cap = (millis: number) => Option.some(Duration.millis(Math.min(Math.max(0, millis), max)))
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    const seconds = Number(trimmed)
    return Number.isFinite(seconds) ? cap(seconds * 1000) : cap(max)
  }
  const date = Date.parse(trimmed)
  if (Number.isNaN(date)) return Option.none()
  return cap(date - now)
}

/** Turns a failure status into its tagged error, reading the `errors` list leniently. */
export type StatusError =
  | PlexBadRequestError
  | PlexUnauthorizedError
  | PlexRateLimitError
  | PlexHttpError
  | PlexPinExpiredError
  | PlexHomePinRequiredError
  | PlexJwtRejectedError

const hasCode = (errors: ReadonlyArray<PlexApiError>, code: number) => errors.some((error) => error.code === code)

const revokedToken = (errors: ReadonlyArray<PlexApiError>) =>
  errors.some((error) => error.code === undefined && /^\s*invalid token\s*$/i.test(error.message ?? ""))

const jwtReason = (call: Call, errors: ReadonlyArray<PlexApiError>): PlexJwtRejectedError["reason"] => {
  if (errors.some((error) => /nonce/i.test(error.message ?? ""))) return "InvalidNonce"
  if (call === "jwtKey") return "KeyInUse"
  return call === "jwtExchange" ? "InvalidSignature" : "Unknown"
}

/** The host a redirect points to (`host:port`), never its path, query or credentials. */
const redirectHost = (response: HttpClientResponse.HttpClientResponse): string | undefined => {
  const location = response.headers["location"]
  if (location === undefined || location.length > 8 * 1024) return undefined
  try {
    const host = new URL(location, response.request.url).host
    return host === "" ? undefined : host
  } catch {
    return undefined
  }
}

/** What the response handling needs to know of the call beyond its kind. */
export interface ResponseOptions {
  /** `PlexConfig.maxBodySize`. */
  readonly limit: number
  /** The longest `Retry-After` honoured, in millis. */
  readonly maxRetryAfter: number
  /** The request's secrets, redacted from anything kept of the answer. */
  readonly secrets: Secrets
}

export const statusError = <C extends Call>(
  call: C,
  response: HttpClientResponse.HttpClientResponse,
  options: ResponseOptions
): Effect.Effect<never, StatusErrorOf<C>> => {
  const status = response.status
  // a redirect is never followed: the token must not go to another host, and its answer is not
  // plex.tv's. Its body is not read.
  if (status >= 300 && status < 400 || status === 0) {
    const host = redirectHost(response)
    return Effect.zipRight(
      discard(response),
      Effect.fail(new PlexHttpError({ status, errors: [], ...(host === undefined ? {} : { redirectHost: host }) }))
    ) as Effect.Effect<never, StatusErrorOf<C>>
  }
  // the call decides which errors can occur (a PIN error only for PIN calls, …): see StatusErrorOf
  return Effect.flatMap(
    readErrorBody(response),
    (text): Effect.Effect<never, StatusError> => {
      const errors = parseErrors(response.headers["content-type"], text, options.secrets)
      switch (status) {
        case 400:
          return Effect.fail(new PlexBadRequestError({ status, errors }))
        case 401:
          return Effect.fail(new PlexUnauthorizedError({ status, errors, reason: unauthorizedReason(call, errors) }))
        case 403:
          return Effect.fail(
            call === "home" && hasCode(errors, 1041)
              ? new PlexHomePinRequiredError({ status, errors })
              : new PlexHttpError({ status, errors })
          )
        case 404:
          return Effect.fail(
            typeof call === "object"
              ? new PlexPinExpiredError({ pinId: call.pin })
              : new PlexHttpError({ status, errors })
          )
        case 422:
          // a revoked token answers 422 "Invalid token" on any call, the JWT endpoints included
          return Effect.fail(
            (call === "jwtKey" || call === "jwtExchange") && !revokedToken(errors)
              ? new PlexJwtRejectedError({ status, errors, reason: jwtReason(call, errors) })
              : new PlexUnauthorizedError({
                status,
                errors,
                reason: call === "signIn" ? unauthorizedReason(call, errors) : "InvalidToken"
              })
          )
        case 498:
          return Effect.fail(new PlexUnauthorizedError({ status, errors, reason: "InvalidToken" }))
        case 429:
          return Effect.map(Clock.currentTimeMillis, (now) =>
            new PlexRateLimitError({
              retryAfter: parseRetryAfter(response.headers["retry-after"], now, options.maxRetryAfter)
            })).pipe(Effect.flip)
        default:
          return Effect.fail(new PlexHttpError({ status, errors }))
      }
    }
  ) as Effect.Effect<never, StatusErrorOf<C>>
}

/**
 * A decoder for the body of a success, compiled once: JSON only (an HTML or XML body is a
 * `PlexDecodeError` at `(body)`), decode failures reduced to their paths.
 */
export type Decoder<A> = (
  response: HttpClientResponse.HttpClientResponse,
  limit: number
) => Effect.Effect<A, PlexDecodeError | PlexTransportError>

const notJson = new PlexDecodeError({ paths: ["(body)"] })
const complex = new PlexDecodeError({ paths: ["(body)"], reason: "TooComplex" })

/**
 * A decoder for the body of a success, compiled once: JSON only (an HTML or XML body is a
 * `PlexDecodeError` at `(body)`, its body not read), a large body too deep or too full for any
 * plex.tv answer refused before parsing, decode failures reduced to their paths.
 */
export const bodyDecoder = <A, I>(schema: Schema.Schema<A, I>): Decoder<A> => {
  const decode = Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "ignore" })
  return (response, limit) => {
    if (bodyKind(response.headers["content-type"]) !== "json") {
      return Effect.zipRight(discard(response), Effect.fail(notJson))
    }
    return Effect.flatMap(readText(response, limit), (text) => {
      if (tooComplex(text)) return Effect.fail(complex)
      const json = parseJson(text)
      if (Option.isNone(json)) return Effect.fail(notJson)
      const result = decode(json.value)
      return result._tag === "Right"
        ? Effect.succeed(result.right)
        : Effect.fail(new PlexDecodeError({ paths: issuePaths(result.left) }))
    })
  }
}

/** A success whose body does not matter (204, `{"pong":true}`): read (bounded) and dropped. */
export const ignoreBody: Decoder<void> = (response) => dropBody(response)

/** One response: a success decoded with `decode`, anything else its tagged error. */
export const handleResponse = <A, E, C extends Call>(
  call: C,
  decode: (response: HttpClientResponse.HttpClientResponse, limit: number) => Effect.Effect<A, E>,
  options: ResponseOptions
) =>
(
  response: HttpClientResponse.HttpClientResponse
): Effect.Effect<A, E | StatusErrorOf<C>> =>
  response.status >= 200 && response.status < 300
    ? decode(response, options.limit)
    : statusError(call, response, options)
