/** How tests look at what an effect did: its exit, whether a fiber ended, how long it took, polling. */
import { assert } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import { PlexError } from "@effect-plex/core"

/** The typed failure of an exit; fails the test on a success, a defect or an interruption. */
export const typedFailure = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit)) return assert.fail("expected a failure, got a success")
  assert.isFalse(Cause.isDie(exit.cause), `a defect: ${Cause.pretty(exit.cause)}`)
  const error = Cause.failureOption(exit.cause)
  if (Option.isNone(error)) return assert.fail(`expected a typed failure, got ${Cause.pretty(exit.cause)}`)
  return error.value
}

/** A success, or a failure made only of `PlexError`s: no defect, no interruption. */
export const assertSuccessOrPlexError = (exit: Exit.Exit<unknown, unknown>) => {
  if (Exit.isSuccess(exit)) return
  assert.isFalse(Cause.isDie(exit.cause), `a defect: ${Cause.pretty(exit.cause)}`)
  assert.isFalse(Cause.isInterrupted(exit.cause), "interrupted")
  const failures = [...Cause.failures(exit.cause)]
  assert.isAbove(failures.length, 0, Cause.pretty(exit.cause))
  for (const error of failures) {
    assert.isTrue(PlexError.is(error), String(error))
  }
}

/** Whether a forked fiber has finished, without waiting. */
export const isDone = <A, E>(fiber: Fiber.Fiber<A, E>) => Effect.map(Fiber.poll(fiber), Option.isSome)

/** Runs `effect` to its exit, timing it in real milliseconds. */
export const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.suspend(() => {
    const start = performance.now()
    return Effect.map(Effect.exit(effect), (exit) => ({ exit, millis: performance.now() - start }))
  })

/**
 * Polls `condition` every 5 ms of real time until it holds; fails the test with `message` after
 * `within` (a number is milliseconds). Real time, and no timer but the poll's own sleep, so a test
 * can count the timers left behind while it waits.
 */
export const eventually = (
  condition: Effect.Effect<boolean>,
  message: string,
  within: Duration.DurationInput = 20_000
) =>
  Effect.gen(function*() {
    const until = Date.now() + Duration.toMillis(within)
    while (Date.now() < until) {
      if (yield* condition) return
      yield* Effect.sleep("5 millis")
    }
    assert.fail(`${message} (waited ${Duration.format(within)})`)
  })
