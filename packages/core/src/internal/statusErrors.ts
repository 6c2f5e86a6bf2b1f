import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"
import type { PlexCredential, PlexFailure } from "../PlexEndpoint.js"
import {
  type PlexApiError,
  PlexBadRequestError,
  PlexHttpError,
  PlexRateLimitError,
  PlexUnauthorizedError,
  type PlexUnauthorizedReason
} from "../PlexError.js"

/**
 * The failures every endpoint shares (plex-tv-api.md §4.3), after an endpoint's own rules had
 * their say: 400, 401 and 422 by plex.tv's error code and what the call sent, 498, 429 with its
 * `Retry-After`, a redirect (never followed), anything else as `PlexHttpError`.
 */

/** The status errors any call can end in. */
export type CommonStatusError = PlexBadRequestError | PlexUnauthorizedError | PlexRateLimitError | PlexHttpError

/**
 * Why a 401 was given: plex.tv's code first, then whether the body was plex.tv's at all, then what
 * the call sent. A 401 without plex.tv's error list (JSON `errors` or XML `<errors>`) is
 * `UnrecognizedAnswer`: an HTML page from a proxy or a captive portal, an empty body. It says
 * nothing about the token, which must be kept.
 */
export const unauthorizedReason = (
  credential: PlexCredential,
  errors: ReadonlyArray<PlexApiError>
): PlexUnauthorizedReason => {
  for (const { code } of errors) {
    switch (code) {
      case 1029:
        return "VerificationRequired"
      case 1028:
        return "InvalidVerificationCode"
      case 1031:
        return "Throttled"
      case 1001:
        return credential === "password" ? "InvalidCredentials" : "InvalidToken"
    }
  }
  // a proxy or captive portal in the way: not plex.tv's answer, so not a verdict on the token
  if (errors.length === 0) return "UnrecognizedAnswer"
  // Plex's rule for a token call: a 401 of plex.tv (its error list, whatever the code) means the token is invalid
  return credential === "token" ? "InvalidToken" : "Unknown"
}

/** plex.tv's answer for a revoked token: `<errors><error>Invalid token</error></errors>`, no code. */
export const isRevokedToken = (errors: ReadonlyArray<PlexApiError>): boolean =>
  errors.some((error) => error.code === undefined && /^\s*invalid token\s*$/i.test(error.message ?? ""))

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

/** A redirect (3xx, or a browser's opaque redirect, status 0): the host it points to, never its path or query. */
export const isRedirect = (status: number): boolean => (status >= 300 && status < 400) || status === 0

/** `host` of the error, when known: the configured host that answered. */
const hostField = (host: string | undefined) => (host === undefined ? {} : { host })

export const redirectError = (response: HttpClientResponse.HttpClientResponse, answeredBy?: string): PlexHttpError => {
  const location = response.headers["location"]
  let host: string | undefined
  if (location !== undefined && location.length <= 8 * 1024) {
    try {
      host = new URL(location, response.request.url).host || undefined
    } catch {
      host = undefined
    }
  }
  return new PlexHttpError({
    status: response.status,
    errors: [],
    ...hostField(answeredBy),
    ...(host === undefined ? {} : { redirectHost: host })
  })
}

/**
 * The common error of a failure status other than 429 and a redirect. `host` is the configured host
 * the request went to (`plex.tv`, `clients.plex.tv`, `127.0.0.1:32400`), named in the message.
 *
 * `InvalidToken` only when plex.tv itself said so: a 401 with its error list (JSON or XML), a 422
 * with its error list (the revoked-token answer `Invalid token`), or a 498 (an expired Plex JWT).
 * A 401 or 422 without plex.tv's error list is `UnrecognizedAnswer`.
 */
export const commonError = (credential: PlexCredential, failure: PlexFailure, host?: string): CommonStatusError => {
  const { errors, status } = failure
  switch (status) {
    case 400:
      return new PlexBadRequestError({ status, errors, ...hostField(host) })
    case 401:
      return new PlexUnauthorizedError({
        status,
        errors,
        reason: unauthorizedReason(credential, errors),
        ...hostField(host)
      })
    case 422:
      // a revoked token answers 422 "Invalid token"; a 422 that is not plex.tv's says nothing
      return new PlexUnauthorizedError({
        status,
        errors,
        reason: errors.length === 0
          ? "UnrecognizedAnswer"
          : credential === "password" && !isRevokedToken(errors)
          ? unauthorizedReason(credential, errors)
          : "InvalidToken",
        ...hostField(host)
      })
    case 498:
      return new PlexUnauthorizedError({ status, errors, reason: "InvalidToken", ...hostField(host) })
    default:
      return new PlexHttpError({ status, errors, ...hostField(host) })
  }
}

/** A 429: its `Retry-After`, at most `maxRetryAfter` millis. */
export const rateLimitError = (
  failure: Pick<PlexFailure, "headers">,
  now: number,
  maxRetryAfter: number,
  host?: string
) =>
  new PlexRateLimitError({
    retryAfter: parseRetryAfter(failure.headers["retry-after"], now, maxRetryAfter),
    ...hostField(host)
  })
