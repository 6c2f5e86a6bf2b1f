/**
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as FiberSet from "effect/FiberSet"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { PlexAuth, type PlexAuthError } from "./PlexAuth.js"
import { PlexError } from "./PlexError.js"
import { PlexTokenCacheStore } from "./PlexTokenCacheStore.js"
import type { PlexUser } from "./PlexUser.js"

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
  /**
   * How long a token known to be dead stays known as dead: plex.tv called it invalid (401, 422,
   * 498), or it was refused before sending (`PlexInvalidInputError` for the `token`); default 30
   * seconds.
   */
  readonly invalidTimeToLive?: Duration.DurationInput | undefined
  /** How many tokens are kept at most, lookups in flight included; default 10,000. */
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
 *
 * const userOf = (header: string) =>
 *   Effect.flatMap(PlexTokenValidator, (validator) => validator.validate(Redacted.make(header)))
 */
export interface PlexTokenValidatorService {
  /**
   * The account behind the token. Within the time to live the answer comes from the cache;
   * concurrent checks of one token share one request. Failures are not cached, except a dead
   * token (`PlexError.isInvalidToken`), for `invalidTimeToLive`.
   *
   * The shared request runs on a fiber of its own. Interrupting one caller detaches only that
   * caller: the others still get the account or a typed error. When every caller has gone, the
   * request is interrupted and nothing is cached.
   */
  readonly validate: (token: Redacted.Redacted<string>) => Effect.Effect<PlexUser, PlexAuthError>
  /**
   * Forgets a token, such as after signing it out. A request already in flight for it still
   * answers the callers waiting on it, but its answer is not cached: the next `validate` asks
   * plex.tv again.
   */
  readonly evict: (token: Redacted.Redacted<string>) => Effect.Effect<void>
  /** Forgets every token, with the same effect on requests in flight as `evict`. */
  readonly evictAll: Effect.Effect<void>
  /** How many tokens are cached or being looked up now (answers past their time to live are not counted). */
  readonly size: Effect.Effect<number>
}

/** A lookup in flight. Its identity is its generation: an answer is cached only if the map still holds this object. */
interface Pending {
  readonly _tag: "Pending"
  readonly deferred: Deferred.Deferred<PlexUser, PlexAuthError>
  /** Callers waiting on it; when the last one is interrupted, so is the lookup. */
  waiters: number
  fiber: Fiber.RuntimeFiber<Exit.Exit<PlexUser, PlexAuthError>> | undefined
  done: boolean
  /** Until when the answer may be kept, when a shared cache said so (its entry's expiry). */
  expiresAt: number | undefined
}

/** A cached answer: an account, or a dead token's failure. */
interface Cached {
  readonly _tag: "Cached"
  readonly exit: Exit.Exit<PlexUser, PlexAuthError>
  readonly expiresAt: number
}

const flatten = <A, E>(exit: Exit.Exit<Exit.Exit<A, E>>): Exit.Exit<A, E> =>
  Exit.isSuccess(exit) ? exit.value : Exit.failCause(exit.cause)

const isDeadToken = (exit: Exit.Exit<PlexUser, PlexAuthError>): boolean =>
  Exit.isFailure(exit) && exit.cause._tag === "Fail" && PlexError.isInvalidToken(exit.cause.error)

/*
 * How the cache works (a `Map` keyed by the token, in recency order):
 * - a hit is a `Map` lookup and a clock read, with no fiber and no span. The key is the token
 *   itself, not a hash of it: the cached account holds the same token (`authToken`) for as long,
 *   so a hash would hide nothing, and it cost half of a hit (about 4 µs of SHA-256). The map is
 *   never exposed; nothing formats it;
 * - a miss stores a `Pending` entry and forks `getTokenDetails` from the caller (so its span is a
 *   child of that caller's) into a `FiberSet` owned by the layer's scope. Callers, the first one
 *   included, only wait on the entry's `Deferred`: interrupting one detaches it alone. When the
 *   last one is interrupted the lookup is abandoned: its entry goes at once (a caller arriving
 *   meanwhile starts afresh) and the interrupted caller waits until the request has stopped;
 * - an answer is stored only if the map still holds the very `Pending` it belongs to: an `evict`,
 *   `evictAll`, the capacity bound or abandonment in the meantime removed it, and a lookup begun
 *   later has an entry of its own. The entry object is the generation;
 * - only an account (`timeToLive`) or a dead token (`invalidTimeToLive`) is stored; any other
 *   failure, a defect or an interruption removes the entry. A token refused before sending
 *   (`PlexInvalidInputError` for the `token`) counts as dead, like `PlexError.isInvalidToken`.
 */
