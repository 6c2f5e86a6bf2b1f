/**
 * The stored client identifier, with its file problems as `SecureFileError` (the CLI tells them
 * apart from configuration errors; `ClientIdentifier.get` turns them into a `ConfigError`).
 */
import { PlexConfig } from "@effect-plex/core"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { createHash, randomUUID } from "node:crypto"
import * as Os from "node:os"
import * as Fs from "node:fs/promises"
import * as Path from "node:path"
import * as SecureFile from "./secureFile.js"

export const FILE_NAME = "client-identifier"
export const KEY_FILE_NAME = "device-key.json"

const valid = /^[\x21-\x7e]{1,200}$/

/** The `effect-plex` folder of the user's config directory: `$XDG_CONFIG_HOME/effect-plex`, or `~/.config/effect-plex`. */
export const root: Effect.Effect<string, ConfigError.ConfigError> = Effect.map(
  Config.option(Config.nonEmptyString("XDG_CONFIG_HOME")),
  (xdg) =>
    Path.join(
      // the XDG spec: a relative path is invalid and ignored
      Option.getOrElse(Option.filter(xdg, Path.isAbsolute), () => Path.join(Os.homedir(), ".config")),
      "effect-plex"
    )
)

const namespacePattern = /^[a-z0-9][a-z0-9._-]{0,63}$/

/** The name of the folder of one identity: lower case, no path separator, no leading dot, not a file's name. */
export const isValidNamespace = (name: string): boolean =>
  namespacePattern.test(name) && name !== FILE_NAME && name !== KEY_FILE_NAME

/** The default namespace of a product: `"Plex Web"` is `plex-web`; a name with no ASCII letter or digit gets a hash. */
export const namespaceOf = (product: string): string => {
  const slug = product.toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^[-._]+/, "").slice(0, 64)
    .replace(/[-.]+$/, "")
  return isValidNamespace(slug)
    ? slug
    : `product-${createHash("sha256").update(product, "utf8").digest("hex").slice(0, 12)}`
}

/** `PLEX_IDENTITY_NAMESPACE`, else the namespace of `PLEX_PRODUCT`, else of the default product. */
export const namespace: Effect.Effect<string, ConfigError.ConfigError> = Effect.flatMap(
  Config.option(Config.string("PLEX_IDENTITY_NAMESPACE")),
  Option.match({
    onSome: (name) =>
      isValidNamespace(name) ? Effect.succeed(name) : Effect.fail(ConfigError.InvalidData(
        ["PLEX_IDENTITY_NAMESPACE"],
        "PLEX_IDENTITY_NAMESPACE must be 1 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit"
      )),
    onNone: () =>
      Effect.map(
        Config.option(Config.nonEmptyString("PLEX_PRODUCT")),
        (product) => namespaceOf(Option.getOrElse(product, () => PlexConfig.defaultProduct))
      )
  })
)

/** The folder of one identity: `<root>/<namespace>`. */
export const directoryOf = (name: string): Effect.Effect<string, ConfigError.ConfigError> =>
  isValidNamespace(name)
    ? Effect.map(root, (dir) => Path.join(dir, name))
    : Effect.fail(ConfigError.InvalidData(["PLEX_IDENTITY_NAMESPACE"], `not a valid identity namespace: ${name}`))

/** The folder of this app's identity: `<root>/<namespace>`. */
export const directory: Effect.Effect<string, ConfigError.ConfigError> = Effect.flatMap(namespace, directoryOf)

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
    return yield* Effect.flatMap(
      readStored(file),
      Option.match({
        onSome: Effect.succeed,
        onNone: () =>
          Effect.fail(
            new SecureFile.SecureFileError({ path: file, problem: "vanished while being created", fix: "try again" })
          )
      })
    )
  }))

/**
 * Moves one file of the identity kept before 0.2.0 directly in `<root>` into `dir`, unless `dir`
 * has its own. The file is first renamed aside under a random name, which only one process can
 * do, so two apps upgraded at once never both take it; it is then linked into `dir`, which never
 * overwrites. `true` when this call moved it.
 */
