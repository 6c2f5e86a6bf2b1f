/**
 * Plex Home: list the users of the admin's Home, switch to a managed user with its Home PIN and act
 * as that user with the token the switch returns. Then what a wrong PIN looks like.
 *
 *   pnpm example examples/home-switch.ts                 # against a local fake plex.tv, offline
 *   PLEX_TOKEN=… pnpm example examples/home-switch.ts    # the real plex.tv: only lists the Home users
 *   PLEX_TOKEN=… PLEX_HOME_USER=<uuid or title> [PLEX_HOME_PIN=…] pnpm example examples/home-switch.ts
 *                                                        # …and switches to that user
 */
import { PlexAuth, PlexConfig, PlexHome, type PlexHomeUser } from "@effect-plex/core"
import { PlexNode } from "@effect-plex/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Config from "effect/Config"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { hasEnv, localPlexNode } from "./internal/plex.js"

const real = hasEnv("PLEX_TOKEN")

// The admin's token and the Home PIN are secrets: read them as Redacted, and they stay Redacted.
const settings = real
  ? Config.all({
    token: Config.redacted("PLEX_TOKEN"),
    user: Config.option(Config.string("PLEX_HOME_USER")),
    pin: Config.option(Config.redacted("PLEX_HOME_PIN"))
  })
  : Effect.succeed({
    token: Redacted.make("FAKEtokenOwner000001"), // the local fake's Home admin
    user: Option.some("Kid Profile"), // its managed user…
    pin: Option.some(Redacted.make("2580")) // …and that user's Home PIN
  })

const describeUser = (user: PlexHomeUser) => {
  const roles = [
    user.admin === true ? "admin" : undefined,
    user.guest === true ? "guest" : undefined,
    user.restricted === true
      ? `managed${user.restrictionProfile === undefined ? "" : ` (${user.restrictionProfile})`}`
      : undefined,
    user.protected === true ? "Home PIN set" : "no Home PIN"
  ].filter((role) => role !== undefined)
  // managed users have no username or e-mail: null or "" from plex.tv
  return `  ${(user.title ?? "(no title)").padEnd(16)} ${(user.username || "-").padEnd(14)} ${roles.join(", ")}`
}

const program = Effect.gen(function*() {
  const home = yield* PlexHome
  const { baseUrl } = yield* PlexConfig
  const { pin, token, user: wanted } = yield* settings

  yield* Console.log(`Home users on ${real ? "plex.tv" : "the local fake plex.tv"} at ${baseUrl}:`)
  const users = yield* home.users(token)
  for (const user of users) yield* Console.log(describeUser(user))

  if (Option.isNone(wanted)) {
    yield* Console.log("\n(Set PLEX_HOME_USER to a uuid or title to switch to that user.)")
    return
  }
  const target = users.find((user) => user.uuid === wanted.value || user.title === wanted.value)
  if (target === undefined) return yield* Effect.dieMessage(`no Home user with uuid or title ${wanted.value}`)

  const name = target.title ?? target.uuid
  yield* Console.log(`\nSwitching to ${name}${Option.isSome(pin) ? " with its Home PIN" : ""}…`)
  const account = yield* home.switchTo(token, target, Option.isSome(pin) ? { pin: pin.value } : {})
  // the switch answers the user's account with a token of its own: Redacted, it prints <redacted>
  yield* Console.log(
    `Switched to ${account.title ?? account.uuid} (account id ${account.id}), token ${String(account.authToken)}`
  )
  const me = yield* Effect.flatMap(PlexAuth, (auth) => auth.getTokenDetails(account.authToken))
  const managed = me.restricted === true ? "yes" : "no"
  yield* Console.log(`The new token acts as: ${me.title ?? me.uuid}, managed user: ${managed}`)

  if (real) {
    yield* Console.log("\n(Skipping the wrong-PIN demonstration against the real plex.tv.)")
    return
  }
  yield* Console.log("\nNow with a wrong PIN:")
  yield* home.switchTo(token, target, { pin: Redacted.make("0000") }).pipe(
    Effect.flatMap(() => Effect.dieMessage("a wrong Home PIN was accepted")),
    Effect.catchTag("PlexHomePinRequiredError", (error) => Console.log(`  ${error._tag}: ${error.message}`))
  )
})

program.pipe(
  Effect.provide(PlexHome.layer.pipe(Layer.provideMerge(real ? PlexNode.layer : localPlexNode))),
  NodeRuntime.runMain
)
