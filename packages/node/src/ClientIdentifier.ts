/**
 * @since 0.1.0
 */
import * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Internal from "./internal/clientIdentifier.js"

/**
 * The folder where the client identifier is kept: `$XDG_CONFIG_HOME/effect-plex`, or
 * `~/.config/effect-plex`.
 *
 * @since 0.1.0
 * @category config
 * @example
 * import { ClientIdentifier } from "@effect-plex/node"
 * import * as Effect from "effect/Effect"
 *
 * Effect.runPromise(ClientIdentifier.directory).then(console.log) // e.g. "/home/alice/.config/effect-plex"
 */
const directory: Effect.Effect<string, ConfigError.ConfigError> = Internal.directory

/**
 * The stable client identifier of this install. `PLEX_CLIENT_IDENTIFIER` wins when set; otherwise a
 * UUID is made on first use, kept in `<config dir>/effect-plex/client-identifier` (mode 0600) and
 * reused by every later run, so the user's account gains one device entry, not one per run.
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
 * The stable client identifier of this install.
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
export const ClientIdentifier = { get, directory }