const claim = (from: string, to: string): Effect.Effect<boolean, SecureFile.SecureFileError> =>
  Effect.tryPromise({
    try: async () => {
      const aside = Path.join(Path.dirname(from), `.${Path.basename(from)}.${randomUUID()}.claimed`)
      try {
        await Fs.rename(from, aside)
      } catch (error) {
        if (codeOf(error) === "ENOENT" || codeOf(error) === "ENOTDIR") return false
        throw error
      }
      await Fs.mkdir(Path.dirname(to), { recursive: true, mode: 0o700 })
      try {
        await Fs.link(aside, to)
      } catch (error) {
        if (codeOf(error) !== "EEXIST") {
          await Fs.rename(aside, from).catch(() => undefined)
          throw error
        }
        // the namespace has an identity of its own already: put the old one back, untouched
        await Fs.link(aside, from).catch(() => undefined)
        await Fs.unlink(aside)
        return false
      }
      await Fs.unlink(aside)
      return true
    },
    catch: (error) =>
      new SecureFile.SecureFileError({
        path: from,
        problem: `cannot be moved to ${to} (${codeOf(error)})`,
        fix: `move it there yourself, or set PLEX_IDENTITY_NAMESPACE to share it on purpose`
      })
  })

const codeOf = (error: unknown): string => {
  const code = (error as { readonly code?: unknown } | undefined)?.code
  return typeof code === "string" ? code : "unknown error"
}

/**
 * Before 0.2.0 every app kept one identity in `<root>` itself. The first namespace to look for its
 * identity after an upgrade takes that one over (the client identifier, and the device key with
 * it), so an app that was alone on the machine stays the same device to plex.tv; any other app gets
 * a new identity of its own. With `PLEX_CLIENT_IDENTIFIER` set there is no stored identifier, and
 * the device key is taken over alone.
 */
export const migrate = (dir: string, identifierFromEnv: boolean): Effect.Effect<void, SecureFile.SecureFileError> =>
  Effect.gen(function*() {
    const old = Path.dirname(dir)
    if (identifierFromEnv) {
      // a key kept beside a stored identifier belongs to that identifier, not to this one
      if ((yield* exists(Path.join(old, FILE_NAME))) || (yield* exists(Path.join(dir, KEY_FILE_NAME)))) return
      yield* claim(Path.join(old, KEY_FILE_NAME), Path.join(dir, KEY_FILE_NAME))
      return
    }
    if (yield* exists(Path.join(dir, FILE_NAME))) return
    // an old identifier that cannot be used fails as it did before the upgrade, naming its file
    const oldId = yield* readStored(Path.join(old, FILE_NAME))
    if (Option.isSome(oldId) && (yield* claim(Path.join(old, FILE_NAME), Path.join(dir, FILE_NAME)))) {
      yield* claim(Path.join(old, KEY_FILE_NAME), Path.join(dir, KEY_FILE_NAME))
    }
  })

/** Whether anything (a file, a link, dangling or not) is at `path`. */
const exists = (path: string): Effect.Effect<boolean> =>
  Effect.promise(() => Fs.lstat(path).then(() => true, () => false))

const identifierFromEnv = Config.option(Config.nonEmptyString("PLEX_CLIENT_IDENTIFIER"))

/** `PLEX_CLIENT_IDENTIFIER`, or the identifier stored in `dir` (taken over or made on first use). */
export const resolveIn = (
  dir: string
): Effect.Effect<string, ConfigError.ConfigError | SecureFile.SecureFileError> =>
  Effect.flatMap(
    identifierFromEnv,
    Option.match({
      onSome: Effect.succeed,
      onNone: () => {
        const file = Path.join(dir, FILE_NAME)
        return readStored(file).pipe(
          Effect.flatMap(Option.match({
            onSome: Effect.succeed,
            onNone: () =>
              Effect.zipRight(
                migrate(dir, false),
                Effect.flatMap(readStored(file), Option.match({ onSome: Effect.succeed, onNone: () => create(file) }))
              )
          }))
        )
      }
    })
  )

/** `PLEX_CLIENT_IDENTIFIER`, or the stored identifier of this app's namespace (made on first use). */
export const resolve: Effect.Effect<string, ConfigError.ConfigError | SecureFile.SecureFileError> = Effect.flatMap(
  directory,
  resolveIn
)

/** Takes over the identity kept before 0.2.0 for `dir` if it has none (the key store's entry point). */
export const migrateKey = (dir: string): Effect.Effect<void, ConfigError.ConfigError | SecureFile.SecureFileError> =>
  Effect.flatMap(identifierFromEnv, (env) => migrate(dir, Option.isSome(env)))

/** The message of a `ConfigError` for a stored identifier that cannot be used. */
export const configMessage = (error: SecureFile.SecureFileError): string =>
  `PLEX_CLIENT_IDENTIFIER is not set and the stored client identifier cannot be used: ${error.message}` +
  (error.fix.includes("PLEX_CLIENT_IDENTIFIER") ? "" : "; or set PLEX_CLIENT_IDENTIFIER")
