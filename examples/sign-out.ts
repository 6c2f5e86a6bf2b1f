/**
 * Keep a token alive with `ping`, then sign it out: afterwards plex.tv refuses it.
 *
 *   pnpm example examples/sign-out.ts     # against a local fake plex.tv (signs in first)
 *
 * Against the real plex.tv this example does nothing unless PLEX_SIGN_OUT_TOKEN is set: signing
 * out a token you still use would log that device out.
 */
import { PasswordCredentials, PlexAuth } from "@effect-plex/core"
import { PlexNode } from "@effect-plex/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Config from "effect/Config"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { hasEnv, localPlexNode } from "./internal/plex.js"

const real = hasEnv("PLEX_SIGN_OUT_TOKEN")

const program = Effect.gen(function*() {
  const auth = yield* PlexAuth
  const token = real
    ? yield* Config.redacted("PLEX_SIGN_OUT_TOKEN")
    : (yield* auth.signIn(PasswordCredentials.make({ login: "fake-owner", password: Redacted.make("owner-password") })))
      .authToken

  yield* auth.ping(token)
  yield* Console.log("ping: the token is alive (long-running apps ping about once a day)")

  yield* auth.signOut(token)
  yield* Console.log("signed out: plex.tv invalidated the token")

  yield* auth.getTokenDetails(token).pipe(
    Effect.flatMap(() => Effect.dieMessage("a signed-out token still worked")),
    Effect.catchTag(
      "PlexUnauthorizedError",
      (error) => Console.log(`afterwards: ${error._tag}, reason ${error.reason} (HTTP ${error.status})`)
    )
  )
})

program.pipe(
  Effect.provide(real ? PlexNode.layer : localPlexNode),
  NodeRuntime.runMain
)
