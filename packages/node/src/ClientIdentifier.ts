/**
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { randomUUID } from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

const FILE_NAME = "client-identifier"
const valid = /^[\x21-\x7e]{1,200}$/

const readValid = (file: string): string | undefined => {
  try {
    const text = Fs.readFileSync(file, "utf8").trim()
    return valid.test(text) ? text : undefined
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined
    throw error
  }
}

/**
 * Creates the file with a new UUID unless another process got there first: the new file is
 * written aside and linked into place, which fails instead of overwriting.
 */
const create = (dir: string, file: string): string => {
  Fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
  const id = randomUUID()
  const temp = Path.join(dir, `.${FILE_NAME}.${process.pid}.${id}`)
  Fs.writeFileSync(temp, `${id}\n`, { mode: 0o600 })
  try {
    if (readValid(file) === undefined && Fs.existsSync(file)) Fs.renameSync(temp, file) // a corrupt file: replace
    else Fs.linkSync(temp, file)
    return id
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error
    return readValid(file) ?? id
  } finally {
    Fs.rmSync(temp, { force: true })
  }
}

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
const directory: Effect.Effect<string, ConfigError.ConfigError> = Effect.map(
  Config.option(Config.nonEmptyString("XDG_CONFIG_HOME")),
  (xdg) =>
    Path.join(
      // the XDG spec: a relative path is invalid and ignored
      Option.getOrElse(Option.filter(xdg, Path.isAbsolute), () => Path.join(Os.homedir(), ".config")),
      "effect-plex"
    )
)

/**
 * The stable client identifier of this install. `PLEX_CLIENT_IDENTIFIER` wins when set; otherwise a
 * UUID is made on first use, kept in `<config dir>/effect-plex/client-identifier` (mode 0600) and
 * reused by every later run, so the user's account gains one device entry, not one per run.
 *
 * @since 0.1.0
 * @category config
 * @example
 * import { ClientIdentifier } from "@effect-plex/node"
 * import * as Effect from "effect/Effect"
 *
 * Effect.runPromise(ClientIdentifier.get).then((id) => console.log(id)) // the same id every run
 */
const get: Effect.Effect<string, ConfigError.ConfigError> = Effect.flatMap(
  Config.option(Config.nonEmptyString("PLEX_CLIENT_IDENTIFIER")),
  Option.match({
    onSome: Effect.succeed,
    onNone: () =>
      Effect.flatMap(directory, (dir) => {
        const file = Path.join(dir, FILE_NAME)
        return Effect.try({
          try: () => readValid(file) ?? create(dir, file),
          catch: (error) =>
            ConfigError.InvalidData(
              ["PLEX_CLIENT_IDENTIFIER"],
              `PLEX_CLIENT_IDENTIFIER is not set and the stored one could not be kept at ${file} (${
                (error as NodeJS.ErrnoException).code ?? "unknown error"
              }); set PLEX_CLIENT_IDENTIFIER or XDG_CONFIG_HOME`
            )
        })
      })
  })
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
