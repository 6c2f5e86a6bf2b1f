/**
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import type * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { PlexAuth, PlexClient, PlexConfig, PlexHome, PlexJwtAuth, PlexPinAuth, PlexResources } from "@effect-plex/core"
import { ClientIdentifier } from "./ClientIdentifier.js"
import * as UndiciClient from "./internal/undiciClient.js"

const HttpClientTag = HttpClient.HttpClient

const layerConfig: Layer.Layer<PlexConfig, ConfigError.ConfigError> = PlexConfig.layerConfigWith(ClientIdentifier.get)

/** The lean undici client of this package, one keep-alive `Agent` per layer, closed with it. */
const layerHttpClient: Layer.Layer<HttpClient.HttpClient> = Layer.scoped(
  HttpClientTag,
  Effect.map(
    Effect.acquireRelease(Effect.sync(() => UndiciClient.makeAgent()), (agent) => Effect.promise(() => agent.close())),
    UndiciClient.make
  )
)

/**
 * Deprecated: `PlexNodePlatform.layerHttpClient` of `@effect-plex/node/platform`. The platform's
 * undici client (`@effect/platform-node`, an optional peer dependency since 0.2.0: this layer dies
 * when it is not installed). Its module is imported when this layer is built, not when
 * `@effect-plex/node` is imported: it loads the whole `undici` package, which (as any import of
 * `undici` does) installs undici's process-wide dispatcher if none is set, and with it the one
 * Node's own `fetch` uses. The lean client of `layerHttpClient` never does (see `internal/undiciClient.ts`).
 */
const layerPlatformHttpClient: Layer.Layer<HttpClient.HttpClient> = Layer.unwrapEffect(
  Effect.map(
    Effect.promise(() => import("@effect/platform-node/NodeHttpClient")),
    (NodeHttpClient) => NodeHttpClient.layerUndici
  )
)

/**
 * Every service over one `PlexClient` (one rate-limit gate for all of them). The client layer is
 * this module's own value, not `PlexClient.layer`: a user's `PlexAuth.layer.pipe(Layer.provide(myConfig))`
 * next to `PlexNode.layer` builds its own client with `myConfig` instead of being memoised to this one.
 */
const services = Layer.mergeAll(
  PlexAuth.layerWithoutDependencies,
  PlexPinAuth.layerWithoutDependencies,
  PlexJwtAuth.layerWithoutDependencies,
  PlexResources.layerWithoutDependencies,
  PlexHome.layerWithoutDependencies
).pipe(Layer.provideMerge(Layer.effect(PlexClient, PlexClient.make)))

const layerWith = <E, R>(
  httpClient: Layer.Layer<HttpClient.HttpClient, E, R>
): Layer.Layer<
  PlexAuth | PlexPinAuth | PlexJwtAuth | PlexResources | PlexHome | PlexClient | PlexConfig | HttpClient.HttpClient,
  ConfigError.ConfigError | E,
  R
> =>
  services.pipe(
    Layer.provideMerge(layerConfig),
    Layer.provideMerge(httpClient)
  )

const layer: Layer.Layer<
  PlexAuth | PlexPinAuth | PlexJwtAuth | PlexResources | PlexHome | PlexClient | PlexConfig | HttpClient.HttpClient,
  ConfigError.ConfigError
> = layerWith(layerHttpClient)

/**
 * The Node runtime of the plex.tv services.
 *
 * - `layer`: every plex.tv service (`PlexAuth`, `PlexPinAuth`, `PlexJwtAuth`, `PlexResources`,
 *   `PlexHome`) over one `PlexClient` over undici (keep-alive), configured from the environment
 *   (`PLEX_BASE_URL`, `PLEX_TIMEOUT`, `PLEX_PRODUCT`, …) with a stable client identifier. It also
 *   provides the `PlexClient` (for endpoints the library does not wrap), the `PlexConfig` and the
 *   `HttpClient` it uses.
 * - `layerWith(httpClient)`: `layer` over another `HttpClient` layer (`@effect-plex/node/platform`
 *   uses it for the client of `@effect/platform-node`).
 * - `layerConfig`: `PlexConfig.layerConfig`, but the client identifier falls back to the one kept
 *   for this app in the user's config directory (`~/.config/effect-plex/<product>/`, see
 *   `ClientIdentifier`: one identity per `PLEX_PRODUCT`, shared on purpose with
 *   `PLEX_IDENTITY_NAMESPACE`).
 * - `layerHttpClient`: a lean `HttpClient` over undici (keep-alive; interrupting a call aborts its
 *   request; bodies read with a byte limit without a `Stream`). With a configuration of your own:
 *   `PlexAuth.layer.pipe(Layer.provide(PlexConfig.layer({ … })), Layer.provide(PlexNode.layerHttpClient))`.
 * - `layerPlatformHttpClient`: deprecated since 0.2.0, use `@effect-plex/node/platform`
 *   (`PlexNodePlatform`), the one module that needs the optional peer `@effect/platform-node`.
 *
 * @since 0.1.0
 * @category layers
 * @example
 * import { PlexAuth } from "@effect-plex/core"
 * import { PlexNode } from "@effect-plex/node"
 * import * as Config from "effect/Config"
 * import * as Effect from "effect/Effect"
 *
 * const program = Effect.gen(function*() {
 *   const token = yield* Config.redacted("PLEX_TOKEN")
 *   const user = yield* (yield* PlexAuth).getTokenDetails(token)
 *   console.log(user.username)
 * }).pipe(Effect.provide(PlexNode.layer))
 */
export const PlexNode = { layer, layerWith, layerConfig, layerHttpClient, layerPlatformHttpClient }
