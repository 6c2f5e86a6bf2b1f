/**
 * The login Plex recommends for new apps: PIN linking with a device key. The app makes an Ed25519
 * key, creates a PIN with its public half, the user approves the PIN, and plex.tv answers with a
 * Plex JWT for that key: no password, no classic token. The key is kept (`FileKeyStore`, in the
 * user's config directory), so later starts refresh the JWT with it, without a new link.
 *
 *   pnpm example examples/pin-jwt-login.ts                # against a local fake plex.tv: a simulated
 *                                                         # user approves the PIN after ~2 seconds
 *   PLEX_REAL=1 pnpm example examples/pin-jwt-login.ts    # against the real plex.tv: open the URL yourself
 */
import { KeyStore, PlexAuth, PlexConfig, PlexJwtAuth, type PlexPin } from "@effect-plex/core"
import { PlexTvFake } from "@effect-plex/core/testing"
import { FileKeyStore, PlexNode } from "@effect-plex/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { hasEnv, localPlexNode } from "./internal/plex.js"

const real = hasEnv("PLEX_REAL")

/** What the user does in the browser; against the local fake, a fiber approves for fake-owner. */
const approveLater = (pin: PlexPin) =>
  Effect.gen(function*() {
    yield* Effect.sleep("2 seconds")
    yield* Console.log("  (the simulated user approves the PIN for fake-owner in the browser)")
    yield* Effect.flatMap(PlexTvFake, (fake) => fake.linkPin(pin.code, "fake-owner"))
  })

const program = <R>(approve: (pin: PlexPin) => Effect.Effect<void, unknown, R>) =>
  Effect.gen(function*() {
    const jwt = yield* PlexJwtAuth
    const { clientsBaseUrl } = yield* PlexConfig
    yield* Console.log(
      `Linking a device key with a PIN on ${real ? "plex.tv" : "the local fake plex.tv"} at ${clientsBaseUrl}`
    )

    // a new key; kept by the key store only once the PIN is linked
    const link = yield* jwt.linkDeviceWithPin()
    yield* Console.log(`PIN code:   ${link.pin.code}`)
    yield* Console.log(`expires at: ${DateTime.formatIso(link.pin.expiresAt)} (in ${link.pin.expiresIn} s)`)
    yield* Console.log(`Open this page to approve the app:\n  ${link.authAppUrl}`)

    yield* Effect.forkScoped(Effect.ignore(approve(link.pin)))
    yield* Console.log("Waiting for the approval…")
    const token = yield* link.token // a Plex JWT, valid 7 days
    yield* Console.log(`Linked: Plex JWT valid until ${DateTime.formatIso(DateTime.unsafeMake(token.expiresAt))}`)

    const user = yield* (yield* PlexAuth).getTokenDetails(token.token)
    yield* Console.log(`It belongs to ${user.username ?? "(no username)"} <${user.email ?? "no e-mail"}>`)
    yield* Console.log(`  token: ${String(token.token)}`) // <redacted>

    // the next start: the kept key alone refreshes the JWT, however long the app was off
    const kept = yield* Effect.flatMap(KeyStore, (store) => store.load)
    if (Option.isSome(kept)) {
      const source = yield* jwt.refreshing(kept.value)
      const again = yield* (yield* PlexAuth).getTokenDetails(yield* source.get)
      yield* Console.log(`Next start: the kept key ${kept.value.kid.slice(0, 16)}… refreshes for ${again.username}`)
    }
  }).pipe(
    Effect.catchTag("PlexPinExpiredError", () => Console.log("The PIN expired before it was approved: run again.")),
    Effect.scoped
  )

const services = Layer.mergeAll(PlexJwtAuth.layer, PlexAuth.layer)

const main = real
  ? program(() => Effect.void).pipe(
    Effect.provide(Layer.merge(services.pipe(Layer.provideMerge(PlexNode.layer)), FileKeyStore.layer()))
  )
  : program(approveLater).pipe(
    Effect.provide(Layer.merge(services.pipe(Layer.provideMerge(localPlexNode)), FileKeyStore.layer()))
  )

main.pipe(NodeRuntime.runMain)
