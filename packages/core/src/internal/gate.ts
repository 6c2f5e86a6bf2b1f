import type * as HttpClient from "@effect/platform/HttpClient"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { type PlexError, PlexRateLimitError, PlexUnauthorizedError } from "../PlexError.js"

/**
 * One rate-limit gate per HTTP client: when plex.tv answers 429, every call through that client
 * waits out the cool-down instead of each fiber hammering plex.tv on its own; after a 1031
 * (sign-ins throttled for this address), sign-ins fail at once for the cool-down instead of
 * extending the lock.
 */
export interface Gate {
  /** Waits until the gate is open; fails at once when it stays shut past `deadlineAt`. */
  readonly pass: (
    signIn: boolean,
    deadlineAt: number
  ) => Effect.Effect<void, PlexRateLimitError | PlexUnauthorizedError>
  /** Reads a failure: a 429 or a 1031 shuts the gate. */
  readonly observe: (error: PlexError) => Effect.Effect<void>
}

export interface GateOptions {
  /** The cool-down after a 429 without `Retry-After`. */
  readonly rateLimitCooldown: Duration.Duration
  /** The cool-down of sign-ins after a 1031. */
  readonly throttleCooldown: Duration.Duration
}

const make = (options: GateOptions): Gate => {
  let openAt = 0
  let signInOpenAt = 0
  const cooldown = Duration.toMillis(options.rateLimitCooldown)
  const throttle = Duration.toMillis(options.throttleCooldown)
  const pass = (signIn: boolean, deadlineAt: number): Effect.Effect<void, PlexRateLimitError | PlexUnauthorizedError> =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      if (signIn && signInOpenAt > now) {
        return Effect.fail(new PlexUnauthorizedError({ status: 401, errors: [], reason: "Throttled" }))
      }
      const wait = openAt - now
      if (wait <= 0) return Effect.void
      if (openAt > deadlineAt) {
        return Effect.fail(new PlexRateLimitError({ retryAfter: Option.some(Duration.millis(wait)) }))
      }
      // look again after the wait: a 429 that arrived meanwhile (an answer to a request already in
      // flight when the gate shut) may have pushed the cool-down further
      return Effect.zipRight(Effect.sleep(Duration.millis(wait)), pass(signIn, deadlineAt))
    })
  return {
    pass,
    observe: (error) => {
      if (error._tag === "PlexRateLimitError") {
        return Effect.map(Clock.currentTimeMillis, (now) => {
          const wait = Option.match(error.retryAfter, { onNone: () => cooldown, onSome: Duration.toMillis })
          openAt = Math.max(openAt, now + wait)
        })
      }
      if (error._tag === "PlexUnauthorizedError" && error.reason === "Throttled" && error.errors.length > 0) {
        return Effect.map(Clock.currentTimeMillis, (now) => {
          signInOpenAt = Math.max(signInOpenAt, now + throttle)
        })
      }
      return Effect.void
    }
  }
}

const gates = new WeakMap<HttpClient.HttpClient, Gate>()

/** The gate of an HTTP client: services built on the same client share it. */
export const gateFor = (client: HttpClient.HttpClient, options: GateOptions): Gate => {
  let gate = gates.get(client)
  if (gate === undefined) {
    gate = make(options)
    gates.set(client, gate)
  }
  return gate
}
