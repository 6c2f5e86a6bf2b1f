/**
 * `@effect-plex/node/platform`: the services over `@effect/platform-node`'s `HttpClient`, the one
 * entry point of the package that needs that optional peer.
 *
 * @since 0.2.0
 */
export { PlexNodePlatform } from "./PlexNodePlatform.js"
