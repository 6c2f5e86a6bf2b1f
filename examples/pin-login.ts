/**
 * PIN linking, the way plex.tv wants apps to sign in: make a PIN, send the user to the auth page
 * (or to https://plex.tv/link with a 4-character code), wait for the token, then use it. The app
 * never sees a password, and the token is never printed.
 *
 *   pnpm example examples/pin-login.ts                # against a local fake plex.tv: a simulated
 *                                                     # user approves the PIN after ~2 seconds
 *   PLEX_REAL=1 pnpm example examples/pin-login.ts    # against the real plex.tv: open the URL yourself
 *   (add PLEX_PIN_WEAK=1 for a 4-character code to type at https://plex.tv/link)
 */
import { PlexAuth, PlexConfig, type PlexPin, PlexPinAuth } from "@effect-plex/core"
import { PlexTvFake } from "@effect-plex/core/testing"
import { PlexNode } from "@effect-plex/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { hasEnv, localPlexNode } from "./internal/plex.js"

const real = hasEnv("PLEX_REAL")
const strong = !hasEnv("PLEX_PIN_WEAK")

/**
 * What the user does in the browser. Against the local fake plex.tv, a fiber approves the PIN for
 * `fake-owner` after about 2 seconds; against the real plex.tv, you do.
 */
const approveLater = (pin: PlexPin) =>
  Effect.gen(function*() {
    yield* Effect.sleep("2 seconds")
    yield* Console.log("  (the simulated user approves the PIN for fake-owner in the browser)")
    yield* Effect.flatMap(PlexTvFake, (fake) => fake.linkPin(pin.code, "fake-owner"))
  })

const program = <R>(approve: (pin: PlexPin) => Effect.Effect<void, unknown, R>) =>
  Effect.gen(function*() {
    const pins = yield* PlexPinAuth
    const { baseUrl } = yield* PlexConfig
    yield* Console.log(`Linking with a PIN on ${real ? "plex.tv" : "the local fake plex.tv"} at ${baseUrl}`)

    const pin = yield* pins.createPin({ strong })
    yield* Console.log(`PIN code:   ${pin.code}`)
    yield* Console.log(`expires at: ${DateTime.formatIso(pin.expiresAt)} (in ${pin.expiresIn} s)`)
    // a strong (25-character) code is approved through the app URL; https://plex.tv/link takes
    // only the 4-character code of a short PIN (PLEX_PIN_WEAK=1), as on a TV
    if (strong) yield* Console.log(`Open this page to approve the app:\n  ${pins.authAppUrl(pin)}`)
    else yield* Console.log(`Go to https://plex.tv/link and enter the code ${pin.code}`)

    // the user acts while we wait: the approval runs alongside, and stops with the program
    yield* Effect.forkScoped(Effect.ignore(approve(pin)))
    yield* Console.log("Waiting for the approval…")
    const token = yield* pins.waitForToken(pin)

    const user = yield* (yield* PlexAuth).getTokenDetails(token)
    yield* Console.log(`Linked to ${user.username ?? "(no username)"} <${user.email ?? "no e-mail"}>`)
    yield* Console.log(`  account id: ${user.id}`)
    yield* Console.log(`  token:      ${String(token)}`) // prints <redacted>: Redacted never shows its value
  }).pipe(
    Effect.catchTag("PlexPinExpiredError", () => Console.log("The PIN expired before it was approved: run again.")),
    Effect.scoped
  )

const main = real
  ? program(() => Effect.void).pipe(Effect.provide(PlexPinAuth.layer.pipe(Layer.provideMerge(PlexNode.layer))))
  : program(approveLater).pipe(Effect.provide(PlexPinAuth.layer.pipe(Layer.provideMerge(localPlexNode))))

main.pipe(NodeRuntime.runMain)
