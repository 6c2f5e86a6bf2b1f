import {
  PlexBadRequestError,
  PlexDecodeError,
  PlexError,
  PlexHttpError,
  PlexInvalidInputError,
  PlexRateLimitError,
  PlexTimeoutError,
  PlexTransportError,
  PlexUnauthorizedError,
  PlexUser
} from "@effect-plex/core"
import type {
  PlexAuthError,
  PlexTokenCache,
  PlexTokenCacheAnswer,
  PlexTokenCacheOptions,
  PlexTokenCacheStore
} from "@effect-plex/core"
import * as PersistedCache from "@effect/experimental/PersistedCache"
import type * as RateLimiter from "@effect/experimental/RateLimiter"
import * as Persistence from "@effect/experimental/Persistence"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as PrimaryKey from "effect/PrimaryKey"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as Struct from "effect/Struct"
import { createHash } from "node:crypto"
import type { Generation, Link } from "./redisLink.js"

/**
 * `PlexTokenValidator`'s cache shared through `@effect/experimental`'s `PersistedCache` on its Redis
 * `Persistence`:
 *
 * - the key is the SHA-256 of the token (the validator's key), never the token; the value is the
 *   decoded account without its `authToken` (the caller holds the token: the account gets it back),
 *   or a dead token's error, each with its absolute expiry, so every replica forgets it at the same
 *   time and a copy re-written by a waiting replica keeps the first time to live;
 * - one request per token across the fleet: the replica that misses takes a lease (a fixed window
 *   of one per `lease` on `RateLimiter`'s Redis store); the others poll the entry until the answer
 *   is there or the lease runs out (then they try again). A failure that is not a dead token is
 *   kept 2 seconds for the replicas that were waiting on it (as concurrent callers in one process
 *   share a failure); a replica that asks later runs its own request;
 * - `evict`, `evictAll` and dead tokens are told to every replica on a pub/sub channel, so their
 *   in-memory copies go too;
 * - with Redis down, slow or answering garbage, the request runs here alone (the link logs the
 *   outage once, and the fleet is rejoined when Redis is back).
 */

const Account = Schema.Struct(Struct.omit(PlexUser.fields, "authToken"))
const Dead = Schema.Union(PlexUnauthorizedError, PlexInvalidInputError)
const AnyError = Schema.Union(
  PlexBadRequestError,
  PlexUnauthorizedError,
  PlexRateLimitError,
  PlexHttpError,
  PlexTransportError,
  PlexTimeoutError,
  PlexDecodeError,
  PlexInvalidInputError
)

const Outcome = Schema.Union(
  Schema.TaggedStruct("Account", { account: Account, expiresAt: Schema.Number }),
  Schema.TaggedStruct("Dead", { error: Dead, expiresAt: Schema.Number }),
  Schema.TaggedStruct("Failed", { error: AnyError, at: Schema.Number }),
  // left by `evict`: the lookup of before is over (its lease is void), ask afresh
  Schema.TaggedStruct("Evicted", { at: Schema.Number })
)
type Outcome = typeof Outcome.Type

/** How long a failure other than a dead token stays for the replicas that waited on it. */
const failedMillis = 2_000
/** How often a waiting replica looks for the answer. */
const pollMillis = 20
/** How many recently looked-up tokens a replica can name when another replica evicts their key. */
const recentCapacity = 100_000

/** The key of a token in Redis: its SHA-256, hex. */
const keyOf = (token: Redacted.Redacted<string>): string =>
  createHash("sha256").update(Redacted.value(token)).digest("hex")

class TokenLookup extends Schema.TaggedRequest<TokenLookup>()("TokenLookup", {
  // never fails: every answer, a failure too, is an `Outcome`
  failure: Schema.String,
  success: Outcome,
  payload: { key: Schema.String }
}) {
  [PrimaryKey.symbol]() {
    return this.key
  }
}

interface InFlight {
  readonly request: Effect.Effect<PlexUser, PlexAuthError>
  readonly start: number
  /** The outcome of the request, once it ran in this process. */
  ran: Outcome | undefined
}

interface Handle {
  readonly cache: PersistedCache.PersistedCache<TokenLookup>
  readonly results: Persistence.ResultPersistenceStore
}

