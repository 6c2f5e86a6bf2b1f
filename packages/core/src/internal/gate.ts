import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { type PlexError, PlexRateLimitError } from "../PlexError.js"
import type { PlexGateStoreService } from "../PlexGateStore.js"

/**
 * The rate-limit gate of a `PlexClient`, with a separate state per plex.tv host: when a host answers
 * 429, every call to that host waits out the cool-down instead of each fiber hammering it on its
 * own, and calls to the other host go on. After the cool-down the callers that waited are let
 * through at a bounded rate, one every `1 / reopenRate` seconds, never all at once; calls that
 * arrive once the gate is open go straight through (a busy client is back to full speed at once,
 * only the crowd that piled up is paced). A caller whose turn would come after its deadline fails
 * at once when even the cool-down outlasts its deadline, else at its deadline. After a 1031 (sign-ins throttled for this address), sign-ins
 * fail at once for the cool-down instead of extending the lock.
 */
export interface Gate {
  /** Waits until the host lets the call through; fails when that is past `deadlineAt`. */
  readonly pass: (
    host: string,
    signIn: boolean,
    deadlineAt: number
  ) => Effect.Effect<void, PlexRateLimitError>
  /** Whether a call to `host` goes straight through now, without waiting: the common case, no effect. */
  readonly isOpen: (host: string, signIn: boolean, now: number) => boolean
  /** Reads a failure from `host`: a 429 or a 1031 shuts its gate (and the shared store's, if any). */
  readonly observe: (host: string, error: PlexError) => Effect.Effect<void>
  /**
   * Only with a shared store (`undefined` without one, so the in-memory gate costs what it did):
   * takes the fleet's cool-downs of `host` into this gate, then waits for the call's turn in the
   * shared admission rate; fails when that turn is past `deadlineAt`.
   */
  readonly enter:
    | ((host: string, signIn: boolean, deadlineAt: number) => Effect.Effect<void, PlexRateLimitError>)
    | undefined
}

export interface GateOptions {
  /** The cool-down after a 429 without `Retry-After`. */
  readonly rateLimitCooldown: Duration.Duration
  /** The longest cool-down a `Retry-After` can ask for; longer ones are cut to this. */
  readonly maxRetryAfter: Duration.Duration
  /** How many calls a second go through once a cool-down is over, while callers queue. */
  readonly reopenRate: number
  /** The cool-down of sign-ins after a 1031. */
  readonly throttleCooldown: Duration.Duration
}

interface HostState {
  /** Nothing goes through before this time (a 429's cool-down). */
  openAt: number
  /** The next free slot of the queue that drains at `reopenRate` after a cool-down. */
  nextSlot: number
  /** Sign-ins fail at once before this time (a 1031's cool-down). */
  signInOpenAt: number
}

/** A gate of its own (`PlexClient` holds one), sharing its cool-downs through `store` when there is one. */
export const makeGate = (options: GateOptions, store?: PlexGateStoreService): Gate => {
  const hosts = new Map<string, HostState>()
  const stateOf = (host: string): HostState => {
    let state = hosts.get(host)
    if (state === undefined) {
      state = { openAt: 0, nextSlot: 0, signInOpenAt: 0 }
      hosts.set(host, state)
    }
    return state
  }
  const cooldown = Duration.toMillis(options.rateLimitCooldown)
  const maxWait = Duration.toMillis(options.maxRetryAfter)
  const spacing = 1000 / options.reopenRate
  const throttle = Duration.toMillis(options.throttleCooldown)

  const pass = (
    host: string,
    signIn: boolean,
    deadlineAt: number
  ): Effect.Effect<void, PlexRateLimitError> =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const state = hosts.get(host)
      if (state === undefined) return Effect.void
      if (signIn && state.signInOpenAt > now) {
        // refused here, never sent: not plex.tv's 401, a rate limit of our own with its end
        return Effect.fail(
          new PlexRateLimitError({ retryAfter: Option.some(Duration.millis(state.signInOpenAt - now)) })
        )
      }
      // open: straight through. Only the callers that waited out a cool-down are paced.
      if (state.openAt <= now) return Effect.void
      if (state.openAt > deadlineAt) {
        return Effect.fail(new PlexRateLimitError({ retryAfter: Option.some(Duration.millis(state.openAt - now)) }))
      }
      const slot = Math.max(state.openAt, state.nextSlot)
      if (slot > deadlineAt) {
        // the queue is longer than this call may wait: it waits to its deadline (a caller that
        // loops on failures does not spin meanwhile), keeps no slot, and fails with the time left
        return Effect.zipRight(
          Effect.sleep(Duration.millis(deadlineAt - now)),
          Effect.fail(new PlexRateLimitError({ retryAfter: Option.some(Duration.millis(slot - deadlineAt)) }))
        )
      }
      state.nextSlot = slot + spacing
      // look again after the wait: a 429 that arrived meanwhile (an answer to a request already in
      // flight when the gate shut) may have pushed the cool-down further
      return Effect.zipRight(
        Effect.sleep(Duration.millis(slot - now)),
        Effect.flatMap(
          Clock.currentTimeMillis,
          (woke) => state.openAt > woke ? pass(host, signIn, deadlineAt) : Effect.void
        )
      )
    })

  const observe = (host: string, error: PlexError): Effect.Effect<void> => {
    if (error._tag === "PlexRateLimitError") {
      return Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const wait = Math.min(
          Option.match(error.retryAfter, { onNone: () => cooldown, onSome: Duration.toMillis }),
          maxWait
        )
        const state = stateOf(host)
        state.openAt = Math.max(state.openAt, now + wait)
        return store === undefined ? Effect.void : store.shut(host, "rateLimit", wait)
      })
    }
    if (error._tag === "PlexUnauthorizedError" && error.reason === "Throttled" && error.errors.length > 0) {
      return Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const state = stateOf(host)
        state.signInOpenAt = Math.max(state.signInOpenAt, now + throttle)
        return store === undefined ? Effect.void : store.shut(host, "signIn", throttle)
      })
    }
    return Effect.void
  }

  const enter =
    (store: PlexGateStoreService) =>
    (host: string, signIn: boolean, deadlineAt: number): Effect.Effect<void, PlexRateLimitError> =>
      Effect.flatMap(store.enter(host, signIn), (view) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          // another replica's cool-down, with the same cap as this gate's own
          if (view.openAt > now || view.signInOpenAt > now) {
            const state = stateOf(host)
            state.openAt = Math.max(state.openAt, Math.min(view.openAt, now + maxWait))
            state.signInOpenAt = Math.max(
              state.signInOpenAt,
              Math.min(view.signInOpenAt, now + Math.max(throttle, maxWait))
            )
          }
          if (view.admitAt <= now) return Effect.void
          if (view.admitAt > deadlineAt) {
            return Effect.fail(new PlexRateLimitError({ retryAfter: Option.some(Duration.millis(view.admitAt - now)) }))
          }
          return Effect.sleep(Duration.millis(view.admitAt - now))
        }))

  return {
    pass,
    isOpen: (host, signIn, now) => {
      const state = hosts.get(host)
      return state === undefined || (state.openAt <= now && !(signIn && state.signInOpenAt > now))
    },
    observe,
    enter: store === undefined ? undefined : enter(store)
  }
}
