/**
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { HeaderValue } from "./internal/headerValue.js"

const optional = Schema.optional(HeaderValue)

/**
 * Identifies this install of your app to plex.tv. Every field that is set goes out as its
 * `X-Plex-*` header on every request; unset fields are not sent.
 *
 * `clientIdentifier` must be stable per install: each identifier that obtains a token becomes a
 * device on the user's account. Generate one once and keep it (`@effect-plex/node` does that for
 * you).
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { PlexClientInfo } from "@effect-plex/core"
 *
 * const info = PlexClientInfo.make({ clientIdentifier: "my-app-1", product: "my-app", version: "1.0.0" })
 * console.log(info.product) // "my-app"
 */
export class PlexClientInfo extends Schema.Class<PlexClientInfo>("@effect-plex/core/PlexClientInfo")({
  clientIdentifier: HeaderValue,
  product: optional,
  version: optional,
  platform: optional,
  platformVersion: optional,
  device: optional,
  model: optional,
  deviceVendor: optional,
  deviceName: optional,
  marketplace: optional
}) {}

/**
 * The `X-Plex-*` header name of each {@link PlexClientInfo} field.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { plexClientHeaderNames } from "@effect-plex/core"
 *
 * console.log(plexClientHeaderNames.deviceName) // "X-Plex-Device-Name"
 */
export const plexClientHeaderNames = {
  clientIdentifier: "X-Plex-Client-Identifier",
  product: "X-Plex-Product",
  version: "X-Plex-Version",
  platform: "X-Plex-Platform",
  platformVersion: "X-Plex-Platform-Version",
  device: "X-Plex-Device",
  model: "X-Plex-Model",
  deviceVendor: "X-Plex-Device-Vendor",
  deviceName: "X-Plex-Device-Name",
  marketplace: "X-Plex-Marketplace"
} as const satisfies { readonly [K in keyof typeof PlexClientInfo.fields]: string }
