import * as Duration from "effect/Duration"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import type { PlexConfigService } from "../PlexConfig.js"
import { PlexError } from "../PlexError.js"

/**
 * The automatic retry of idempotent calls: exponential backoff from `base` with jitter, each wait
 * capped at `cap`, at most `times` retries, only while the failure is retryable, and never sooner
 * than plex.tv's `Retry-After`.
 */
export const retryPolicy = ({ base, cap, times }: PlexConfigService["retry"]) =>
  Schedule.exponential(base).pipe(
    Schedule.jittered,
    Schedule.modifyDelay((_, delay) => Duration.min(delay, cap)),
    Schedule.intersect(Schedule.recurs(times)),
    Schedule.whileInput(PlexError.isRetryable),
    Schedule.intersect(Schedule.identity<PlexError>()),
    Schedule.modifyDelay(([, error], delay) =>
      error._tag === "PlexRateLimitError"
        ? Duration.max(delay, Option.getOrElse(error.retryAfter, () => Duration.zero))
        : delay
    )
  )
