/**
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import { KeyStore, type KeyStoreService } from "../KeyStore.js"
import type { PlexDeviceKey } from "../PlexDeviceKey.js"

const make = (initial?: PlexDeviceKey): Effect.Effect<KeyStoreService> =>
  Effect.map(Ref.make(Option.fromNullable(initial)), (ref) => ({
    load: Ref.get(ref),
    save: (key) => Ref.set(ref, Option.some(key)),
    clear: Ref.set(ref, Option.none())
  }))

/**
 * A `KeyStore` that keeps the device key in memory: for tests, and for programs that register a
 * new device each run on purpose.
 *
 * @since 0.1.0
 * @category testing
 * @example
 * import { KeyStore, PlexDeviceKey } from "@effect-plex/core"
 * import { InMemoryKeyStore } from "@effect-plex/core/testing"
 * import * as Effect from "effect/Effect"
 *
 * const program = Effect.gen(function*() {
 *   const store = yield* KeyStore
 *   yield* store.save(yield* PlexDeviceKey.generate)
 *   return yield* store.load
 * }).pipe(Effect.provide(InMemoryKeyStore.layer))
 */
export const InMemoryKeyStore = {
  /** A store, optionally holding a key already. */
  make,
  /** An empty store as a layer. */
  layer: Layer.effect(KeyStore, make()) as Layer.Layer<KeyStore>
}
