import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import { PlexConfig, type PlexConfigService } from "../PlexConfig.js"
import {
  PlexDecodeError,
  type PlexError,
  PlexHttpError,
  PlexInvalidInputError,
  PlexTimeoutError,
  type PlexTransportError,
  type PlexUnauthorizedError
} from "../PlexError.js"
import type { PlexRateLimitError } from "../PlexError.js"
import { gateFor } from "./gate.js"
import { attempt, configureClient, retryPolicy } from "./request.js"
import { type Call, handleResponse, type StatusErrorOf } from "./response.js"
import { redact, type Secrets, secretsOf } from "./secrets.js"

/** Which API host a call goes to (plex-tv-api.md §1.1). */
export type Host = "plex" | "clients"

export interface CallOptions<A, E, C extends Call> {
  readonly call: C
  readonly decode: (response: HttpClientResponse.HttpClientResponse, limit: number) => Effect.Effect<A, E>
  /**
   * Idempotent calls are retried per `PlexConfig.retry`. The others are retried only when the
   * request never left this machine (connection refused, name not resolved): plex.tv never saw it.
   */
  readonly idempotent: boolean
  readonly host?: Host | undefined
}

/** What every service builds on: the configured clients and one way to run a call. */
export interface PlexHttp {
  readonly config: PlexConfigService
  readonly execute: <A, E, C extends Call>(
    request: HttpClientRequest.HttpClientRequest,
    options: CallOptions<A, E, C>
  ) => Effect.Effect<
    A,
    | E
    | StatusErrorOf<C>
    | PlexTransportError
    | PlexTimeoutError
    | PlexRateLimitError
    | PlexUnauthorizedError
    | PlexHttpError
    | PlexInvalidInputError
  >
}

/** System error codes that mean the request was never sent. */
const unsent = /\((ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)\)/

const neverSent = (error: PlexError) => error._tag === "PlexTransportError" && unsent.test(error.reason)

const fitsBefore = (error: PlexError, deadlineAt: number): Effect.Effect<boolean> => {
  if (error._tag !== "PlexRateLimitError" || Option.isNone(error.retryAfter)) return Effect.succeed(true)
  const wait = Duration.toMillis(error.retryAfter.value)
  return Effect.map(Clock.currentTimeMillis, (now) => now + wait < deadlineAt)
}

/** Built once per service layer: the configured clients, the retry schedules, the shared gate. */
export const makePlexHttp: Effect.Effect<PlexHttp, never, HttpClient.HttpClient | PlexConfig> = Effect.gen(
  function*() {
    const config = yield* PlexConfig
    const base = yield* HttpClient.HttpClient
    const clients = {
      plex: configureClient(base, config, config.baseUrl),
      clients: configureClient(base, config, config.clientsBaseUrl)
    }
    const gate = gateFor(base, {
      rateLimitCooldown: Duration.max(config.retry.base, Duration.seconds(1)),
      maxRetryAfter: config.retry.maxRetryAfter,
      reopenRate: config.retry.reopenRate,
      throttleCooldown: Duration.minutes(1)
    })
    const baseUrls = { plex: config.baseUrl, clients: config.clientsBaseUrl }
    const maxRetryAfter = Duration.toMillis(config.retry.maxRetryAfter)
    const deadline = Duration.toMillis(config.deadline)
    const timeout = Duration.toMillis(config.timeout)
    const retryIdempotent = retryPolicy(config.retry) as Schedule.Schedule<unknown, unknown>
    const retryUnsent = Schedule.exponential(config.retry.base).pipe(
      Schedule.jittered,
      Schedule.intersect(Schedule.recurs(config.retry.times)),
      Schedule.whileInput(neverSent)
    ) as Schedule.Schedule<unknown, unknown>
    const attemptTimeout = new PlexTimeoutError({ timeout: config.timeout })
    const deadlineTimeout = new PlexTimeoutError({ timeout: config.deadline })

    const execute = <A, E, C extends Call>(
      request: HttpClientRequest.HttpClientRequest,
      options: CallOptions<A, E, C>
    ) => {
      const refused = refuseInput(request)
      if (refused !== undefined) return Effect.fail(refused)
      const host = options.host ?? "plex"
      const client = clients[host]
      const baseUrl = baseUrls[host]
      // the request's secrets are only looked for when an answer is kept in an error
      let secrets: Secrets | undefined
      const responseOptions = {
        limit: config.maxBodySize,
        maxRetryAfter,
        get secrets() {
          return secrets ??= secretsOf(request)
        }
      }
      const handleAnswer = handleResponse(options.call, options.decode, responseOptions)
      const handle = (response: HttpClientResponse.HttpClientResponse) =>
        answeredBy(response, baseUrl)
          ? Effect.mapError(handleAnswer(response), (error) =>
            (error as PlexError)._tag === "PlexDecodeError"
              ? redactPaths(error as PlexDecodeError, responseOptions.secrets) as typeof error
              : error)
          : Effect.fail(followedElsewhere(response))
      const signIn = options.call === "signIn"
      return Effect.flatMap(Clock.currentTimeMillis, (start) => {
        const deadlineAt = start + deadline
        // One attempt, its timeout cut to what is left of the deadline: the deadline needs no
        // timer of its own. The gate fails at once when it stays shut past the deadline.
        const once = Effect.flatMap(Clock.currentTimeMillis, (now) => {
          const left = deadlineAt - now
          if (left <= 0) return Effect.fail(deadlineTimeout)
          const within = left < timeout
            ? { millis: left, error: deadlineTimeout }
            : { millis: timeout, error: attemptTimeout }
          return Effect.zipRight(
            gate.pass(baseUrl, signIn, deadlineAt),
            attempt(client, within.millis, within.error, request, handle)
          ).pipe(Effect.tapError((error) => gate.observe(baseUrl, error as PlexError)))
        })
        // The success path pays for no schedule: only a failure starts the retry loop, which is
        // handed that first failure as its first input. Every error here is a PlexError, which is
        // what the schedules read; no wait runs past the deadline.
        return Effect.catchAll(once, (first) => {
          let replayed = false
          const again = Effect.suspend(() => {
            if (replayed) return once
            replayed = true
            return Effect.fail(first)
          })
          const schedule = (options.idempotent ? retryIdempotent : retryUnsent).pipe(
            Schedule.checkEffect((error) => fitsBefore(error as PlexError, deadlineAt)),
            Schedule.modifyDelayEffect((_, delay) =>
              Effect.map(
                Clock.currentTimeMillis,
                (now) => Duration.min(delay, Duration.millis(Math.max(0, deadlineAt - now)))
              )
            )
          )
          return Effect.retry(again, schedule)
        })
      })
    }
    return { config, execute }
  }
)

