/**
 * Test support for Node: the fake plex.tv over real HTTP.
 *
 * @since 0.1.0
 */
export { type PlexTvCors, PlexTvServer, type PlexTvServerService } from "./PlexTvServer.js"
export { type RunningMediaServer } from "./internal/mediaServers.js"
