/**
 * The `HttpClient` of `@effect/platform-node`, for those who prefer it to the lean undici client of
 * `PlexNode.layerHttpClient`. Imported from `@effect-plex/node/platform`, the only module of the
 * package that needs `@effect/platform-node` (an optional peer dependency: install it to use this
 * module).
 *
 * @since 0.2.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import type * as ConfigError from "effect/ConfigError"
import * as Layer from "effect/Layer"
import type {
  PlexAuth,
  PlexClient,
  PlexConfig,
  PlexHome,
  PlexJwtAuth,
  PlexPinAuth,
  PlexResources
} from "@effect-plex/core"
import { PlexNode } from "./PlexNode.js"

/**
 * The undici client of `@effect/platform-node` (`NodeHttpClient.layerUndici`). Importing it loads
 * the whole `undici` package, which (as any import of `undici` does) installs undici's process-wide
 * dispatcher if none is set, and with it the one Node's own `fetch` uses; the lean client of
 * `PlexNode.layerHttpClient` never does.
 */
const layerHttpClient: Layer.Layer<HttpClient.HttpClient> = NodeHttpClient.layerUndici

/** `PlexNode.layer`'s services and configuration over the platform's client. */
const layer: Layer.Layer<
  PlexAuth | PlexPinAuth | PlexJwtAuth | PlexResources | PlexHome | PlexClient | PlexConfig | HttpClient.HttpClient,
  ConfigError.ConfigError
> = PlexNode.layerWith(layerHttpClient)

/**
 * The plex.tv services over `@effect/platform-node`'s `HttpClient`.
 *
 * - `layer`: as `PlexNode.layer` (every service, configured from the environment, the stored client
 *   identifier), over the platform's client.
 * - `layerHttpClient`: the platform's undici client alone (`NodeHttpClient.layerUndici`).
 *
 * Needs `@effect/platform-node` (`npm install @effect/platform-node@~0.108.2`); the rest of
 * `@effect-plex/node` does not.
 *
 * @since 0.2.0
 * @category layers
 * @example
 * import { PlexAuth } from "@effect-plex/core"
 * import { PlexNodePlatform } from "@effect-plex/node/platform"
 * import * as Config from "effect/Config"
 * import * as Effect from "effect/Effect"
 *
 * const program = Effect.gen(function*() {
 *   const user = yield* (yield* PlexAuth).getTokenDetails(yield* Config.redacted("PLEX_TOKEN"))
 *   console.log(user.username)
 * }).pipe(Effect.provide(PlexNodePlatform.layer))
 */
export const PlexNodePlatform = { layer, layerHttpClient }
