/**
 * @since 0.2.0
 */
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Arr from "effect/Array"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { makeExecutor, type PlexCallError, type PlexRequest } from "./internal/executor.js"
import { PlexConfig, type PlexConfigService } from "./PlexConfig.js"
import { PlexGateStore } from "./PlexGateStore.js"
import type { PlexEndpoint } from "./PlexEndpoint.js"
import { PlexMetrics } from "./PlexMetrics.js"

export type {
  /**
   * Re-exported for convenience.
   *
   * @since 0.1.0
   */
  PlexCallError,
  /**
   * Re-exported for convenience.
   *
   * @since 0.1.0
   */
  PlexRequest
} from "./internal/executor.js"

/**
 * The one way every request reaches plex.tv: the configured hosts, the rate-limit gate of each
 * host, and the executor (deadline, per-attempt timeout, retries, typed errors, decoding).
 *
 * @since 0.2.0
 * @category models
 * @example
 * import { PlexClient, PlexEndpoint } from "@effect-plex/core"
 * import * as Effect from "effect/Effect"
 * import * as Redacted from "effect/Redacted"
 *
 * const ping = PlexEndpoint.make({ name: "MyApp.ping", method: "GET", path: "/api/v2/ping", idempotent: true })
 *
 * const program = Effect.flatMap(PlexClient, (client) => client.execute(ping, { token: Redacted.make("token") }))
 */
export interface PlexClientService {
  /** The validated configuration the client was built from. */
  readonly config: PlexConfigService
  /**
   * Runs one call of an endpoint: the path parameters, token, query, body and further secrets of
   * the call in `request`. Fails with the endpoint's own errors or any {@link PlexCallError}.
   */
  readonly execute: <A, E>(
    endpoint: PlexEndpoint<A, E>,
    request?: PlexRequest
  ) => Effect.Effect<A, E | PlexCallError>
}

const make: Effect.Effect<PlexClientService, never, HttpClient.HttpClient | PlexConfig> = Effect.gen(function*() {
  const config = yield* PlexConfig
  const http = yield* HttpClient.HttpClient
  const metrics = yield* PlexMetrics
  const gateStore = Option.getOrUndefined(yield* Effect.serviceOption(PlexGateStore))
  return { config, ...makeExecutor(http, config, { metrics: metrics.enabled, gateStore }) }
})

/**
 * The plex.tv client every service of this library calls through, and which you can call too, for
 * an endpoint the library does not wrap yet, with the same retries, gate, deadline and typed
 * errors. Built once from the `HttpClient` and `PlexConfig` in context; services built in the same
 * layer share it (and so share its rate-limit gate).
 *
 * @since 0.2.0
 * @category tags
 * @example
 * import { PlexClient, PlexConfig } from "@effect-plex/core"
 * import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
 * import * as Layer from "effect/Layer"
 *
 * const ClientLive = PlexClient.layer.pipe(
 *   Layer.provide(PlexConfig.layer({ client: { clientIdentifier: "3f1c0f0e-6a53", product: "my-app" } })),
 *   Layer.provide(FetchHttpClient.layer)
 * )
 */
export class PlexClient extends Context.Tag("@effect-plex/core/PlexClient")<PlexClient, PlexClientService>() {
  /**
   * Builds the client from the `HttpClient` and `PlexConfig` in context (and `PlexMetrics`, when
   * provided, to record the call metrics; `PlexGateStore`, when provided, to share the rate-limit
   * gate with other processes).
   *
   * @since 0.2.0
   */
  static readonly make = make

  /**
   * The client as a layer. It also marks `X-Plex-Token` as a header to redact wherever the platform
   * prints headers (once, for the whole program it is provided to).
   *
   * @since 0.2.0
   */
  static readonly layer: Layer.Layer<PlexClient, never, HttpClient.HttpClient | PlexConfig> = Layer.merge(
    Layer.effect(PlexClient, make),
    Layer.fiberRefLocallyScopedWith(Headers.currentRedactedNames, Arr.append("x-plex-token"))
  )
}
