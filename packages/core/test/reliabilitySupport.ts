/**
 * The in-memory stack of the reliability tests (faults, safe retries, interruption, hostile input):
 * every service over `PlexTvFake`. The pieces shared with the node tests live in `test-support/`
 * and are re-exported here for the files that import them from this module.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { PlexConfig, type PlexConfigOptions } from "@effect-plex/core"
import { type FakeFaultPlan, PlexTvFake, type PlexTvSettings } from "@effect-plex/core/testing"
import { accounts } from "../../../test-support/accounts.js"
import { services } from "../../../test-support/services.js"

export { accounts, MANAGED_UUID, OWNER_TOKEN, ownerCredentials } from "../../../test-support/accounts.js"
export { assertSuccessOrPlexError, isDone, typedFailure } from "../../../test-support/exits.js"
export { type Services, services } from "../../../test-support/services.js"

export const CLIENT = "reliability-test-client"

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

/** How many requests the fake logged for a path. */
export const requestsTo = (path: string) =>
  Effect.flatMap(
    PlexTvFake,
    (fake) => Effect.map(fake.requests, (log) => log.filter((entry) => entry.path === path).length)
  )
