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

/** Why a 401 was given: plex.tv's code first, then what the call sent. */
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
  // Plex's rule for a token call: 401 means the token is invalid, whatever the body (or none) says
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

export const redirectError = (response: HttpClientResponse.HttpClientResponse): PlexHttpError => {
  const location = response.headers["location"]
  let host: string | undefined
  if (location !== undefined && location.length <= 8 * 1024) {
    try {
      host = new URL(location, response.request.url).host || undefined
    } catch {
      host = undefined
    }
  }
  return new PlexHttpError({ status: response.status, errors: [], ...(host === undefined ? {} : { redirectHost: host }) })
}

/** The common error of a failure status other than 429 and a redirect. */
export const commonError = (credential: PlexCredential, failure: PlexFailure): CommonStatusError => {
  const { errors, status } = failure
  switch (status) {
    case 400:
      return new PlexBadRequestError({ status, errors })
    case 401:
      return new PlexUnauthorizedError({ status, errors, reason: unauthorizedReason(credential, errors) })
    case 422:
      // a revoked token answers 422 "Invalid token"
      return new PlexUnauthorizedError({
        status,
        errors,
        reason: credential === "password" && !isRevokedToken(errors)
          ? unauthorizedReason(credential, errors)
          : "InvalidToken"
      })
    case 498:
      return new PlexUnauthorizedError({ status, errors, reason: "InvalidToken" })
    default:
      return new PlexHttpError({ status, errors })
  }
}

/** A 429: its `Retry-After`, at most `maxRetryAfter` millis. */
export const rateLimitError = (failure: Pick<PlexFailure, "headers">, now: number, maxRetryAfter: number) =>
  new PlexRateLimitError({ retryAfter: parseRetryAfter(failure.headers["retry-after"], now, maxRetryAfter) })
