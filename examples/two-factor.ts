/**
 * Two-factor sign-in. plex.tv refuses the password alone with reason `VerificationRequired`: ask
 * the user for the 6-digit code of their authenticator app and sign in again with it. A wrong code
 * is `InvalidVerificationCode`. Neither is ever retried automatically: each failure counts toward
 * plex.tv's lockout.
 *
 *   pnpm example examples/two-factor.ts            # against a local fake plex.tv, offline
 *   PLEX_LOGIN=… PLEX_PASSWORD=… PLEX_VERIFICATION_CODE=123456 pnpm example examples/two-factor.ts
 *                                                  # one sign-in to the real plex.tv
 */
import { PasswordCredentials, PlexAuth, PlexConfig, type PlexUser } from "@effect-plex/core"
import { PlexNode } from "@effect-plex/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Config from "effect/Config"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { hasEnv, localPlexNode } from "./internal/plex.js"

const real = hasEnv("PLEX_LOGIN", "PLEX_PASSWORD")

const show = (user: PlexUser) =>
  Console.log(
    `  signed in as ${user.username ?? "(no username)"}, two-factor ${
      user.twoFactorEnabled === true ? "on" : "off"
    }, token ${String(user.authToken)}` // prints <redacted>
  )

/** The real plex.tv: one sign-in, with the code when one is set. */
const realSignIn = Effect.gen(function*() {
  const auth = yield* PlexAuth
  const login = yield* Config.string("PLEX_LOGIN")
  const password = yield* Config.redacted("PLEX_PASSWORD")
  const code = yield* Config.option(Config.string("PLEX_VERIFICATION_CODE"))
  yield* Console.log(`Signing in to plex.tv as ${login}${Option.isSome(code) ? " with a verification code" : ""}`)
  const user = yield* auth.signIn(PasswordCredentials.make({
    login,
    password,
    ...Option.match(code, { onNone: () => ({}), onSome: (verificationCode) => ({ verificationCode }) })
  })).pipe(
    Effect.catchTag("PlexUnauthorizedError", (error) =>
      error.reason === "VerificationRequired"
        ? Effect.dieMessage("This account uses two-factor sign-in: set PLEX_VERIFICATION_CODE to the current code.")
        : Effect.fail(error))
  )
  yield* show(user)
})

/** The local fake plex.tv: every step of the flow, with its two-factor account. */
const localFlow = Effect.gen(function*() {
  const auth = yield* PlexAuth
  const { baseUrl } = yield* PlexConfig
  const login = "fake-2fa"
  const password = Redacted.make("twofactor-password")
  yield* Console.log(`Two-factor sign-in to the local fake plex.tv at ${baseUrl} as ${login}`)

  yield* Console.log("\n1. Password only:")
  const needsCode = yield* auth.signIn(PasswordCredentials.make({ login, password })).pipe(
    Effect.as(false),
    Effect.catchTag("PlexUnauthorizedError", (error) =>
      error.reason === "VerificationRequired"
        ? Effect.as(Console.log(`  ${error._tag}, reason ${error.reason}: ask the user for the code`), true)
        : Effect.fail(error))
  )
  if (!needsCode) return yield* Effect.dieMessage("the fake's two-factor account signed in without a code")

  yield* Console.log("\n2. Password and a wrong code:")
  yield* auth.signIn(PasswordCredentials.make({ login, password, verificationCode: "000000" })).pipe(
    Effect.flatMap(() => Effect.dieMessage("a wrong verification code was accepted")),
    Effect.catchTag("PlexUnauthorizedError", (error) =>
      error.reason === "InvalidVerificationCode"
        ? Console.log(`  ${error._tag}, reason ${error.reason}: ask again (this failure counts toward the lockout)`)
        : Effect.fail(error))
  )

  yield* Console.log("\n3. Password and the right code:")
  yield* show(yield* auth.signIn(PasswordCredentials.make({ login, password, verificationCode: "123456" })))
})

NodeRuntime.runMain(
  real ? realSignIn.pipe(Effect.provide(PlexNode.layer)) : localFlow.pipe(Effect.provide(localPlexNode))
)
