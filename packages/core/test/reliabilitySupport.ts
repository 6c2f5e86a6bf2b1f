/** Shared pieces of the reliability tests (faults, safe retries, interruption, hostile input), in memory. */
import { assert } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import {
  PasswordCredentials,
  PlexAuth,
  PlexConfig,
  type PlexConfigOptions,
  PlexError,
  PlexHome,
  PlexJwtAuth,
  PlexPinAuth,
  PlexResources
} from "@effect-plex/core"
import { FakeAccount, type FakeFaultPlan, PlexTvFake, type PlexTvSettings } from "@effect-plex/core/testing"

export const CLIENT = "reliability-test-client"
export const OWNER_TOKEN = Redacted.make("FAKEtokenOwner000001")
export const MANAGED_UUID = "1e1e1e1e1e1e1e1e"
export const accounts = [FakeAccount.owner, FakeAccount.twoFactor, FakeAccount.managed]
export const ownerCredentials = PasswordCredentials.make({
  login: "fake-owner",
  password: Redacted.make("owner-password")
})

/** Every plex.tv service, for the calls of any flow. */
export const services = Layer.mergeAll(
  PlexAuth.layer,
  PlexPinAuth.layer,
  PlexHome.layer,
  PlexJwtAuth.layer,
  PlexResources.layer
)

export type Services = PlexAuth | PlexPinAuth | PlexHome | PlexJwtAuth | PlexResources

export const configLayer = (options: Partial<PlexConfigOptions> = {}) =>
  PlexConfig.layer({
    client: { clientIdentifier: CLIENT },
    timeout: "2 seconds",
    deadline: "20 seconds",
    maxBodySize: 1024 * 1024,
    ...options
  })

/** Every service over the in-memory fake (rate limiter off), with `plan` from the start. */
export const fakeStack = (
  options: {
    readonly config?: Partial<PlexConfigOptions> | undefined
    readonly plan?: FakeFaultPlan | undefined
    readonly settings?: Partial<PlexTvSettings> | undefined
  } = {}
) =>
  services.pipe(
    Layer.provideMerge(
      PlexTvFake.layer({
        accounts,
        settings: { rateLimit: undefined, ...options.settings },
        faults: options.plan
      })
    ),
    Layer.provide(configLayer(options.config))
  )

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

/** How many requests the fake logged for a path. */
export const requestsTo = (path: string) =>
  Effect.flatMap(
    PlexTvFake,
    (fake) => Effect.map(fake.requests, (log) => log.filter((entry) => entry.path === path).length)
  )
