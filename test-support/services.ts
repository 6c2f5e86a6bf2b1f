/** Every plex.tv service of `@effect-plex/core`, for tests that run the calls of any flow. */
import * as Layer from "effect/Layer"
import { PlexAuth, PlexHome, PlexJwtAuth, PlexPinAuth, PlexResources } from "@effect-plex/core"

export const services = Layer.mergeAll(
  PlexAuth.layer,
  PlexPinAuth.layer,
  PlexHome.layer,
  PlexJwtAuth.layer,
  PlexResources.layer
)

export type Services = PlexAuth | PlexPinAuth | PlexHome | PlexJwtAuth | PlexResources
