/**
 * The file behind `CredentialStore` (and `plex-auth`'s stored credential): one token (a classic
 * token or a Plex JWT) with the account it belongs to, in `credential.json` next to the client
 * identifier (by default `$XDG_CONFIG_HOME/effect-plex/<namespace>/`). Written as every secret file
 * of this package is (see `secureFile.ts`): a temporary file of random name created exclusively
 * with mode 0600, then renamed over the file (atomic; a link at the target is replaced, never
 * followed). Read without following a link, and refused when group or others can read it or it
 * belongs to another user. Problems are `SecureFileError`s naming the file and the fix.
 */
import type * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Fs from "node:fs/promises"
import * as Path from "node:path"
import * as StoredIdentifier from "./clientIdentifier.js"
import * as SecureFile from "./secureFile.js"

/** The file name in the identity's folder. */
export const FILE_NAME = "credential.json"

/** What is kept: the token, its kind and, for a Plex JWT, when it expires (Unix millis). */
export const StoredCredentialFields = {
  kind: Schema.Literal("token", "jwt"),
  token: Schema.Redacted(Schema.NonEmptyString),
  expiresAt: Schema.optional(Schema.Number),
  account: Schema.optional(Schema.Struct({ id: Schema.Number, username: Schema.String }))
}

/** The file's shape (a `Schema.Class` of the public module satisfies it). */
export type Credential = Schema.Struct.Type<typeof StoredCredentialFields>

/** The default path: `credential.json` in the folder of this app's identity. */
export const defaultPath: Effect.Effect<string, ConfigError.ConfigError> = Effect.map(
  StoredIdentifier.directory,
  (dir) => Path.join(dir, FILE_NAME)
)

/** Reading and writing the credential file at one path, with a decoder of its JSON. */
export const at = <A extends Credential>(
  file: string,
  schema: Schema.Schema<A, Schema.Struct.Encoded<typeof StoredCredentialFields>>
) => {
  const Json = Schema.parseJson(schema)
  const decode = Schema.decodeEither(Json)
  const encode = Schema.encodeSync(Json)

  /** The stored credential, or `None`; a file that is there but unusable is an error naming it. */
  const load: Effect.Effect<Option.Option<A>, SecureFile.SecureFileError> = SecureFile.read(file, { secret: true })
    .pipe(
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
                  problem: "does not hold a credential",
                  fix: "remove it, then sign in again (plex-auth login)"
                })
              )
          })
      }))
    )

  /**
   * Prepares saving: the directory is made (0700) and the temporary file created now, before
   * anything is sent, so a place that cannot be written is found first.
   */
  const prepare: Effect.Effect<
    { readonly save: (credential: A) => Effect.Effect<void, SecureFile.SecureFileError> },
    SecureFile.SecureFileError,
    Scope.Scope
  > = Effect.map(
    SecureFile.prepare(file, { createDirectory: true, strictTarget: false }),
    (pending) => ({ save: (credential: A) => pending.replace(`${encode(credential)}\n`) })
  )

  /** Saves a credential now (atomic, mode 0600). */
  const save = (credential: A) => Effect.scoped(Effect.flatMap(prepare, (pending) => pending.save(credential)))

  /** Deletes the file (a link there is removed, never followed); `true` when there was one. */
  const remove: Effect.Effect<boolean, SecureFile.SecureFileError> = Effect.tryPromise({
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

  return { path: file, load, prepare, save, remove }
}
