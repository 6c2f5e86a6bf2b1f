/**
 * @since 0.1.0
 */
import type * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { randomUUID } from "node:crypto"
import * as Fs from "node:fs/promises"
import * as Path from "node:path"
import { KeyStore, type KeyStoreService, PlexDeviceKey, PlexKeyStoreError } from "@effect-plex/core"
import { ClientIdentifier } from "./ClientIdentifier.js"

const FILE_NAME = "device-key.json"

const codeOf = (error: unknown): string => {
  const code = (error as { readonly code?: unknown } | undefined)?.code
  return typeof code === "string" ? code : "unknown error"
}

const decodeKey = Schema.decodeUnknownOption(Schema.parseJson(PlexDeviceKey))
const encodeKey = Schema.encodeSync(Schema.parseJson(PlexDeviceKey))

const make = (file: string): KeyStoreService => ({
  load: Effect.tryPromise({
    try: () => Fs.readFile(file, "utf8").then((text) => Option.some(text), (error) => {
      if (codeOf(error) === "ENOENT") return Option.none<string>()
      throw error
    }),
    catch: (error) => new PlexKeyStoreError({ operation: "load", reason: `${codeOf(error)} reading ${file}` })
  }).pipe(
    Effect.flatMap(Option.match({
      onNone: () => Effect.succeed(Option.none<PlexDeviceKey>()),
      onSome: (text) =>
        Option.match(decodeKey(text), {
          onNone: () =>
            Effect.fail(new PlexKeyStoreError({ operation: "load", reason: `${file} does not hold a device key` })),
          onSome: (key) => Effect.succeed(Option.some(key))
        })
    }))
  ),
  save: (key) =>
    Effect.tryPromise({
      try: async () => {
        await Fs.mkdir(Path.dirname(file), { recursive: true, mode: 0o700 })
        const temp = `${file}.${process.pid}.${randomUUID()}.tmp` // unique: concurrent saves never share one
        try {
          await Fs.writeFile(temp, encodeKey(key), { mode: 0o600 })
          await Fs.rename(temp, file) // atomic: readers see the old key or the new one, never half
        } finally {
          await Fs.rm(temp, { force: true })
        }
      },
      catch: (error) => new PlexKeyStoreError({ operation: "save", reason: `${codeOf(error)} writing ${file}` })
    }),
  clear: Effect.tryPromise({
    try: () => Fs.rm(file, { force: true }),
    catch: (error) => new PlexKeyStoreError({ operation: "clear", reason: `${codeOf(error)} removing ${file}` })
  })
})

/**
 * A `KeyStore` that keeps the device key in a JSON file (mode 0600, written atomically), by
 * default `$XDG_CONFIG_HOME/effect-plex/device-key.json` (or `~/.config/effect-plex/…`), so the
 * device stays the same device to plex.tv across restarts.
 *
 * @since 0.1.0
 * @category layers
 * @example
 * import { PlexJwtAuth } from "@effect-plex/core"
 * import { FileKeyStore, PlexNode } from "@effect-plex/node"
 * import * as Config from "effect/Config"
 * import * as Effect from "effect/Effect"
 * import * as Layer from "effect/Layer"
 *
 * const program = Effect.gen(function*() {
 *   const jwt = yield* PlexJwtAuth
 *   const key = yield* jwt.deviceKey(yield* Config.redacted("PLEX_TOKEN")) // registered once, then kept
 *   return yield* jwt.exchange(key)
 * }).pipe(Effect.provide(Layer.mergeAll(PlexJwtAuth.layer.pipe(Layer.provide(PlexNode.layer)), FileKeyStore.layer())))
 */
export const FileKeyStore = {
  /** A store over the given file. */
  make,
  /** The store as a layer; the file defaults to the user's config directory. */
  layer: (file?: string): Layer.Layer<KeyStore, ConfigError.ConfigError> =>
    Layer.effect(
      KeyStore,
      file === undefined
        ? Effect.map(ClientIdentifier.directory, (dir) => make(Path.join(dir, FILE_NAME)))
        : Effect.succeed(make(file))
    )
}
