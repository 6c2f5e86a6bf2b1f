/**
 * One plex.tv budget and one token cache for a fleet of processes, through Redis. Needs the
 * optional peer dependencies `@effect/experimental` and `ioredis`.
 *
 * @since 0.2.0
 */
export { PlexRedis, type PlexRedisOptions, type PlexRedisService } from "../PlexRedis.js"