export const makeTokenCacheStore = (link: Link, lease: Duration.Duration): PlexTokenCacheStore["Type"] => ({
  make: (options: PlexTokenCacheOptions) =>
    Effect.gen(function*() {
      const ttl = Duration.toMillis(options.timeToLive)
      const invalidTtl = Duration.toMillis(options.invalidTimeToLive)
      const storeId = `${link.options.prefix}tokens:${ttl}:${invalidTtl}`
      const origin = Math.random().toString(36).slice(2)
      const inflight = new Map<string, InFlight>()
      // key → token of the tokens looked up here lately, oldest first: an eviction names a key
      const recent = new Map<string, Redacted.Redacted<string>>()
      const remember = (key: string, token: Redacted.Redacted<string>) => {
        recent.delete(key)
        recent.set(key, token)
        if (recent.size > recentCapacity) recent.delete(recent.keys().next().value!)
      }
      const clock = yield* Effect.clock
      const now = () => clock.unsafeCurrentTimeMillis()

      const outcomeOf = (exit: Exit.Exit<PlexUser, PlexAuthError>): Outcome => {
        const at = now()
        if (Exit.isSuccess(exit)) {
          return { _tag: "Account", account: exit.value, expiresAt: at + ttl }
        }
        const failure = exit.cause._tag === "Fail" ? exit.cause.error : undefined
        if (failure !== undefined && PlexError.isInvalidToken(failure)) {
          return { _tag: "Dead", error: failure as typeof Dead.Type, expiresAt: at + invalidTtl }
        }
        if (failure !== undefined) return { _tag: "Failed", error: failure, at }
        // a defect or an interruption: not shared, so not kept
        return { _tag: "Failed", error: new PlexTransportError({ reason: "interrupted" }), at: 0 }
      }

      const timeToLive = (_: TokenLookup, exit: Exit.Exit<Outcome, string>): Duration.DurationInput => {
        if (Exit.isFailure(exit)) return Duration.zero
        const outcome = exit.value
        const left = outcome._tag === "Failed" || outcome._tag === "Evicted"
          ? (outcome.at === 0 ? 0 : outcome.at + failedMillis) - now()
          : outcome.expiresAt - now()
        return left >= 1 ? Duration.millis(Math.ceil(left)) : Duration.zero
      }

      const runHere = (flight: InFlight): Effect.Effect<Outcome> =>
        Effect.map(Effect.exit(flight.request), (exit) => {
          const outcome = outcomeOf(exit)
          flight.ran = outcome
          return outcome
        })

      /** Another replica holds the lease: poll its answer until it is there or the lease runs out. */
      const waitFor = (gen: Generation, handle: Handle, request: TokenLookup, flight: InFlight, left: number) => {
        const until = now() + Math.max(left, pollMillis)
        const poll: Effect.Effect<Outcome> = Effect.flatMap(
          link.run(gen, "token cache", handle.results.get(request)),
          (found) => {
            // Redis failed (the outage is logged): ask here
            if (Option.isNone(found)) return runHere(flight)
            const exit = Option.getOrUndefined(found.value)
            if (exit !== undefined && Exit.isSuccess(exit)) {
              const outcome = exit.value
              if (outcome._tag === "Account" || outcome._tag === "Dead") return Effect.succeed(outcome)
              if (outcome._tag === "Failed" && outcome.at >= flight.start) return Effect.succeed(outcome)
              // an older failure (this caller did not wait for it) or an eviction: the lookup that
              // held the lease is over, so ask here
              return runHere(flight)
            }
            if (now() >= until) return lookupOn(gen, handle)(request)
            return Effect.zipRight(Effect.sleep(Duration.millis(pollMillis)), poll)
          }
        )
        return Effect.zipRight(Effect.sleep(Duration.millis(pollMillis)), poll)
      }

      /** The lookup `PersistedCache` runs on a miss in Redis: with the lease the request, without it a wait. */
      const lookupOn = (gen: Generation, handle: Handle) => (request: TokenLookup): Effect.Effect<Outcome> =>
        Effect.suspend(() => {
          const flight = inflight.get(request.key)
          if (flight === undefined) {
            return Effect.succeed<Outcome>({ _tag: "Failed", error: new PlexTransportError({ reason: "lost" }), at: 0 })
          }
          // the lease: taken (ask plex.tv), held by another replica (wait for its answer), or Redis failed
          const lease_ = gen.limiter.consume({
            algorithm: "fixed-window",
            key: `lease:${request.key}`,
            window: lease,
            limit: 1
          })
          const held = Effect.catchIf(
            Effect.as(lease_, 0),
            (error) => error.reason === "Exceeded",
            (error) =>
              Effect.succeed(Math.max(1, Duration.toMillis((error as RateLimiter.RateLimitExceeded).retryAfter)))
          )
          return Effect.flatMap(link.run(gen, "token cache", held), (wait) =>
            Option.isNone(wait) || wait.value === 0
              ? runHere(flight)
              : waitFor(gen, handle, request, flight, wait.value))
        })

      const handleOf = (gen: Generation): Effect.Effect<Handle> =>
        Effect.suspend(() => {
          const memo = gen.memo.get(storeId) as Handle | undefined
          if (memo !== undefined) {
            return Effect.succeed(memo)
          }
          return Effect.gen(function*() {
            const results = yield* gen.persistence.make({ storeId, timeToLive: timeToLive as never })
            let handle: Handle | undefined
            const cache = yield* PersistedCache.make({
              storeId,
              lookup: (request: TokenLookup) => lookupOn(gen, handle!)(request),
              timeToLive,
              inMemoryCapacity: 100_000,
              inMemoryTTL: Duration.zero
            })
            const made: Handle = { cache, results }
            handle = made
            gen.memo.set(storeId, made)
            return made
          }).pipe(
            Effect.provideService(Persistence.ResultPersistence, gen.persistence),
            // the handle lives as long as the generation: its scope, not the caller's
            Scope.extend(gen.scope)
          )
        })

      const answerOf = (outcome: Outcome, token: Redacted.Redacted<string>): PlexTokenCacheAnswer => {
        switch (outcome._tag) {
          case "Account":
            return {
              exit: Exit.succeed(new PlexUser({ ...outcome.account, authToken: token }, true)),
              expiresAt: outcome.expiresAt
            }
          case "Dead":
            return { exit: Exit.fail(outcome.error), expiresAt: outcome.expiresAt }
          case "Failed":
            return { exit: Exit.fail(outcome.error), expiresAt: 0 }
          case "Evicted":
            return { exit: Exit.fail(new PlexTransportError({ reason: "evicted" })), expiresAt: 0 }
        }
      }

      const local = (request: Effect.Effect<PlexUser, PlexAuthError>): Effect.Effect<PlexTokenCacheAnswer> =>
        Effect.map(Effect.exit(request), (exit) => {
          const outcome = outcomeOf(exit)
          return outcome._tag === "Account" ?
            { exit, expiresAt: outcome.expiresAt } :
            outcome._tag === "Dead" ?
            { exit, expiresAt: outcome.expiresAt } :
            { exit, expiresAt: 0 }
        })

      const tell = (key: string) => link.publish("evict", `${origin} ${key}`)

      const cache: PlexTokenCache = {
        lookup: (token, request) =>
          Effect.suspend(() => {
            const key = keyOf(token)
            remember(key, token)
            const gen = link.current()
            if (gen === undefined || inflight.has(key)) return local(request)
            const flight: InFlight = { request, start: now(), ran: undefined }
            inflight.set(key, flight)
            const shared = Effect.flatMap(handleOf(gen), (handle) => handle.cache.get(new TokenLookup({ key })))
            return Effect.flatMap(
              link.run(gen, "token cache", shared),
              (found): Effect.Effect<PlexTokenCacheAnswer> => {
                const outcome = Option.getOrElse(found, () => flight.ran)
                if (outcome === undefined) return local(request) // Redis failed before the request ran
                if (
                  flight.ran === undefined &&
                  (outcome._tag === "Evicted" || (outcome._tag === "Failed" && outcome.at < flight.start))
                ) {
                  // a failure kept for the callers of its time, or an eviction: ask here, and share the answer
                  return Effect.flatMap(runHere(flight), (fresh) =>
                    Effect.as(
                      link.run(
                        gen,
                        "token cache",
                        Effect.flatMap(
                          handleOf(gen),
                          (handle) => handle.results.set(new TokenLookup({ key }), Exit.succeed(fresh))
                        )
                      ),
                      answerOf(fresh, token)
                    ))
                }
                const answer = Effect.succeed(answerOf(outcome, token))
                return outcome._tag === "Dead" && flight.ran !== undefined ? Effect.zipLeft(answer, tell(key)) : answer
              }
            ).pipe(Effect.ensuring(Effect.sync(() => void inflight.delete(key))))
          }),
        evict: (token) =>
          Effect.suspend(() => {
            const key = keyOf(token)
            recent.delete(key)
            const gen = link.current()
            if (gen === undefined) return Effect.void
            // a mark rather than a removal: a replica waiting on a lookup of before asks afresh at once
            const evicted = Exit.succeed<Outcome>({ _tag: "Evicted", at: now() })
            return Effect.zipRight(
              link.run(
                gen,
                "token cache",
                Effect.flatMap(handleOf(gen), (handle) => handle.results.set(new TokenLookup({ key }), evicted))
              ),
              tell(key)
            )
          }),
        evictAll: Effect.suspend(() => {
          const gen = link.current()
          if (gen === undefined) return Effect.void
          // `clear` deletes the keys it lists: with none listed Redis refuses it, which is no outage
          return Effect.zipRight(
            Effect.ignore(Effect.flatMap(handleOf(gen), (handle) => handle.results.clear)),
            tell("*")
          )
        }),
        evictions: (onEvict) =>
          link.subscribe("evict", (message) => {
            const space = message.indexOf(" ")
            if (space < 0 || message.slice(0, space) === origin) return
            const key = message.slice(space + 1)
            if (key === "*") return onEvict(undefined)
            const token = recent.get(key)
            if (token !== undefined) onEvict(token)
          })
      }
      return cache
    })
})
