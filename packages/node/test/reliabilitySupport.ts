/**
 * The node reliability tests' stack: PlexTvServer on 127.0.0.1, every service over undici, each in
 * a scope of its own. The pieces shared with the core tests live in `test-support/` and are
 * re-exported here for the files that import them from this module.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import { type FakeFaultPlan, PlexTvFake, type PlexTvSettings } from "@effect-plex/core/testing"
import { PlexNode } from "@effect-plex/node"
import { PlexTvServer } from "@effect-plex/node/testing"
import { accounts } from "../../../test-support/accounts.js"
import { type Services, services } from "../../../test-support/services.js"
import type { ConfigExtras } from "./support.js"

export { accounts } from "../../../test-support/accounts.js"
export { eventually, timed, typedFailure } from "../../../test-support/exits.js"
export type { Services } from "../../../test-support/services.js"
export type { ConfigExtras } from "./support.js"

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
