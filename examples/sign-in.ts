/**
 * The demo: sign in with a login and password, print the account, then show how a wrong password
 * fails.
 *
 *   pnpm demo                                   # against a local fake plex.tv, offline
 *   PLEX_LOGIN=… PLEX_PASSWORD=… pnpm demo      # against the real plex.tv
 *   (add PLEX_VERIFICATION_CODE=123456 for a two-factor account)
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

const credentials = real
  ? Config.all({
    login: Config.string("PLEX_LOGIN"),
    password: Config.redacted("PLEX_PASSWORD"),
    verificationCode: Config.option(Config.string("PLEX_VERIFICATION_CODE")).pipe(Config.map(Option.getOrUndefined))
  }).pipe(
    Effect.map(({ verificationCode, ...rest }) =>
      PasswordCredentials.make({ ...rest, ...(verificationCode === undefined ? {} : { verificationCode }) })
    )
  )
  : Effect.succeed(PasswordCredentials.make({ login: "fake-owner", password: Redacted.make("owner-password") }))

const show = (user: PlexUser) =>
  Console.log(
    [
      `Signed in as ${user.username ?? "(no username)"} <${user.email ?? "no e-mail"}>`,
      `  account id:   ${user.id}`,
      `  subscription: ${user.subscriptionDescription ?? user.subscription?.status ?? "none"}${
        user.subscription?.plan === undefined ? "" : ` (plan ${user.subscription.plan})`
      }`,
      `  two-factor:   ${user.twoFactorEnabled === true ? "on" : "off"}`,
      `  token:        ${String(user.authToken)}` // prints <redacted>: Redacted never shows its value
    ].join("\n")
  )

const program = Effect.gen(function*() {
  const auth = yield* PlexAuth
  const { baseUrl } = yield* PlexConfig
  const signInWith = yield* credentials
  const where = real ? "plex.tv" : "the local fake plex.tv"
  yield* Console.log(`Signing in to ${where} at ${baseUrl} as ${signInWith.login}`)

  const user = yield* auth.signIn(signInWith).pipe(
    Effect.catchTag("PlexUnauthorizedError", (error) =>
      error.reason === "VerificationRequired"
        ? Effect.dieMessage("This account uses two-factor sign-in: set PLEX_VERIFICATION_CODE to the current code.")
        : Effect.fail(error))
  )
  yield* show(user)

  if (real) {
    yield* Console.log("\n(Skipping the wrong-password demonstration: every failure counts toward plex.tv's lockout.)")
    return
  }
  yield* Console.log("\nNow with a wrong password:")
  const wrong = PasswordCredentials.make({ login: "fake-owner", password: Redacted.make("not-the-password") })
  yield* auth.signIn(wrong).pipe(
    Effect.flatMap(() => Effect.dieMessage("a wrong password was accepted")),
    Effect.catchTag(
      "PlexUnauthorizedError",
      (error) => Console.log(`  ${error._tag}, reason ${error.reason}: ${error.message}`)
    )
  )
})

program.pipe(
  Effect.provide(real ? PlexNode.layer : localPlexNode),
  NodeRuntime.runMain
)
