/**
 * Defaults as real clients use them: a product name always on the wire (plex.tv's consent page
 * shows it), and the short PIN for plex.tv/link.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { PlexClientInfo, PlexConfig, PlexPinAuth } from "@effect-plex/core"
import { FakeAccount, PlexTvFake } from "@effect-plex/core/testing"

const withoutProduct = PlexPinAuth.layer.pipe(
  Layer.provideMerge(PlexConfig.layer({ client: { clientIdentifier: "defaults-test" } })),
  Layer.provideMerge(PlexTvFake.layer({ accounts: [FakeAccount.owner] }))
)

describe("PlexClientInfo.product", () => {
  it.effect("defaults to PlexConfig.defaultProduct in PlexConfig; PlexClientInfo itself takes none", () =>
    Effect.gen(function*() {
      assert.strictEqual(PlexClientInfo.make({ clientIdentifier: "id" }).product, undefined)
      const config = yield* PlexConfig
      assert.strictEqual(PlexConfig.defaultProduct, "effect-plex")
      assert.strictEqual(config.client.product, "effect-plex")
      assert.strictEqual(config.client.clientIdentifier, "defaults-test")
      assert.instanceOf(config.client, PlexClientInfo)
    }).pipe(Effect.provide(withoutProduct)))

  it.effect("a product that is set is kept", () =>
    Effect.gen(function*() {
      const config = yield* PlexConfig
      assert.strictEqual(config.client.product, "my-app")
    }).pipe(Effect.provide(PlexConfig.layer({ client: { clientIdentifier: "id", product: "my-app" } }))))

  it.effect("is sent as X-Plex-Product (the fake's PIN echoes it) and named in the app URL", () =>
    Effect.gen(function*() {
      const pins = yield* PlexPinAuth
      const pin = yield* pins.createPin()
      assert.strictEqual(pin.product, "effect-plex")
      assert.include(pins.authAppUrl(pin), "&context%5Bdevice%5D%5Bproduct%5D=effect-plex")
      assert.include(
        pins.authAppUrl({ code: pin.code, clientIdentifier: pin.clientIdentifier }),
        "&context%5Bdevice%5D%5Bproduct%5D=effect-plex"
      )
    }).pipe(Effect.provide(withoutProduct)))
})
