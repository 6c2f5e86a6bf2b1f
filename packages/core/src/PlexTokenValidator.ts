/**
 * @since 0.1.0
 */
import * as Cache from "effect/Cache"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Equal from "effect/Equal"
import * as Exit from "effect/Exit"
import * as Hash from "effect/Hash"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { sha256 } from "@noble/hashes/sha2"
import { bytesToHex } from "@noble/hashes/utils"
import { PlexAuth, type PlexAuthError } from "./PlexAuth.js"
import type { PlexUser } from "./PlexUser.js"

const encoder = new TextEncoder()

/** SHA-256 hex of the token (synchronous, `@noble/hashes`): what the cache is keyed by. */
const digest = (token: Redacted.Redacted<string>): string => bytesToHex(sha256(encoder.encode(Redacted.value(token))))

/**
 * A cache key: equal and hashed by the token's SHA-256 only. It carries the (redacted) token to
 * the lookup, which needs it for the request.
 */
class TokenKey implements Equal.Equal {
  constructor(readonly digest: string, readonly token: Redacted.Redacted<string>) {}
  [Equal.symbol](that: Equal.Equal): boolean {
    return that instanceof TokenKey && that.digest === this.digest
  }
  [Hash.symbol](): number {
    return Hash.cached(this, Hash.string(this.digest))
  }
}

/**
 * Options of {@link PlexTokenValidator.layer}.
 *
 * @since 0.1.0
 * @category config
 * @example
 * import type { PlexTokenValidatorOptions } from "@effect-plex/core"
 *
 * const options: PlexTokenValidatorOptions = { timeToLive: "1 minute", capacity: 50_000 }
 * console.log(options.capacity)
 */
export interface PlexTokenValidatorOptions {
  /** How long a valid token's account is reused; default 5 minutes. */
  readonly timeToLive?: Duration.DurationInput | undefined
  /** How long a token plex.tv called invalid (401, 422, 498) stays known as invalid; default 30 seconds. */
  readonly invalidTimeToLive?: Duration.DurationInput | undefined
  /** How many tokens are kept at most; default 10,000. */
  readonly capacity?: number | undefined
}

/**
 * Checks incoming tokens against plex.tv, with a cache in front: for backends that check the same
 * user's token on every request.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { PlexTokenValidator } from "@effect-plex/core"
 * import * as Effect from "effect/Effect"
 * import * as Redacted from "effect/Redacted"
import { sha256 } from "@noble/hashes/sha2"
import { bytesToHex } from "@noble/hashes/utils"
 *
 * const userOf = (header: string) =>
 *   Effect.flatMap(PlexTokenValidator, (validator) => validator.validate(Redacted.make(header)))
 */
export interface PlexTokenValidatorService {
  /**
   * The account behind the token. Within the time to live the answer comes from the cache;
   * concurrent checks of one token make one request. Failures are not cached, except plex.tv's
   * "this token is invalid" (for a short time).
   */
  readonly validate: (token: Redacted.Redacted<string>) => Effect.Effect<PlexUser, PlexAuthError>
  /** Forgets a token, such as after signing it out. */
  readonly evict: (token: Redacted.Redacted<string>) => Effect.Effect<void>
  /** Forgets every token. */
  readonly evictAll: Effect.Effect<void>
  /** How many tokens are cached now. */
  readonly size: Effect.Effect<number>
}

const isInvalidToken = (exit: Exit.Exit<PlexUser, PlexAuthError>) =>
  Exit.isFailure(exit) &&
  exit.cause._tag === "Fail" &&
  exit.cause.error._tag === "PlexUnauthorizedError" &&
  exit.cause.error.reason === "InvalidToken"

const make = (options?: PlexTokenValidatorOptions): Effect.Effect<PlexTokenValidatorService, never, PlexAuth> =>
  Effect.gen(function*() {
    const auth = yield* PlexAuth
    const ttl = Duration.decode(options?.timeToLive ?? "5 minutes")
    const invalidTtl = Duration.decode(options?.invalidTimeToLive ?? "30 seconds")
    const cache = yield* Cache.makeWith({
      capacity: options?.capacity ?? 10_000,
      lookup: (key: TokenKey) => auth.getTokenDetails(key.token),
      timeToLive: (exit) => Exit.isSuccess(exit) ? ttl : isInvalidToken(exit) ? invalidTtl : Duration.zero
    })
    const keyOf = (token: Redacted.Redacted<string>) => new TokenKey(digest(token), token)
    return {
      // a hit is a few microseconds, with no span of its own; a miss is `PlexAuth.getTokenDetails`'s span
      validate: (token) => Effect.suspend(() => cache.get(keyOf(token))),
      evict: (token) => Effect.suspend(() => cache.invalidate(keyOf(token))),
      evictAll: cache.invalidateAll,
      size: cache.size
    }
  })

/**
 * The token validator: `PlexAuth.getTokenDetails` behind a bounded time-to-live cache (Effect
 * `Cache`) keyed by the SHA-256 of the token.
 *
 * @since 0.1.0
 * @category tags
 * @example
 * import { PlexTokenValidator } from "@effect-plex/core"
 * import { PlexNode } from "@effect-plex/node"
 * import * as Layer from "effect/Layer"
 *
 * const ValidatorLive = PlexTokenValidator.layer({ timeToLive: "1 minute" }).pipe(Layer.provide(PlexNode.layer))
 */
export class PlexTokenValidator
  extends Context.Tag("@effect-plex/core/PlexTokenValidator")<PlexTokenValidator, PlexTokenValidatorService>()
{
  /** Builds the validator and its cache from the `PlexAuth` in context. */
  static readonly make = make

  /** The validator as a layer. */
  static readonly layer = (options?: PlexTokenValidatorOptions): Layer.Layer<PlexTokenValidator, never, PlexAuth> =>
    Layer.effect(PlexTokenValidator, make(options))
}
