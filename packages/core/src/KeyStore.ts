/**
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type { PlexDeviceKey } from "./PlexDeviceKey.js"
import type { PlexKeyStoreError } from "./PlexError.js"

/**
 * Where the device key lives between runs, so the device stays the same device to plex.tv.
 * `@effect-plex/core/testing` has an in-memory store; `@effect-plex/node` a file store.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import type { KeyStoreService } from "@effect-plex/core"
 * import * as Effect from "effect/Effect"
 * import * as Option from "effect/Option"
 *
 * const nothingKept: KeyStoreService = {
 *   load: Effect.succeed(Option.none()),
 *   save: () => Effect.void,
 *   clear: Effect.void
 * }
 */
export interface KeyStoreService {
  /** The kept key, if any. */
  readonly load: Effect.Effect<Option.Option<PlexDeviceKey>, PlexKeyStoreError>
  /** Keeps the key, replacing the one kept before (atomically, where the store can). */
  readonly save: (key: PlexDeviceKey) => Effect.Effect<void, PlexKeyStoreError>
  /** Forgets the kept key. */
  readonly clear: Effect.Effect<void, PlexKeyStoreError>
}

/**
 * The device key store.
 *
 * @since 0.1.0
 * @category tags
 * @example
 * import { KeyStore } from "@effect-plex/core"
 * import * as Effect from "effect/Effect"
 *
 * const kept = Effect.flatMap(KeyStore, (store) => store.load)
 */
export class KeyStore extends Context.Tag("@effect-plex/core/KeyStore")<KeyStore, KeyStoreService>() {}