const make = (
  options?: PlexTokenValidatorOptions
): Effect.Effect<PlexTokenValidatorService, never, PlexAuth | Scope.Scope> =>
  Effect.gen(function*() {
    const auth = yield* PlexAuth
    const clock = yield* Effect.clock
    const ttl = Duration.toMillis(options?.timeToLive ?? "5 minutes")
    const invalidTtl = Duration.toMillis(options?.invalidTimeToLive ?? "30 seconds")
    const capacity = options?.capacity ?? 10_000
    // lookups belong to the layer: closing it interrupts them
    // (each lookup ends in its own `Exit`, so the set never keeps a failure)
    const lookups = yield* FiberSet.make<Exit.Exit<PlexUser, PlexAuthError>>()
    // a cache shared with other processes (a `PlexTokenCacheStore` in context, such as
    // `PlexRedis.layer` of `@effect-plex/node/redis`): asked on a miss only, so a hit costs the same
    const store = Option.getOrUndefined(yield* Effect.serviceOption(PlexTokenCacheStore))
    const shared = store === undefined
      ? undefined
      : yield* store.make({ timeToLive: Duration.millis(ttl), invalidTimeToLive: Duration.millis(invalidTtl) })
    // insertion order is recency order: a hit moves its key to the end, the first key is the least recently used
    const entries = new Map<string, Pending | Cached>()
    if (shared !== undefined) {
      // another replica evicted a token or found it dead: this process's copy goes too
      yield* shared.evictions((token) =>
        token === undefined ? entries.clear() : void entries.delete(Redacted.value(token))
      )
    }

    const touch = (key: string, entry: Pending | Cached) => {
      entries.delete(key)
      entries.set(key, entry)
    }

    const insert = (key: string, entry: Pending) => {
      entries.delete(key) // an expired answer's place in the order is not this entry's
      entries.set(key, entry)
      for (const oldest of entries.keys()) {
        if (entries.size <= capacity) break
        entries.delete(oldest)
      }
    }

    /** The lookup ended (or never ran): answer its waiters, then cache the answer if nothing evicted it meanwhile. */
    const settle = (key: string, pending: Pending, exit: Exit.Exit<PlexUser, PlexAuthError>) => {
      pending.done = true
      Deferred.unsafeDone(pending.deferred, exit)
      if (entries.get(key) !== pending) return // evicted, pushed out by capacity, or abandoned
      const now = clock.unsafeCurrentTimeMillis()
      // a shared cache's answer is kept until its entry expires, for every replica alike
      const expiresAt = pending.expiresAt ??
        (Exit.isSuccess(exit) ? now + ttl : isDeadToken(exit) ? now + invalidTtl : 0)
      if (expiresAt > now) {
        entries.set(key, { _tag: "Cached", exit, expiresAt })
      } else {
        entries.delete(key)
      }
    }

    /** A waiter was interrupted: if it was the last one, nobody wants the answer, so stop the lookup. */
    const leave = (key: string, pending: Pending) =>
      Effect.suspend(() => {
        if (--pending.waiters > 0 || pending.done) return Effect.void
        if (entries.get(key) === pending) entries.delete(key) // later callers start afresh
        return pending.fiber === undefined ? Effect.void : Fiber.interrupt(pending.fiber)
      })

    const await_ = (
      key: string,
      pending: Pending,
      restore: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
    ) => Effect.onInterrupt(restore(Deferred.await(pending.deferred)), () => leave(key, pending))

    // runs uninterruptibly: the waiter count and the interruption handler go together
    const miss = (key: string, token: Redacted.Redacted<string>) =>
      Effect.uninterruptibleMask((restore) => {
        const entry = entries.get(key)
        if (entry?._tag === "Cached" && clock.unsafeCurrentTimeMillis() < entry.expiresAt) return entry.exit
        if (entry?._tag === "Pending") {
          entry.waiters++
          touch(key, entry)
          return await_(key, entry, restore)
        }
        const pending: Pending = {
          _tag: "Pending",
          deferred: Deferred.unsafeMake(FiberId.none),
          waiters: 1,
          fiber: undefined,
          done: false,
          expiresAt: undefined
        }
        insert(key, pending)
        // forked from the caller, so the request's span is a child of the first caller's
        const lookup = Effect.interruptible(
          shared === undefined
            ? Effect.exit(auth.getTokenDetails(token))
            : Effect.map(shared.lookup(token, auth.getTokenDetails(token)), (answer) => {
              pending.expiresAt = answer.expiresAt
              return answer.exit
            })
        )
        return Effect.flatMap(FiberSet.run(lookups, lookup), (fiber) => {
          pending.fiber = fiber
          // also called if the fiber never ran (the layer is closing): no waiter is left hanging
          fiber.addObserver((exit) => settle(key, pending, flatten(exit)))
          return await_(key, pending, restore)
        })
      })

    return {
      // a hit is a hash, a `Map` lookup and a clock read: no fiber, no span
      validate: (token) =>
        Effect.suspend(() => {
          const key = Redacted.value(token)
          const entry = entries.get(key)
          if (entry?._tag === "Cached" && clock.unsafeCurrentTimeMillis() < entry.expiresAt) {
            touch(key, entry)
            return entry.exit
          }
          return miss(key, token)
        }),
      evict: (token) => {
        const local = Effect.sync(() => void entries.delete(Redacted.value(token)))
        return shared === undefined ? local : Effect.zipRight(local, shared.evict(token))
      },
      evictAll: shared === undefined
        ? Effect.sync(() => entries.clear())
        : Effect.zipRight(Effect.sync(() => entries.clear()), shared.evictAll),
      size: Effect.sync(() => {
        const now = clock.unsafeCurrentTimeMillis()
        for (const [key, entry] of entries) {
          if (entry._tag === "Cached" && now >= entry.expiresAt) entries.delete(key)
        }
        return entries.size
      })
    }
  })

/**
 * The token validator: `PlexAuth.getTokenDetails` behind a bounded (least recently used out)
 * time-to-live cache in memory (keyed by the token, which the cached account holds anyway), and
 * optionally one shared with other processes (`PlexTokenCacheStore`, keyed there by its SHA-256).
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
  /**
   * Builds the validator and its cache from the `PlexAuth` in context. Lookups in flight belong
   * to the scope: closing it interrupts them.
   */
  static readonly make = make

  /**
   * The validator as a layer; closing the layer interrupts the lookups in flight. With a
   * `PlexTokenCacheStore` in context (`PlexRedis.layer` of `@effect-plex/node/redis`), a miss asks
   * the cache shared by every replica before plex.tv, and evictions reach every replica.
   */
  static readonly layer = (options?: PlexTokenValidatorOptions): Layer.Layer<PlexTokenValidator, never, PlexAuth> =>
    Layer.scoped(PlexTokenValidator, make(options))
}
