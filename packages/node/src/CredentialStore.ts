/**
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import type * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as CredentialFile from "./internal/credentialFile.js"
import type * as SecureFile from "./internal/secureFile.js"

/**
 * A kept token: a classic token or a Plex JWT (`kind`), when a Plex JWT expires (Unix millis), and
 * the account it belongs to. The token is `Redacted`.
 *
 * @since 0.2.0
 * @category models
 * @example
 * import { StoredCredential } from "@effect-plex/node"
 * import * as Redacted from "effect/Redacted"
 *
 * const credential = StoredCredential.make({ kind: "token", token: Redacted.make("token") })
 * console.log(String(credential.token)) // "<redacted>"
 */
export class StoredCredential extends Schema.Class<StoredCredential>("@effect-plex/node/StoredCredential")(
  CredentialFile.StoredCredentialFields
) {}

/**
 * The credential file cannot be used: `problem` says what is wrong (a symbolic link, readable by
 * others, not a credential, not writable, …), `fix` what to do. Never holds the token.
 *
 * @since 0.2.0
 * @category errors
 * @example
 * import { CredentialStore } from "@effect-plex/node"
 * import * as Effect from "effect/Effect"
 *
 * const stored = Effect.flatMap(CredentialStore, (store) => store.load).pipe(
 *   Effect.catchTag("CredentialStoreError", (error) => Effect.dieMessage(error.message))
 * )
 */
export class CredentialStoreError
  extends Schema.TaggedError<CredentialStoreError>("@effect-plex/node/CredentialStoreError")("CredentialStoreError", {
    operation: Schema.Literal("load", "save", "remove"),
    path: Schema.String,
    problem: Schema.String,
    fix: Schema.String
  })
{
  /**
   * @since 0.2.0
   */
  override get message(): string {
    return `${this.path} ${this.problem}: ${this.fix}`
  }
}

/**
 * The operations of a {@link CredentialStore}.
 *
 * @since 0.2.0
 * @category models
 * @example
 * import type { CredentialStoreService } from "@effect-plex/node"
 *
 * const where = (store: CredentialStoreService) => store.path
 */
export interface CredentialStoreService {
  /** The file. */
  readonly path: string
  /** The kept credential, or `None` when there is no file; a file that cannot be used is an error, never `None`. */
  readonly load: Effect.Effect<Option.Option<StoredCredential>, CredentialStoreError>
  /** Replaces the kept credential (atomic: the old file or the new, mode 0600 from its creation). */
  readonly save: (credential: StoredCredential) => Effect.Effect<void, CredentialStoreError>
  /** Deletes the file; `true` when there was one. */
  readonly remove: Effect.Effect<boolean, CredentialStoreError>
}

const failWith = (operation: CredentialStoreError["operation"]) => (error: SecureFile.SecureFileError) =>
  new CredentialStoreError({ operation, path: error.path, problem: error.problem, fix: error.fix })

const make = (path: string): CredentialStoreService => {
  const file = CredentialFile.at(path, StoredCredential)
  return {
    path,
    load: Effect.mapError(file.load, failWith("load")),
    save: (credential) => Effect.mapError(file.save(credential), failWith("save")),
    remove: Effect.mapError(file.remove, failWith("remove"))
  }
}

/**
 * A token kept between runs in a JSON file: by default `credential.json` beside the client
 * identifier, in `ClientIdentifier.directory` (`$XDG_CONFIG_HOME/effect-plex/<namespace>/`), where
 * `plex-auth login` keeps its token, so a program run by the same user can use it. Kept as the
 * device key is: written through a temporary file of random name, created exclusively with mode
 * 0600, then renamed over the file (a link there is replaced, never followed); read without
 * following a link, and refused when group or others can read it or it belongs to another user.
 *
 * @since 0.2.0
 * @category tags
 * @example
 * import { PlexAuth } from "@effect-plex/core"
 * import { CredentialStore, PlexNode } from "@effect-plex/node"
 * import * as Effect from "effect/Effect"
 * import * as Layer from "effect/Layer"
 * import * as Option from "effect/Option"
 *
 * // the account plex-auth login signed in
 * const whoAmI = Effect.gen(function*() {
 *   const stored = yield* Effect.flatMap(CredentialStore, (store) => store.load)
 *   if (Option.isNone(stored)) return "not signed in: run plex-auth login"
 *   const user = yield* Effect.flatMap(PlexAuth, (auth) => auth.getTokenDetails(stored.value.token))
 *   return user.username
 * }).pipe(Effect.provide(Layer.merge(PlexNode.layer, CredentialStore.layer())))
 */
export class CredentialStore extends Context.Tag("@effect-plex/node/CredentialStore")<
  CredentialStore,
  CredentialStoreService
>() {
  /**
   * A store over the given file.
   *
   * @since 0.2.0
   */
  static readonly make: (path: string) => CredentialStoreService = make

  /**
   * The store as a layer; the file defaults to `credential.json` in this app's identity folder
   * (`PLEX_IDENTITY_NAMESPACE`, else `PLEX_PRODUCT`'s, as `ClientIdentifier.directory`).
   *
   * @since 0.2.0
   */
  static readonly layer = (path?: string): Layer.Layer<CredentialStore, ConfigError.ConfigError> =>
    Layer.effect(
      CredentialStore,
      path === undefined ? Effect.map(CredentialFile.defaultPath, make) : Effect.succeed(make(path))
    )
}
