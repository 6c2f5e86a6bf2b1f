/**
 * The account behind a token: who it belongs to, their Plex Pass and Plex Home. Then what a dead
 * token looks like, and how to tell "this token is dead" (discard it) from "plex.tv could not be
 * asked" (keep it).
 *
 *   pnpm example examples/token-details.ts                   # against a local fake plex.tv, offline
 *   PLEX_TOKEN=… pnpm example examples/token-details.ts      # against the real plex.tv
 */
import { PlexAuth, type PlexAuthError, PlexConfig, type PlexUser } from "@effect-plex/core"
import { PlexNode } from "@effect-plex/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Config from "effect/Config"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { hasEnv, localPlexNode, unreachablePlexAuth } from "./internal/plex.js"

const real = hasEnv("PLEX_TOKEN")

// A token is a password to the whole account: read it as Redacted, and it stays Redacted.
const token = real
  ? Config.redacted("PLEX_TOKEN")
  : Effect.succeed(Redacted.make("FAKEtokenOwner000001")) // the local fake's owner token

const yesNo = (b: boolean | undefined) => (b === true ? "yes" : "no")

const show = (user: PlexUser) => {
  const { subscription: sub } = user // fields plex.tv may leave out are optional: say so instead of guessing
  const plexPass = sub === undefined
    ? "none"
    : `${user.subscriptionDescription ?? "Plex Pass"}, ${sub.active === true ? "active" : "inactive"} (status ${
      sub.status ?? "unknown"
    }, plan ${sub.plan ?? "none"})`
  const home = user.home === true
    ? `member${user.homeAdmin === true ? ", admin" : ""}, ${user.homeSize ?? "?"} of ${user.maxHomeSize ?? "?"} users`
    : "not in a Plex Home"
  return Console.log(
    [
      `  username:     ${user.username || "(none: a managed Home user)"}`,
      `  e-mail:       ${user.email || "(none)"}`,
      `  account id:   ${user.id}, uuid ${user.uuid}`,
      `  joined:       ${user.joinedAt === undefined ? "unknown" : new Date(user.joinedAt * 1000).toISOString()}`,
      `  subscription: ${plexPass}`,
      `  Plex Home:    ${home}`,
      `  managed user: ${yesNo(user.restricted)}, Home PIN set: ${yesNo(user.protected)}`,
      `  two-factor:   ${user.twoFactorEnabled === true ? "on" : "off"}`,
      `  token:        ${String(user.authToken)}` // prints <redacted>: Redacted never shows its value
    ].join("\n")
  )
}

/**
 * Plex's rule for a stored token: a `PlexUnauthorizedError` with reason `InvalidToken` (401, the
 * 422 "Invalid token" of a revoked token, 498) means it is dead; any other failure (5xx, network,
 * timeout, rate limit) says nothing about the token, so keep it and try again later.
 */
type TokenCheck =
  | { readonly status: "valid"; readonly user: PlexUser }
  | { readonly status: "dead" }
  | { readonly status: "unknown"; readonly error: PlexAuthError }

const checkToken = (token: Redacted.Redacted<string>) =>
  Effect.flatMap(PlexAuth, (auth) => auth.getTokenDetails(token)).pipe(
    Effect.map((user): TokenCheck => ({ status: "valid", user })),
    Effect.catchAll((error) =>
      Effect.succeed<TokenCheck>(
        error._tag === "PlexUnauthorizedError" && error.reason === "InvalidToken"
          ? { status: "dead" }
          : { status: "unknown", error }
      )
    )
  )

const describe = (check: TokenCheck) => {
  switch (check.status) {
    case "valid":
      return `valid, belongs to ${check.user.username || check.user.title || check.user.id}`
    case "dead":
      return "dead: discard it and ask the user to sign in again"
    case "unknown":
      return `unknown (${check.error._tag}: ${check.error.message}): keep it, try again later`
  }
}

const program = Effect.gen(function*() {
  const auth = yield* PlexAuth
  const { baseUrl } = yield* PlexConfig
  const mine = yield* token

  yield* Console.log(`The account behind a token, from ${real ? "plex.tv" : "the local fake plex.tv"} at ${baseUrl}`)
  yield* show(yield* auth.getTokenDetails(mine))

  yield* Console.log("\nWith an invalid token:")
  const invalid = Redacted.make("not-a-valid-token")
  yield* auth.getTokenDetails(invalid).pipe(
    Effect.flatMap(() => Effect.dieMessage("an invalid token was accepted")),
    Effect.catchTag(
      "PlexUnauthorizedError",
      (error) => Console.log(`  ${error._tag}, reason ${error.reason}: ${error.message}`)
    )
  )

  yield* Console.log("\nIs a stored token still good?")
  yield* Console.log(`  my token:                 ${describe(yield* checkToken(mine))}`)
  yield* Console.log(`  an invalid token:         ${describe(yield* checkToken(invalid))}`)
  const offline = yield* checkToken(mine).pipe(Effect.provide(unreachablePlexAuth))
  yield* Console.log(`  plex.tv unreachable:      ${describe(offline)}`)
})

program.pipe(
  Effect.provide(real ? PlexNode.layer : localPlexNode),
  NodeRuntime.runMain
)
