/**
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import type * as ConfigError from "effect/ConfigError"
import * as Layer from "effect/Layer"
import { PlexAuth, PlexConfig, PlexHome, PlexJwtAuth, PlexPinAuth, PlexResources } from "@effect-plex/core"
import { ClientIdentifier } from "./ClientIdentifier.js"

const layerConfig: Layer.Layer<PlexConfig, ConfigError.ConfigError> = PlexConfig.layerConfigWith(ClientIdentifier.get)

const layerHttpClient: Layer.Layer<HttpClient.HttpClient> = NodeHttpClient.layerUndici

/**
 * The services, each built fresh: were they shared by reference, a user's own
 * `PlexAuth.layer.pipe(Layer.provide(myConfig))` next to `PlexNode.layer` would be memoised to
 * this one and silently ignore `myConfig`.
 */
const services = Layer.mergeAll(
  Layer.fresh(PlexAuth.layer),
  Layer.fresh(PlexPinAuth.layer),
  Layer.fresh(PlexJwtAuth.layer),
  Layer.fresh(PlexResources.layer),
  Layer.fresh(PlexHome.layer)
)

const layer: Layer.Layer<
  PlexAuth | PlexPinAuth | PlexJwtAuth | PlexResources | PlexHome | PlexConfig | HttpClient.HttpClient,
  ConfigError.ConfigError
> = services.pipe(
  Layer.provideMerge(layerConfig),
  Layer.provideMerge(layerHttpClient)
)

/**
 * The Node runtime of the plex.tv services.
 *
 * - `layer`: every plex.tv service (`PlexAuth`, `PlexPinAuth`, `PlexJwtAuth`, `PlexResources`,
 *   `PlexHome`) over undici (keep-alive), configured from the environment (`PLEX_BASE_URL`,
 *   `PLEX_TIMEOUT`, `PLEX_PRODUCT`, …) with a stable client identifier. It also provides the
 *   `PlexConfig` and the `HttpClient` it uses.
 * - `layerConfig`: `PlexConfig.layerConfig`, but the client identifier falls back to the one kept
 *   in the user's config directory (see `ClientIdentifier`).
 * - `layerHttpClient`: the undici `HttpClient`. With a configuration of your own:
 *   `PlexAuth.layer.pipe(Layer.provide(PlexConfig.layer({ … })), Layer.provide(PlexNode.layerHttpClient))`.
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
export const PlexNode = { layer, layerConfig, layerHttpClient }
