/**
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import type * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import type { PlexAuthError } from "./PlexAuth.js"
import type { PlexUser } from "./PlexUser.js"

/**
 * One answer of a shared token cache: the account or failure, and until when it may be reused
 * (milliseconds since the epoch on this process's clock; `0` when it must not be kept).
 *
 * @since 0.2.0
 * @category models
 * @example
 * import type { PlexTokenCacheAnswer } from "@effect-plex/core"
 *
 * const keepUntil = (answer: PlexTokenCacheAnswer) => new Date(answer.expiresAt)
 */
export interface PlexTokenCacheAnswer {
  readonly exit: Exit.Exit<PlexUser, PlexAuthError>
  readonly expiresAt: number
}

/**
 * A token cache shared by the replicas of a service, as one `PlexTokenValidator` uses it. The store
 * keys its entries by a digest of the token (the Redis store: its SHA-256), never the token, and
 * keeps accounts without their token: the caller's token is put back in the account it answers.
 *
 * @since 0.2.0
 * @category models
 * @example
 * import type { PlexTokenCache } from "@effect-plex/core"
 * import * as Effect from "effect/Effect"
 *
 * import * as Redacted from "effect/Redacted"
 *
 * const forget = (cache: PlexTokenCache, token: string) =>
 *   Effect.andThen(cache.evict(Redacted.make(token)), Effect.log("forgotten"))
 */
export interface PlexTokenCache {
  /**
   * The answer for `token`: the fleet's cached one if any, else `request`'s, run once across the
   * fleet (replicas asking about the same token meanwhile wait for it) and shared. Never fails by
   * itself: with its backend down, slow or answering garbage, `request` runs here alone.
   */
  readonly lookup: (
    token: Redacted.Redacted<string>,
    request: Effect.Effect<PlexUser, PlexAuthError>
  ) => Effect.Effect<PlexTokenCacheAnswer>
  /** Forgets `token` for every replica. */
  readonly evict: (token: Redacted.Redacted<string>) => Effect.Effect<void>
  /** Forgets every token for every replica. */
  readonly evictAll: Effect.Effect<void>
  /**
   * Calls `onEvict` with each token another replica evicted (`undefined`: all of them) while the
   * scope is open, so this replica's in-memory copy goes too. Only tokens this store looked up
   * recently are told (the others are not in memory here).
   */
  readonly evictions: (
    onEvict: (token: Redacted.Redacted<string> | undefined) => void
  ) => Effect.Effect<void, never, Scope.Scope>
}

/**
 * The time to live of the answers kept in a shared token cache: those of the validator using it.
 *
 * @since 0.2.0
 * @category models
 * @example
 * import type { PlexTokenCacheOptions } from "@effect-plex/core"
 * import * as Duration from "effect/Duration"
 *
 * const options: PlexTokenCacheOptions = { timeToLive: Duration.minutes(5), invalidTimeToLive: Duration.seconds(30) }
 */
export interface PlexTokenCacheOptions {
  /** How long an account is reused. */
  readonly timeToLive: Duration.Duration
  /** How long a dead token (`PlexError.isInvalidToken`) stays known as dead. */
  readonly invalidTimeToLive: Duration.Duration
}

/**
 * Where `PlexTokenValidator` shares its cache with other processes, when this service is in
 * context: `make` opens the cache of one validator. Without it each process has its own cache.
 * `@effect-plex/node/redis` has one on Redis.
 *
 * @since 0.2.0
 * @category tags
 * @example
 * import { PlexTokenCacheStore } from "@effect-plex/core"
 * import * as Duration from "effect/Duration"
 * import * as Effect from "effect/Effect"
 *
 * const opened = Effect.flatMap(
 *   PlexTokenCacheStore,
 *   (store) => store.make({ timeToLive: Duration.minutes(5), invalidTimeToLive: Duration.seconds(30) })
 * )
 */
export class PlexTokenCacheStore extends Context.Tag("@effect-plex/core/PlexTokenCacheStore")<
  PlexTokenCacheStore,
  {
    readonly make: (options: PlexTokenCacheOptions) => Effect.Effect<PlexTokenCache, never, Scope.Scope>
  }
>() {}