/** A token: visible ASCII only (what a header can carry unchanged), at most 16 KiB. */
const tokenShape = /^[\x21-\x7e]{1,16384}$/
/** Characters no header value may hold: CR, LF, NUL and the other controls but tab, or beyond a byte. */
const badHeaderCharacter = /[\u0000-\u0008\u000a-\u001f\u007f\u0100-\uffff]/
/** A UTF-16 surrogate without its partner: no URL can carry it. */
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/**
 * A caller's value that cannot be sent as it is: a token with a line break (it would split the
 * header, and could never be valid), a header value HTTP cannot carry, a path or query with a lone
 * surrogate. Refused before anything is sent, never retried; the value is never quoted.
 */
const refuseInput = (request: HttpClientRequest.HttpClientRequest): PlexInvalidInputError | undefined => {
  for (const name in request.headers) {
    const value = request.headers[name]!
    if (name === "x-plex-token") {
      if (!tokenShape.test(value)) {
        return new PlexInvalidInputError({
          argument: "token",
          reason: value === ""
            ? "is empty"
            : value.length > 16384
            ? "is longer than 16 KiB"
            : "holds characters a token never has (spaces, line breaks, control or non-ASCII characters)"
        })
      }
    } else if (badHeaderCharacter.test(value)) {
      return new PlexInvalidInputError({ argument: name, reason: "holds characters an HTTP header cannot carry" })
    }
  }
  if (loneSurrogate.test(request.url)) {
    return new PlexInvalidInputError({ argument: "path", reason: "holds an unpaired UTF-16 surrogate" })
  }
  for (const [name, value] of request.urlParams) {
    if (loneSurrogate.test(name) || loneSurrogate.test(value)) {
      return new PlexInvalidInputError({ argument: name, reason: "holds an unpaired UTF-16 surrogate" })
    }
  }
  return undefined
}

/**
 * Whether the answer is from the host the request was sent to. An `HttpClient` that follows
 * redirects by itself (one wrapped in `HttpClient.followRedirects`) hands back the answer of
 * another host: it is never taken for plex.tv's.
 */
const answeredBy = (response: HttpClientResponse.HttpClientResponse, baseUrl: string): boolean => {
  const url = response.request.url
  return url.length === baseUrl.length ? url === baseUrl : url.startsWith(baseUrl) && url[baseUrl.length] === "/"
}

const followedElsewhere = (response: HttpClientResponse.HttpClientResponse): PlexHttpError => {
  let host: string | undefined
  try {
    host = new URL(response.request.url).host
  } catch {
    host = undefined
  }
  return new PlexHttpError({ status: 302, errors: [], ...(host === undefined ? {} : { redirectHost: host }) })
}

/** Decode paths name keys, and a key can come from the body: secrets never stay in them. */
const redactPaths = (error: PlexDecodeError, secrets: Secrets): PlexDecodeError =>
  secrets.length === 0 || !error.paths.some((path) => secrets.some((secret) => path.includes(secret)))
    ? error
    : new PlexDecodeError({
      paths: error.paths.map((path) => redact(path, secrets)),
      ...(error.reason === undefined ? {} : { reason: error.reason })
    })

/** The token goes in the `X-Plex-Token` header, never in the URL; unwrapped only here. */
export const withToken = (token: Redacted.Redacted<string>) =>
  HttpClientRequest.setHeader("X-Plex-Token", Redacted.value(token))
