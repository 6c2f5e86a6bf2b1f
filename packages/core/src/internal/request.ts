import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Arr from "effect/Array"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Schedule from "effect/Schedule"
import type { PlexConfigService } from "../PlexConfig.js"
import { PlexError, PlexTimeoutError, PlexTransportError } from "../PlexError.js"
import { clientHeaders } from "./headers.js"


const redactPlexToken = Arr.append("x-plex-token")

/**
 * The configured client, built once per layer: base URL, `X-Plex-*` identity and `Accept: JSON` on
 * every request; no trace headers sent to a third-party host; no platform `http.client` span (its
 * failure would hold the request's headers); `X-Plex-Token` redacted where the platform prints
 * headers. Requests never reach a log or an error of ours.
 */
export const configureClient = (
  client: HttpClient.HttpClient,
  config: PlexConfigService,
  baseUrl: string
): HttpClient.HttpClient => {
  const identity = clientHeaders(config.client)
  return client.pipe(
    HttpClient.mapRequest((request) =>
      request.pipe(
        HttpClientRequest.prependUrl(baseUrl),
        HttpClientRequest.setHeaders(identity),
        HttpClientRequest.acceptJson
      )
    ),
    HttpClient.withTracerPropagation(false),
    // The platform's own `http.client` span would end with the platform error, which holds the
    // request and so the token header: our operation spans carry the safe facts instead.
    HttpClient.withTracerDisabledWhen(() => true),
    // should a user turn that span back on, its header attributes still hide the token
    HttpClient.transformResponse(Effect.locallyWith(Headers.currentRedactedNames, redactPlexToken)),
    // `fetch` follows redirects by default, token header and all: ask it not to, whatever
    // `RequestInit` the application provided. A 3xx then fails the call (see `statusError`).
    HttpClient.transformResponse((effect) =>
      Effect.flatMap(
        Effect.serviceOption(FetchHttpClient.RequestInit),
        (init) =>
          Effect.provideService(effect, FetchHttpClient.RequestInit, {
            ...Option.getOrUndefined(init),
            redirect: "manual"
          })
      )
    )
  )
}

/** A safe description of a platform failure: its reason literal and a system error code. */
const transportReason = (error: HttpClientError.HttpClientError): string => {
  let cause: unknown = error.cause
  for (let depth = 0; depth < 4 && Predicate.isObject(cause); depth++) {
    const code = (cause as { readonly code?: unknown }).code
    if (typeof code === "string" && /^[A-Z][A-Z0-9_]{1,40}$/.test(code)) return `${error.reason} (${code})`
    cause = (cause as { readonly cause?: unknown }).cause
  }
  return error.reason
}

/**
 * One attempt: send, then turn the answer into a value or a tagged error, all within the
 * per-attempt timeout. Platform errors hold the request (URL, headers): only safe facts survive.
 */
export const attempt = <A, E>(
  client: HttpClient.HttpClient,
  timeoutMillis: number,
  onTimeout: PlexTimeoutError,
  request: HttpClientRequest.HttpClientRequest,
  handle: (response: HttpClientResponse.HttpClientResponse) => Effect.Effect<A, E>
): Effect.Effect<A, E | PlexTransportError | PlexTimeoutError> =>
  client.execute(request).pipe(
    Effect.catchAll((error) => Effect.fail(new PlexTransportError({ reason: transportReason(error) }))),
    // a failure's status is in its error; a success's is 2xx: no span annotation on the hot path
    Effect.flatMap(handle),
    Effect.timeoutFail({ duration: Duration.millis(timeoutMillis), onTimeout: () => onTimeout })
  )

/**
 * The automatic retry of idempotent calls: exponential backoff from `base` with jitter, each wait
 * capped at `cap`, at most `times` retries, only while the failure is retryable, and never sooner
 * than plex.tv's `Retry-After`.
 */
export const retryPolicy = ({ base, cap, times }: PlexConfigService["retry"]) =>
  Schedule.exponential(base).pipe(
    Schedule.jittered,
    Schedule.modifyDelay((_, delay) => Duration.min(delay, cap)),
    Schedule.intersect(Schedule.recurs(times)),
    Schedule.whileInput(PlexError.isRetryable),
    Schedule.intersect(Schedule.identity<PlexError>()),
    Schedule.modifyDelay(([, error], delay) =>
      error._tag === "PlexRateLimitError"
        ? Duration.max(delay, Option.getOrElse(error.retryAfter, () => Duration.zero))
        : delay
    )
  )
