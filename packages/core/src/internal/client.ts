import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { PlexConfig, type PlexConfigService } from "../PlexConfig.js"
import type * as Schedule from "effect/Schedule"
import type { PlexTimeoutError, PlexTransportError } from "../PlexError.js"
import { attempt, configureClient, retryPolicy } from "./request.js"
import { type Call, handleResponse, type StatusErrorOf } from "./response.js"

/** Which API host a call goes to (plex-tv-api.md §1.1). */
export type Host = "plex" | "clients"

export interface CallOptions<A, E, C extends Call> {
  readonly call: C
  readonly decode: (response: HttpClientResponse.HttpClientResponse) => Effect.Effect<A, E>
  /** Idempotent calls are retried per `PlexConfig.retry`; the others never after a response. */
  readonly idempotent: boolean
  readonly host?: Host | undefined
}

/** What every service builds on: the configured clients and one way to run a call. */
export interface PlexHttp {
  readonly config: PlexConfigService
  readonly execute: <A, E, C extends Call>(
    request: HttpClientRequest.HttpClientRequest,
    options: CallOptions<A, E, C>
  ) => Effect.Effect<A, E | StatusErrorOf<C> | PlexTransportError | PlexTimeoutError>
}

/** Built once per service layer: the configured clients, the retry schedule. */
export const makePlexHttp: Effect.Effect<PlexHttp, never, HttpClient.HttpClient | PlexConfig> = Effect.gen(
  function*() {
    const config = yield* PlexConfig
    const base = yield* HttpClient.HttpClient
    const clients = {
      plex: configureClient(base, config, config.baseUrl),
      clients: configureClient(base, config, config.clientsBaseUrl)
    }
    const retry = retryPolicy(config.retry)
    const execute = <A, E, C extends Call>(
      request: HttpClientRequest.HttpClientRequest,
      options: CallOptions<A, E, C>
    ) => {
      const client = clients[options.host ?? "plex"]
      const once = attempt(client, config.timeout, request, handleResponse(options.call, options.decode))
      // every error of this library is a PlexError, which is what the retry policy reads
      return options.idempotent ? Effect.retry(once, retry as Schedule.Schedule<unknown, unknown>) : once
    }
    return { config, execute }
  }
)

/** The token goes in the `X-Plex-Token` header, never in the URL; unwrapped only here. */
export const withToken = (token: Redacted.Redacted<string>) =>
  HttpClientRequest.setHeader("X-Plex-Token", Redacted.value(token))
