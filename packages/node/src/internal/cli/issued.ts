/**
 * A token plex.tv has just issued (a sign-in, a linked PIN, a Home switch): kept in the credential
 * store and, with `--save FILE`, in that file too. Both places are checked, and their temporary
 * files created, before anything is sent; should keeping the token fail after all, it is signed out
 * again, so no token nobody holds stays on the account.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { PlexAuth, type PlexUser } from "@effect-plex/core"
import * as SecureFile from "../secureFile.js"
import * as CredentialStore from "./credentialStore.js"
import { classify, CliError, fileError } from "./failure.js"
import { out } from "./output.js"
import { ExitCode } from "../cli.js"

/** Where an issued token goes, made ready before anything is sent. */
export interface Destinations {
  readonly file: Option.Option<SecureFile.PendingFile>
  readonly store: {
    readonly save: (credential: CredentialStore.StoredCredential) => Effect.Effect<void, SecureFile.SecureFileError>
  }
}

/** Checks `--save FILE` (strictly: no link, no file of another user) and the credential store. */
export const prepare = (saveTo: Option.Option<string>): Effect.Effect<Destinations, unknown, Scope.Scope> =>
  Effect.gen(function*() {
    const file = yield* Option.match(saveTo, {
      onNone: () => Effect.succeedNone,
      onSome: (path) =>
        SecureFile.prepare(path, { createDirectory: false, strictTarget: true }).pipe(
          Effect.mapBoth({ onFailure: fileError, onSuccess: Option.some })
        )
    })
    const store = yield* CredentialStore.prepare
    return { file, store }
  })

/** Who the token belongs to, as the store keeps it. */
export const accountOf = (user: PlexUser) => ({ id: user.id, username: user.username ?? "" })

/**
 * Keeps `credential` (a token plex.tv has just issued): in `--save FILE`, then in the store. Should
 * that fail or be interrupted, the token is signed out again.
 */
export const keep = (
  destinations: Destinations,
  credential: CredentialStore.StoredCredential
): Effect.Effect<void, CliError, PlexAuth> => {
  const issued = credential.token
  const toFile = Option.match(destinations.file, {
    onNone: () => Effect.void,
    onSome: (file) =>
      file.replace(`${Redacted.value(issued)}\n`).pipe(
        Effect.mapError((error) =>
          new CliError({ code: ExitCode.file, text: `could not save the token: ${error.message}` })
        ),
        Effect.zipRight(out(`token saved to ${file.path}`))
      )
  })
  const toStore = destinations.store.save(credential).pipe(
    Effect.mapError((error) =>
      new CliError({ code: ExitCode.file, text: `could not keep the credential: ${error.message}` })
    )
  )
  return keepIssued(issued, Effect.zipRight(toFile, toStore))
}

/**
 * Runs `use` for a token plex.tv has just issued. Should it fail or be interrupted, the token is
 * signed out again: nobody could ever use it, and it would stay on the account as a device.
 */
export const keepIssued = <E, R>(
  issued: Redacted.Redacted<string>,
  use: Effect.Effect<void, E, R>
): Effect.Effect<void, CliError, R | PlexAuth> =>
  Effect.flatMap(PlexAuth, (auth) => {
    const signOut = auth.signOut(issued).pipe(Effect.timeout("30 seconds"), Effect.either)
    return use.pipe(
      Effect.onInterrupt(() => Effect.ignore(signOut)),
      Effect.catchAll((error) =>
        Effect.flatMap(signOut, (signedOut) => {
          const { code, text } = classify(error)
          return Effect.fail(
            new CliError({
              code,
              text: Either.isRight(signedOut)
                ? `${text}; the new token was not kept, so it has been signed out again`
                : `${text}; the new token was not kept, and signing it out failed too (${signedOut.left._tag}): remove this device from your plex.tv account's Authorized Devices`
            })
          )
        })
      )
    )
  })
