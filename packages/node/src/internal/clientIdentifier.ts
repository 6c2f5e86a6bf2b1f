/**
 * The stored client identifier, with its file problems as `SecureFileError` (the CLI tells them
 * apart from configuration errors; `ClientIdentifier.get` turns them into a `ConfigError`).
 */
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { randomUUID } from "node:crypto"
import * as Os from "node:os"
import * as Path from "node:path"
import * as SecureFile from "./secureFile.js"

export const FILE_NAME = "client-identifier"

const valid = /^[\x21-\x7e]{1,200}$/

export const directory: Effect.Effect<string, ConfigError.ConfigError> = Effect.map(
  Config.option(Config.nonEmptyString("XDG_CONFIG_HOME")),
  (xdg) =>
    Path.join(
      // the XDG spec: a relative path is invalid and ignored
      Option.getOrElse(Option.filter(xdg, Path.isAbsolute), () => Path.join(Os.homedir(), ".config")),
      "effect-plex"
    )
)

const FIX = "remove it to have a new one made (this install then shows as a new device), or set PLEX_CLIENT_IDENTIFIER"

/** The identifier in the file; a file that exists but holds none is an error, never replaced. */
const readStored = (file: string): Effect.Effect<Option.Option<string>, SecureFile.SecureFileError> =>
  SecureFile.read(file, { secret: false }).pipe(
    Effect.flatMap(Option.match({
      onNone: () => Effect.succeedNone,
      onSome: (text) => {
        const id = text.trim()
        return valid.test(id) ? Effect.succeedSome(id) : Effect.fail(
          new SecureFile.SecureFileError({
            path: file,
            problem: "does not hold a client identifier (1 to 200 printable ASCII characters)",
            fix: FIX
          })
        )
      }
    }))
  )

/**
 * Creates the file with a new UUID unless another process got there first: the new file is written
 * aside, exclusively, and linked into place, which fails instead of overwriting.
 */
const create = (file: string): Effect.Effect<string, SecureFile.SecureFileError> =>
  Effect.scoped(Effect.gen(function*() {
    const pending = yield* SecureFile.prepare(file, { createDirectory: true, strictTarget: false })
    const id = randomUUID()
    if ((yield* pending.create(`${id}\n`)) === "created") return id
    // another process made it meanwhile: use theirs
    return yield* Effect.flatMap(readStored(file), Option.match({
      onSome: Effect.succeed,
      onNone: () =>
        Effect.fail(
          new SecureFile.SecureFileError({ path: file, problem: "vanished while being created", fix: "try again" })
        )
    }))
  }))

/** `PLEX_CLIENT_IDENTIFIER`, or the stored identifier (made on first use). */
export const resolve: Effect.Effect<string, ConfigError.ConfigError | SecureFile.SecureFileError> = Effect.flatMap(
  Config.option(Config.nonEmptyString("PLEX_CLIENT_IDENTIFIER")),
  Option.match({
    onSome: Effect.succeed,
    onNone: () =>
      Effect.flatMap(directory, (dir) => {
        const file = Path.join(dir, FILE_NAME)
        return Effect.flatMap(readStored(file), Option.match({ onSome: Effect.succeed, onNone: () => create(file) }))
      })
  })
)

/** The message of a `ConfigError` for a stored identifier that cannot be used. */
export const configMessage = (error: SecureFile.SecureFileError): string =>
  `PLEX_CLIENT_IDENTIFIER is not set and the stored client identifier cannot be used: ${error.message}` +
  (error.fix.includes("PLEX_CLIENT_IDENTIFIER") ? "" : "; or set PLEX_CLIENT_IDENTIFIER")
