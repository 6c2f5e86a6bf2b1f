/** Shared pieces of the node reliability tests: PlexTvServer on 127.0.0.1, every service over undici. */
import { assert } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import {
  PlexAuth,
  type PlexConfigOptions,
  PlexHome,
  PlexJwtAuth,
  PlexPinAuth,
  PlexResources
} from "@effect-plex/core"
import { FakeAccount, type FakeFaultPlan, PlexTvFake, type PlexTvSettings } from "@effect-plex/core/testing"
import { PlexNode } from "@effect-plex/node"
import { PlexTvServer } from "@effect-plex/node/testing"

export const accounts = [FakeAccount.owner, FakeAccount.twoFactor, FakeAccount.managed]

export type Services = PlexAuth | PlexPinAuth | PlexHome | PlexJwtAuth | PlexResources

const services = Layer.mergeAll(
  PlexAuth.layer,
  PlexPinAuth.layer,
  PlexHome.layer,
  PlexJwtAuth.layer,
  PlexResources.layer
)

export type ConfigExtras = Omit<PlexConfigOptions, "client" | "baseUrl">

/** A fresh PlexTvServer (rate limiter off), in the scope. */
export const startServer = (
  options: { readonly plan?: FakeFaultPlan | undefined; readonly settings?: Partial<PlexTvSettings> | undefined } = {}
) =>
  Effect.map(
    Layer.build(
      PlexTvServer.layer({ accounts, settings: { rateLimit: undefined, ...options.settings }, faults: options.plan })
    ),
    (context) => ({ server: Context.get(context, PlexTvServer), fake: Context.get(context, PlexTvFake), context })
  )

export interface Client {
  readonly context: Context.Context<Services>
  /** Runs an effect that needs the services. */
  readonly run: <A, E>(effect: Effect.Effect<A, E, Services>) => Effect.Effect<A, E>
  /** Closes the client's layer: undici's pool and its sockets. */
  readonly close: Effect.Effect<void>
}

/** Every service over undici, configured for `server`, in a scope of its own so a test can close it. */
export const startClient = (server: Context.Context<PlexTvServer>, config: ConfigExtras = {}) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const layer = services.pipe(
      Layer.provide(PlexTvServer.layerConfig({ clientIdentifier: "node-reliability-test" }, config)),
      Layer.provide(PlexNode.layerHttpClient)
    )
    const context = yield* Layer.buildWithScope(layer, scope).pipe(Effect.provide(server), Effect.orDie)
    // closing waits for requests still in flight: a request the client failed to abort would hang
    // it, so the wait is bounded and fails the test
    const close = yield* Effect.cached(
      Effect.flatMap(Effect.forkDaemon(Scope.close(scope, Exit.void)), (closing) =>
        Fiber.join(closing).pipe(
          Effect.timeoutFail({
            duration: "3 seconds",
            onTimeout: () => new Error("closing the client hung: a request it gave up on is still in flight")
          }),
          Effect.orDie
        ))
    )
    yield* Effect.addFinalizer(() => Effect.ignore(Effect.exit(close)))
    return { context, run: (effect) => Effect.provide(effect, context), close } satisfies Client
  })

/** Polls every 5 ms (real time) until `condition` holds; fails the test with `message` after `within` ms. */
export const eventually = (condition: Effect.Effect<boolean>, message: string, within = 2000) =>
  Effect.gen(function*() {
    const until = Date.now() + within
    while (Date.now() < until) {
      if (yield* condition) return
      yield* Effect.sleep("5 millis")
    }
    assert.fail(message)
  })

/** The typed failure of an exit; fails the test on a success, a defect or an interruption. */
export const typedFailure = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit)) return assert.fail("expected a failure, got a success")
  assert.isFalse(Cause.isDie(exit.cause), `a defect: ${Cause.pretty(exit.cause)}`)
  const error = Cause.failureOption(exit.cause)
  if (Option.isNone(error)) return assert.fail(`expected a typed failure, got ${Cause.pretty(exit.cause)}`)
  return error.value
}

/** Runs `effect` to its exit, timing it in real milliseconds. */
export const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.suspend(() => {
    const start = performance.now()
    return Effect.map(Effect.exit(effect), (exit) => ({ exit, millis: performance.now() - start }))
  })
