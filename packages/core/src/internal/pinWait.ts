/**
 * Waiting for a PIN to be linked: the one polling loop of `PlexPinAuth.waitForToken` and
 * `PlexJwtAuth.linkWithPin` (its schedule, its expiry, its argument checks).
 */
import * as Clock from "effect/Clock"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as ScheduleInterval from "effect/ScheduleInterval"
import type { PlexConfigService } from "../PlexConfig.js"
import { PlexError, PlexInvalidInputError, PlexPinExpiredError } from "../PlexError.js"

const MIN_INTERVAL = Duration.millis(100)

export const refuse = (argument: string, reason: string) => Effect.fail(new PlexInvalidInputError({ argument, reason }))

/**
 * The PIN's id goes into the URL path: only a positive safe integer (`1.5`, `NaN`, `-1` or `2 ** 60`
 * would make a path plex.tv cannot know, or print as another number).
 */
export const checkPinId = (pin: unknown): Effect.Effect<number, PlexInvalidInputError> => {
  if (!Predicate.isObject(pin)) return refuse("pin", "must be an object with an id")
  const id = (pin as { readonly id?: unknown }).id
  return typeof id === "number" && Number.isSafeInteger(id) && id > 0
    ? Effect.succeed(id)
    : refuse("pinId", "must be a positive integer")
}

/** The pause between polls: default 1 second, at least 100 milliseconds, finite. */
export const checkInterval = (
  input: Duration.DurationInput | undefined
): Effect.Effect<Duration.Duration, PlexInvalidInputError> => {
  const interval = Duration.decodeUnknown(input ?? Duration.seconds(1))
  if (Option.isNone(interval)) return refuse("interval", "must be a duration")
  if (!Duration.isFinite(interval.value)) return refuse("interval", "must be finite")
  return Effect.succeed(Duration.max(interval.value, MIN_INTERVAL))
}

/** What the schedule needs of a failure: its tag, and whether it is worth another try. */
type Failure = { readonly _tag: string }

type PollOutcome<A, E> = Either.Either<Option.Option<A>, E>

/**
 * The one schedule of a PIN wait, fed each poll's outcome: a value ends it; no value yet waits
 * the interval; a 429 waits longer each time (doubling up to the slowest pace, never sooner than
 * `Retry-After`); a transient failure (no answer, 502/503/504) is tried again with the retry
 * back-off at most `retry.times` times in a row; anything else ends it with that failure.
 */
export const pollSchedule = <A, E extends Failure>(
  interval: Duration.Duration,
  slowest: Duration.Duration,
  retry: PlexConfigService["retry"]
): Schedule.Schedule<PollOutcome<A, E>, PollOutcome<A, E>> =>
  Schedule.makeWithState(
    { limited: 0, transient: 0 },
    (now, outcome: PollOutcome<A, E>, state) => {
      const after = (delay: Duration.Duration, next: typeof state) =>
        Effect.succeed(
          [
            next,
            outcome,
            ScheduleDecision.continueWith(ScheduleInterval.after(now + Duration.toMillis(delay)))
          ] as const
        )
      const stop = Effect.succeed([state, outcome, ScheduleDecision.done] as const)
      if (Either.isRight(outcome)) {
        return Option.isSome(outcome.right)
          ? stop
          : after(interval, { limited: 0, transient: 0 })
      }
      const error = outcome.left
      if (error._tag === "PlexRateLimitError") {
        const limited = state.limited + 1
        const pause = Duration.min(Duration.times(interval, 2 ** Math.min(limited, 30)), slowest)
        const retryAfter = (error as unknown as { readonly retryAfter: Option.Option<Duration.Duration> }).retryAfter
        const wait = Duration.max(pause, Option.getOrElse(retryAfter, () => Duration.zero))
        return after(wait, { limited, transient: 0 })
      }
      if (PlexError.isRetryable(error as unknown as PlexError) && state.transient < retry.times) {
        const backoff = Duration.min(Duration.times(retry.base, 2 ** state.transient), retry.cap)
        return Effect.flatMap(
          Random.nextRange(0.8, 1.2),
          (jitter) => after(Duration.times(backoff, jitter), { limited: state.limited, transient: state.transient + 1 })
        )
      }
      return stop
    }
  )

/**
 * Polls until `poll` gives a value, by `pollSchedule`; fails with `PlexPinExpiredError` at
 * `expiresAt` (by the Effect `Clock`), which bounds everything, a wait or a request in flight
 * included. A wait that ends at the expiry makes no last request.
 */
export const waitForLink = <A, E extends Failure>(
  pinId: number,
  expiresAt: DateTime.DateTime,
  interval: Duration.Duration,
  retry: PlexConfigService["retry"],
  poll: Effect.Effect<Option.Option<A>, E>
): Effect.Effect<A, E | PlexPinExpiredError> =>
  Effect.gen(function*() {
    const expired = new PlexPinExpiredError({ pinId })
    const deadline = DateTime.toEpochMillis(expiresAt)
    const remaining = deadline - (yield* Clock.currentTimeMillis)
    if (remaining <= 0) return yield* expired
    const schedule = pollSchedule<A, E | PlexPinExpiredError>(interval, Duration.max(retry.cap, interval), retry)
    const once = Effect.flatMap(
      Clock.currentTimeMillis,
      (now): Effect.Effect<Option.Option<A>, E | PlexPinExpiredError> => now >= deadline ? Effect.fail(expired) : poll
    )
    const last = yield* Effect.repeat(Effect.either(once), schedule).pipe(
      Effect.timeoutFail({ duration: remaining, onTimeout: () => expired })
    )
    if (Either.isLeft(last)) return yield* Effect.fail(last.left)
    if (Option.isSome(last.right)) return last.right.value
    return yield* expired // cannot happen: the schedule ends only on a value or a failure
  })
