import * as Duration from "effect/Duration"
import * as Schedule from "effect/Schedule"
import type { PlexConfigService } from "../PlexConfig.js"
import { PlexError } from "../PlexError.js"

/**
 * The automatic retry of idempotent calls: exponential backoff from `base` with jitter, each wait
 * capped at `cap`, at most `times` retries, only while the failure is retryable. A retry after a
 * 429 is never sent sooner than plex.tv's `Retry-After` either, but not because of this schedule:
 * the 429 shut the host's rate-limit gate, and the retry waits there, in the queue of callers that
 * is let through gently once the cool-down is over (see `gate.ts`).
 */
export const retryPolicy = ({ base, cap, times }: PlexConfigService["retry"]) =>
  Schedule.exponential(base).pipe(
    Schedule.jittered,
    Schedule.modifyDelay((_, delay) => Duration.min(delay, cap)),
    Schedule.intersect(Schedule.recurs(times)),
    Schedule.whileInput(PlexError.isRetryable)
  )
