/**
 * @since 0.2.0
 */
import { PlexGateStore, PlexTokenCacheStore } from "@effect-plex/core"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { RedisOptions } from "ioredis"
import { makeGateStore } from "./internal/redisGate.js"
import { makeLink } from "./internal/redisLink.js"
import { makeTokenCacheStore } from "./internal/redisTokenCache.js"

/**
 * Options of {@link PlexRedis.layer}.
 *
 * @since 0.2.0
 * @category config
 * @example
 * import type { PlexRedisOptions } from "@effect-plex/node/redis"
 *
 * const options: PlexRedisOptions = {
 *   redis: { host: "127.0.0.1", port: 6379 },
 *   admission: { limit: 20, window: "1 second" }
 * }
 */
export interface PlexRedisOptions {
  /**
   * Where Redis is and how to sign in to it (`ioredis` options: `host`, `port`, `username`,
   * `password`, `db`, `tls`, …); default `127.0.0.1:6379`. Timeouts, retries and reconnection
   * are this layer's.
   */
  readonly redis?: RedisOptions | undefined
  /** Prepended to every key and channel; default `"effect-plex:"`. */
  readonly prefix?: string | undefined
  /** The longest one Redis call may take before the call goes on without Redis; default 500 ms. */
  readonly timeout?: Duration.DurationInput | undefined
  /** How often a lost Redis is tried again; default 1 second. */
  readonly probeInterval?: Duration.DurationInput | undefined
  /**
   * How long building the layer waits for Redis to answer, so that a process joins the fleet before
   * its first call; a refused connection ends the wait at once. Past it the process starts on its
   * own gate and cache and joins when Redis answers. Default 5 seconds.
   */
  readonly connectTimeout?: Duration.DurationInput | undefined
  /**
   * A budget of requests per plex.tv host for the whole fleet (a token bucket of `limit` tokens
   * refilled over `window`): a call waits for its turn, and fails with `PlexRateLimitError` when
   * its turn is past its deadline. Default: none.
   */
  readonly admission?: { readonly limit: number; readonly window: Duration.DurationInput } | undefined
  /**
   * How long the replica that asks plex.tv about a token holds the others back (they wait for its
   * answer instead of asking too); past it, another replica asks. Default 10 seconds.
   */
  readonly lease?: Duration.DurationInput | undefined
}

/**
 * The link of this process to Redis, as the shared gate and token cache use it.
 *
 * @since 0.2.0
 * @category models
 * @example
 * import { PlexRedis } from "@effect-plex/node/redis"
 * import * as Effect from "effect/Effect"
 *
 * const shared = Effect.flatMap(PlexRedis, (redis) => redis.connected)
 */
export interface PlexRedisService {
  /** Whether calls share the fleet's gate and cache now (false during an outage). */
  readonly connected: Effect.Effect<boolean>
}

/**
 * One plex.tv budget and one token cache for a fleet of processes, through Redis: provide
 * `PlexRedis.layer` under `PlexNode.layer` (its `PlexClient` picks up the gate store) and under
 * `PlexTokenValidator.layer` (which picks up the token cache).
 *
 * - Every replica honours a 429 / `Retry-After` or a 1031 lock that any replica saw, per plex.tv
 *   host, with the same `retry.maxRetryAfter` cap as in memory; optionally a shared admission rate.
 * - The token cache is keyed by the token's SHA-256, holds accounts without their token, and asks
 *   plex.tv once per token per time to live across the fleet.
 * - Redis down, slow or answering garbage never fails or holds up a call: each process falls back
 *   to its own gate and cache, logs one `Warning` per outage, and rejoins when Redis is back.
 *
 * Built on `@effect/experimental` (`RateLimiter` and `PersistedCache` on their Redis stores) and
 * `ioredis`, optional peer dependencies of this package: install both to use this module.
 *
 * @since 0.2.0
 * @category tags
 * @example
 * import { PlexTokenValidator } from "@effect-plex/core"
 * import { PlexNode } from "@effect-plex/node"
 * import { PlexRedis } from "@effect-plex/node/redis"
 * import * as Layer from "effect/Layer"
 *
 * const Fleet = PlexRedis.layer({ redis: { host: "127.0.0.1", port: 6379 } })
 * const ValidatorLive = PlexTokenValidator.layer({ timeToLive: "5 minutes" }).pipe(
 *   Layer.provide(PlexNode.layer),
 *   Layer.provide(Fleet)
 * )
 */
export class PlexRedis extends Context.Tag("@effect-plex/node/PlexRedis")<PlexRedis, PlexRedisService>() {
  /**
   * The shared gate store, token cache store and link as a layer; closing it closes the
   * connections.
   *
   * @since 0.2.0
   */
  static readonly layer = (
    options?: PlexRedisOptions
  ): Layer.Layer<PlexRedis | PlexGateStore | PlexTokenCacheStore> =>
    Layer.scopedContext(Effect.gen(function*() {
      const link = yield* makeLink({
        redis: { host: "127.0.0.1", port: 6379, ...options?.redis },
        prefix: options?.prefix ?? "effect-plex:",
        timeout: Math.max(1, Math.ceil(Duration.toMillis(options?.timeout ?? "500 millis"))),
        probe: Math.max(10, Math.ceil(Duration.toMillis(options?.probeInterval ?? "1 second"))),
        connect: Math.max(0, Math.ceil(Duration.toMillis(options?.connectTimeout ?? "5 seconds")))
      })
      const admission = options?.admission === undefined ? undefined : {
        limit: options.admission.limit,
        window: Duration.decode(options.admission.window)
      }
      return Context.make(PlexRedis, { connected: Effect.sync(() => link.current() !== undefined) }).pipe(
        Context.add(PlexGateStore, makeGateStore(link, admission)),
        Context.add(PlexTokenCacheStore, makeTokenCacheStore(link, Duration.decode(options?.lease ?? "10 seconds")))
      )
    }))
}
