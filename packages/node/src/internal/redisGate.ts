import type { PlexGateStoreService, PlexGateView } from "@effect-plex/core"
import type * as RateLimiter from "@effect/experimental/RateLimiter"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Generation, Link } from "./redisLink.js"

/**
 * The gate's shared store on `@effect/experimental`'s `RateLimiter` (fixed-window and
 * token-bucket, on its Redis store), one key per plex.tv host and kind of lock:
 *
 * - a cool-down of `D` ms is a fixed window of `D` tokens refilled at one a millisecond: consuming
 *   `D` of a limit of `D` creates it with a time to live of `D` when the key is absent, and is
 *   refused with the time left when a cool-down is there; when that is shorter than `D` the rest is
 *   added (a longer cool-down already there stays). So every replica's 429 shuts the host for all;
 * - a look at a host consumes one token of a limit of one per millisecond: absent, that leaves a
 *   mark of 1 ms (harmless); present, it is refused with the cool-down's time left;
 * - the optional admission rate is a token bucket per host in "delay" mode: each call takes a
 *   token and is told how long to wait for it.
 *
 * Every call goes through the link: Redis down, slow or odd means "open" (the in-memory gate still
 * applies), and the outage is logged once.
 */

export interface Admission {
  readonly limit: number
  readonly window: Duration.Duration
}

const open: PlexGateView = { openAt: 0, signInOpenAt: 0, admitAt: 0 }

/** A cool-down's time left, in ms; 0 when the host is open. The 1 ms marks of looks count as open. */
const look = (limiter: RateLimiter.RateLimiter, key: string): Effect.Effect<number, RateLimiter.RateLimiterError> =>
  Effect.catchIf(
    Effect.as(limiter.consume({ algorithm: "fixed-window", key, window: Duration.millis(1), limit: 1 }), 0),
    (error) => error.reason === "Exceeded",
    (error) => {
      const left = Duration.toMillis((error as RateLimiter.RateLimitExceeded).retryAfter)
      return Effect.succeed(Number.isFinite(left) && left > 1 ? left : 0)
    }
  )

const shutFor = (
  limiter: RateLimiter.RateLimiter,
  key: string,
  millis: number
): Effect.Effect<void, RateLimiter.RateLimiterError> =>
  Effect.catchIf(
    Effect.asVoid(
      limiter.consume({
        algorithm: "fixed-window",
        key,
        window: Duration.millis(millis),
        limit: millis,
        tokens: millis
      })
    ),
    (error) => error.reason === "Exceeded",
    (error) => {
      const left = Duration.toMillis((error as RateLimiter.RateLimitExceeded).retryAfter)
      const more = Math.ceil(millis - (Number.isFinite(left) ? Math.max(left, 0) : 0))
      if (more < 1) return Effect.void
      // "delay" mode adds the tokens whatever the count: the cool-down grows by `more`
      return Effect.asVoid(limiter.consume({
        algorithm: "fixed-window",
        onExceeded: "delay",
        key,
        window: Duration.millis(more),
        limit: more,
        tokens: more
      }))
    }
  )

export const makeGateStore = (link: Link, admission: Admission | undefined): PlexGateStoreService => {
  const withGeneration = <A>(
    what: string,
    f: (gen: Generation) => Effect.Effect<A, RateLimiter.RateLimiterError>,
    fallback: A
  ): Effect.Effect<A> =>
    Effect.suspend(() => {
      const gen = link.current()
      if (gen === undefined) return Effect.succeed(fallback)
      return Effect.map(link.run(gen, what, f(gen)), Option.getOrElse(() => fallback))
    })

  const enter = (host: string, signIn: boolean): Effect.Effect<PlexGateView> =>
    withGeneration("gate", ({ limiter }) =>
      Effect.flatMap(
        Effect.all([
          look(limiter, `cooldown:${host}`),
          signIn ? look(limiter, `signin:${host}`) : Effect.succeed(0),
          admission === undefined ? Effect.succeed(0) : Effect.map(
            limiter.consume({
              algorithm: "token-bucket",
              onExceeded: "delay",
              key: `admit:${host}`,
              window: admission.window,
              limit: admission.limit
            }),
            (result) => Duration.toMillis(result.delay)
          )
        ], { concurrency: "unbounded" }),
        ([cooldown, signInLock, delay]) =>
          cooldown === 0 && signInLock === 0 && !(delay > 0)
            ? Effect.succeed(open)
            : Effect.map(Effect.clockWith((clock) => clock.currentTimeMillis), (now) => ({
              openAt: cooldown === 0 ? 0 : now + cooldown,
              signInOpenAt: signInLock === 0 ? 0 : now + signInLock,
              admitAt: delay > 0 && Number.isFinite(delay) ? now + delay : 0
            }))
      ), open)

  const shut = (host: string, lock: "rateLimit" | "signIn", millis: number): Effect.Effect<void> => {
    const whole = Math.ceil(millis)
    if (!(whole >= 1)) return Effect.void
    return withGeneration(
      "gate",
      ({ limiter }) => shutFor(limiter, lock === "rateLimit" ? `cooldown:${host}` : `signin:${host}`, whole),
      undefined
    )
  }

  return { enter, shut }
}
