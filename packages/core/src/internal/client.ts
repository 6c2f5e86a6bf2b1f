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
import { type PlexError, PlexTimeoutError, type PlexTransportError, type PlexUnauthorizedError } from "../PlexError.js"
import type { PlexRateLimitError } from "../PlexError.js"
import { gateFor } from "./gate.js"
import { attempt, configureClient, retryPolicy } from "./request.js"
import { type Call, handleResponse, type StatusErrorOf } from "./response.js"

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
    E | StatusErrorOf<C> | PlexTransportError | PlexTimeoutError | PlexRateLimitError | PlexUnauthorizedError
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
      throttleCooldown: Duration.minutes(1)
    })
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
      const client = clients[options.host ?? "plex"]
      const handle = handleResponse(options.call, options.decode, config.maxBodySize)
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
            gate.pass(signIn, deadlineAt),
            attempt(client, within.millis, within.error, request, handle)
          ).pipe(Effect.tapError((error) => gate.observe(error as PlexError)))
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

/** The token goes in the `X-Plex-Token` header, never in the URL; unwrapped only here. */
export const withToken = (token: Redacted.Redacted<string>) =>
  HttpClientRequest.setHeader("X-Plex-Token", Redacted.value(token))
