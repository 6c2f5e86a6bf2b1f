/**
 * @since 0.1.0
 */
import * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Internal from "./internal/clientIdentifier.js"

/**
 * The folder of this app's identity (its client identifier and, with `FileKeyStore`, its device
 * key): `<config dir>/effect-plex/<namespace>`, where the config dir is `$XDG_CONFIG_HOME` or
 * `~/.config`, and the namespace is `ClientIdentifier.namespace` (since 0.2.0; before, every app
 * shared `<config dir>/effect-plex` itself).
 *
 * @since 0.1.0
 * @category config
 * @example
 * import { ClientIdentifier } from "@effect-plex/node"
 * import * as Effect from "effect/Effect"
 *
 * Effect.runPromise(ClientIdentifier.directory).then(console.log) // e.g. "/home/alice/.config/effect-plex/my-app"
 */
const directory: Effect.Effect<string, ConfigError.ConfigError> = Internal.directory

/**
 * The name of this app's identity folder (since 0.2.0): `PLEX_IDENTITY_NAMESPACE` when set (1 to
 * 64 lower-case letters, digits, `.`, `_` or `-`), else made from `PLEX_PRODUCT` (`"My App"` is
 * `my-app`), else from `PlexConfig.defaultProduct` (`effect-plex`). So each product is its own
 * device to plex.tv; apps that set the same `PLEX_IDENTITY_NAMESPACE` share one identity on purpose.
 *
 * @since 0.2.0
 * @category config
 * @example
 * import { ClientIdentifier } from "@effect-plex/node"
 * import * as ConfigProvider from "effect/ConfigProvider"
 * import * as Effect from "effect/Effect"
 *
 * const env = ConfigProvider.fromMap(new Map([["PLEX_PRODUCT", "My App"]]))
 * Effect.runPromise(Effect.withConfigProvider(ClientIdentifier.namespace, env)).then(console.log) // "my-app"
 */
const namespace: Effect.Effect<string, ConfigError.ConfigError> = Internal.namespace

/**
 * The stable client identifier of this app on this machine. `PLEX_CLIENT_IDENTIFIER` wins when set;
 * otherwise a UUID is made on first use, kept in `<ClientIdentifier.directory>/client-identifier`
 * (mode 0600) and reused by every later run, so the user's account gains one device entry per app,
 * not one per run.
 *
 * Upgrading from 0.1, whose identity every app kept in `<config dir>/effect-plex` itself: the first
 * app to run takes that identity over (the identifier is moved into its folder, with the device key
 * beside it), so it stays the same device to plex.tv; the others get one of their own. To keep
 * sharing it, set the same `PLEX_IDENTITY_NAMESPACE` in every app.
 *
 * A stored file that exists but cannot be used (a symbolic link, dangling or not, a directory, an
 * unreadable file, one over 64 KiB, or content that is not an identifier) is never silently
 * replaced by a new identifier, which would add a device entry on every run: it fails with a
 * `ConfigError` naming the file and the fix (since 0.2.0). The file is created through a temporary
 * file of random name, made exclusively with mode 0600, then hard-linked into place.
 *
 * @since 0.1.0
 * @category config
 * @example
 * import { ClientIdentifier } from "@effect-plex/node"
 * import * as Effect from "effect/Effect"
 *
 * Effect.runPromise(ClientIdentifier.get).then((id) => console.log(id)) // the same id every run
 */
const get: Effect.Effect<string, ConfigError.ConfigError> = Effect.catchTag(
  Internal.resolve,
  "SecureFileError",
  (error) => Effect.fail(ConfigError.InvalidData(["PLEX_CLIENT_IDENTIFIER"], Internal.configMessage(error)))
)

/**
 * The stable client identifier of this app on this machine, and where it is kept.
 *
 * - `get`: `PLEX_CLIENT_IDENTIFIER`, or the stored identifier (made on first use).
 * - `directory`: `~/.config/effect-plex/<namespace>` (or under `$XDG_CONFIG_HOME`).
 * - `namespace`: `PLEX_IDENTITY_NAMESPACE`, or the product's (`PLEX_PRODUCT`) name made safe.
 *
 * @since 0.1.0
 * @category config
 * @example
 * import { ClientIdentifier } from "@effect-plex/node"
 * import * as Effect from "effect/Effect"
 *
 * const program = Effect.gen(function*() {
 *   const id = yield* ClientIdentifier.get
 *   const dir = yield* ClientIdentifier.directory
 *   console.log(`${id} kept in ${dir}`)
 * })
 */
export const ClientIdentifier = { get, directory, namespace }
