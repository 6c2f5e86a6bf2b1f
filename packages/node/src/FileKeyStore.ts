/**
 * @since 0.1.0
 */
import * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Fs from "node:fs/promises"
import * as Path from "node:path"
import { KeyStore, type KeyStoreService, PlexDeviceKey, PlexKeyStoreError } from "@effect-plex/core"
import { ClientIdentifier } from "./ClientIdentifier.js"
import * as Identity from "./internal/clientIdentifier.js"
import * as SecureFile from "./internal/secureFile.js"

const FILE_NAME = Identity.KEY_FILE_NAME

const codeOf = (error: unknown): string => {
  const code = (error as { readonly code?: unknown } | undefined)?.code
  return typeof code === "string" ? code : "unknown error"
}

// decodeUnknownEither's ParseError quotes the input (the private key): only its absence is used
const decodeKey = Schema.decodeUnknownEither(Schema.parseJson(PlexDeviceKey))
const encodeKey = Schema.encodeSync(Schema.parseJson(PlexDeviceKey))

const make = (file: string): KeyStoreService => {
  const refuse = (reason: string) => new PlexKeyStoreError({ operation: "load", reason })
  return {
    load: SecureFile.read(file, { secret: true }).pipe(
      Effect.mapError((error) => refuse(error.message)),
      Effect.flatMap(Option.match({
        onNone: () => Effect.succeed(Option.none<PlexDeviceKey>()),
        onSome: (text) =>
          Either.match(decodeKey(text), {
            onLeft: () => Effect.fail(refuse(`${file} does not hold a device key: remove it, or restore a backup`)),
            onRight: (key) =>
              PlexDeviceKey.validate(key).pipe(
                Effect.mapBoth({
                  onFailure: (error) =>
                    refuse(
                      `${file} does not hold a usable device key (${error.message}): remove it, or restore a backup`
                    ),
                  onSuccess: Option.some
                })
              )
          })
      }))
    ),
    save: (key) =>
      SecureFile.replace(file, encodeKey(key), { createDirectory: true, strictTarget: false }).pipe(
        Effect.mapError((error) => new PlexKeyStoreError({ operation: "save", reason: error.message }))
      ),
    clear: Effect.tryPromise({
      try: () => Fs.rm(file, { force: true }),
      catch: (error) => new PlexKeyStoreError({ operation: "clear", reason: `${codeOf(error)} removing ${file}` })
    })
  }
}

/**
 * A `KeyStore` that keeps the device key in a JSON file (mode 0600, written atomically), by
 * default `device-key.json` beside the client identifier, in `ClientIdentifier.directory`
 * (`$XDG_CONFIG_HOME/effect-plex/<namespace>/`, or `~/.config/effect-plex/<namespace>/`; one per
 * product since 0.2.0, a key kept by 0.1 in `effect-plex/` itself moves along with its identifier),
 * so the device stays the same device to plex.tv across restarts.
 *
 * The file is checked, not trusted, when loaded (since 0.2.0): a symbolic link, anything but a
 * regular file, a file that group or others can read or that belongs to another user (as ssh checks
 * private keys), a file over 64 KiB, or one that does not hold a valid Ed25519 key pair is a
 * `PlexKeyStoreError` naming the file and the fix (such as `chmod 600 <file>`). Saving writes a
 * temporary file of random name, created exclusively with mode 0600, and renames it over the file.
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
        ? Effect.flatMap(ClientIdentifier.directory, (dir) =>
          Identity.migrateKey(dir).pipe(
            Effect.catchTag(
              "SecureFileError",
              (error) => Effect.fail(ConfigError.InvalidData(["PLEX_IDENTITY_NAMESPACE"], error.message))
            ),
            Effect.as(make(Path.join(dir, FILE_NAME)))
          ))
        : Effect.succeed(make(file))
    )
}
