/**
 * JWT device authentication, plex.tv's recommended way: the device keeps an Ed25519 key, registers
 * it once with a classic token, then trades signed nonces for Plex JWTs valid for 7 days, refreshed
 * in the background.
 *
 *   pnpm example examples/jwt-device.ts                  # against a local fake plex.tv
 *   PLEX_TOKEN=… pnpm example examples/jwt-device.ts     # a classic token of this client identifier
 *
 * The key is kept by `FileKeyStore` (in the user's config directory), so the next run reuses it.
 * plex.tv expires the classic token at the device's first exchange: from then on, key rotation
 * takes the current Plex JWT (`rotateKey(token)`), and a device without a working key links again
 * with a PIN (examples/pin-jwt-login.ts, the login Plex recommends for new apps).
 */
import { PasswordCredentials, PlexAuth, PlexJwtAuth } from "@effect-plex/core"
import { FileKeyStore, PlexNode } from "@effect-plex/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Config from "effect/Config"
import * as Console from "effect/Console"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { hasEnv, localPlexNode } from "./internal/plex.js"

const real = hasEnv("PLEX_TOKEN")

/** Key registration needs a classic token issued to this very client identifier. */
const classicToken = real
  ? Config.redacted("PLEX_TOKEN")
  : Effect.flatMap(
    PlexAuth,
    (auth) => auth.signIn(PasswordCredentials.make({ login: "fake-owner", password: Redacted.make("owner-password") }))
  )
    .pipe(Effect.map((user) => user.authToken))

const program = Effect.gen(function*() {
  const jwt = yield* PlexJwtAuth
  const auth = yield* PlexAuth

  const classic = yield* classicToken
  const kept = yield* jwt.deviceKey(classic)
  yield* Console.log(`Device key ${kept.kid.slice(0, 16)}… (kept by the key store, registered with plex.tv)`)

  // If plex.tv no longer knows the kept key, register a new one (the old stays kept until it works).
  const [key, token] = yield* jwt.exchange(kept).pipe(
    Effect.map((token) => [kept, token] as const),
    Effect.catchIf(
      (error) => error._tag === "PlexJwtRejectedError" && error.reason === "InvalidSignature",
      () =>
        Effect.gen(function*() {
          yield* Console.log("plex.tv does not know that key (any more): rotating to a new one")
          const fresh = yield* jwt.rotateKey(classic)
          return [fresh, yield* jwt.exchange(fresh)] as const
        })
    )
  )
  yield* Console.log(`Plex JWT valid until ${DateTime.formatIso(DateTime.unsafeMake(token.expiresAt))}`)
  const user = yield* auth.getTokenDetails(token.token) // a Plex JWT works wherever a token does
  yield* Console.log(`It belongs to ${user.username}`)

  // A long-running app holds a source that refreshes before expiry, in the background.
  yield* Effect.scoped(Effect.gen(function*() {
    const source = yield* jwt.refreshing(key, { refreshBefore: "1 day" })
    const current = yield* source.get
    yield* Console.log(`Token source ready (${String(current)}), refreshing a day before expiry`)
  }))

  const keys = yield* jwt.listKeys()
  yield* Console.log(`plex.tv signs its JWTs with ${keys.length} published keys`)
})

const KeyStoreLive = FileKeyStore.layer()

program.pipe(
  Effect.provide(Layer.merge(real ? PlexNode.layer : localPlexNode, KeyStoreLive)),
  NodeRuntime.runMain
)
