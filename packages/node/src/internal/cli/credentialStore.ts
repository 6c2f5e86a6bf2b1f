/**
 * The credential `plex-auth` keeps between runs: one token (a classic token or a Plex JWT) with
 * the account it belongs to, in `credential.json` next to the client identifier (by default
 * `$XDG_CONFIG_HOME/effect-plex/`). Written as every secret file of this package is (see
 * `../secureFile.ts`): a temporary file of random name created exclusively with mode 0600, then
 * renamed over the file (atomic; a link at the target is replaced, never followed). Read without
 * following a link, and refused when group or others can read it or it belongs to another user.
 */
import type * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Fs from "node:fs/promises"
import * as Path from "node:path"
import * as StoredIdentifier from "../clientIdentifier.js"
import * as SecureFile from "../secureFile.js"

/** The file name in the configuration directory. */
export const FILE_NAME = "credential.json"

/** What is kept: the token, its kind and, for a Plex JWT, when it expires (Unix millis). */
export class StoredCredential extends Schema.Class<StoredCredential>("@effect-plex/node/cli/StoredCredential")({
  kind: Schema.Literal("token", "jwt"),
  token: Schema.Redacted(Schema.NonEmptyString),
  expiresAt: Schema.optional(Schema.Number),
  account: Schema.optional(Schema.Struct({ id: Schema.Number, username: Schema.String }))
}) {}

const Json = Schema.parseJson(StoredCredential)
const decode = Schema.decodeEither(Json)
const encode = Schema.encodeSync(Json)

/** The path of the stored credential. */
export const path: Effect.Effect<string, ConfigError.ConfigError> = Effect.map(
  StoredIdentifier.directory,
  (dir) => Path.join(dir, FILE_NAME)
)

/** The stored credential, or `None`; a file that is there but unusable is an error naming it. */
export const load: Effect.Effect<Option.Option<StoredCredential>, SecureFile.SecureFileError | ConfigError.ConfigError> =
  Effect.flatMap(path, (file) =>
    SecureFile.read(file, { secret: true }).pipe(
      Effect.flatMap(Option.match({
        onNone: () => Effect.succeedNone,
        onSome: (text) =>
          Either.match(decode(text), {
            onRight: (credential) => Effect.succeedSome(credential),
            // the parse error would quote the file: only say that it is not ours
            onLeft: () =>
              Effect.fail(
                new SecureFile.SecureFileError({
                  path: file,
                  problem: "does not hold a plex-auth credential",
                  fix: "remove it, then run plex-auth login"
                })
              )
          })
      }))
    ))

/**
 * Prepares saving a credential: the directory is made (0700) and the temporary file created now,
 * before anything is sent, so a place that cannot be written is found first.
 */
export const prepare: Effect.Effect<
  { readonly save: (credential: StoredCredential) => Effect.Effect<void, SecureFile.SecureFileError> },
  SecureFile.SecureFileError | ConfigError.ConfigError,
  Scope.Scope
> = Effect.flatMap(path, (file) =>
  Effect.map(
    SecureFile.prepare(file, { createDirectory: true, strictTarget: false }),
    (pending) => ({ save: (credential: StoredCredential) => pending.replace(`${encode(credential)}\n`) })
  ))

/** Saves a credential now (atomic, mode 0600). */
export const save = (credential: StoredCredential) =>
  Effect.scoped(Effect.flatMap(prepare, (pending) => pending.save(credential)))

/** Deletes the stored credential (a link there is removed, never followed); `true` when there was one. */
export const remove: Effect.Effect<boolean, SecureFile.SecureFileError | ConfigError.ConfigError> = Effect.flatMap(
  path,
  (file) =>
    Effect.tryPromise({
      try: async () => {
        const there = await Fs.lstat(file).then(() => true, () => false)
        await Fs.rm(file, { force: true })
        return there
      },
      catch: (error) =>
        new SecureFile.SecureFileError({
          path: file,
          problem: `cannot be removed (${String((error as { code?: unknown }).code ?? "unknown error")})`,
          fix: "check the directory's permissions, or remove it yourself"
        })
    })
)
