/**
 * `plex-auth whoami`, `token`, `ping` and `logout`: the account behind the current token
 * (`PLEX_TOKEN`, else the stored credential).
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { PlexAuth } from "@effect-plex/core"
import * as CredentialStore from "./credentialStore.js"
import { refreshed } from "./environment.js"
import { usageError } from "./failure.js"
import { out, outJson } from "./output.js"
import { accountJson, describe, jsonOption, withToken } from "./plex.js"

/** `plex-auth whoami [--json]`. */
export const whoami = Command.make(
  "whoami",
  { json: jsonOption },
  ({ json }) =>
    withToken((current) =>
      Effect.gen(function*() {
        const { token } = yield* refreshed(current)
        const user = yield* (yield* PlexAuth).getTokenDetails(token)
        yield* json ? outJson(accountJson(user)) : out(describe(user))
      })
    )
).pipe(Command.withDescription("the account behind the stored credential (or PLEX_TOKEN)"))

/** `plex-auth token [--show]`: the token for a pipe, never to a terminal unless asked. */
export const token = Command.make(
  "token",
  {
    show: Options.boolean("show").pipe(Options.withDescription("print the token even when stdout is a terminal"))
  },
  ({ show }) =>
    withToken((current) =>
      Effect.gen(function*() {
        if (process.stdout.isTTY === true && !show) {
          return yield* Effect.fail(
            usageError("not printing the token to a terminal: pipe it (plex-auth token | …), or add --show")
          )
        }
        const { token } = yield* refreshed(current)
        yield* Effect.sync(() => process.stdout.write(`${Redacted.value(token)}\n`))
      })
    )
).pipe(Command.withDescription("print the stored token (refreshed when it is a Plex JWT about to expire), for piping"))

/** `plex-auth ping`. */
export const ping = Command.make("ping", {}, () =>
  withToken((current) =>
    Effect.gen(function*() {
      const { token } = yield* refreshed(current)
      yield* (yield* PlexAuth).ping(token)
      yield* out("alive")
    })
  )).pipe(Command.withDescription("keep the token alive"))

/** `plex-auth logout`: signs the token out; the stored credential is deleted. */
export const logout = Command.make("logout", {}, () =>
  withToken((current) =>
    Effect.gen(function*() {
      const { stored, token } = current
      const signedOut = yield* Effect.either((yield* PlexAuth).signOut(token))
      if (Option.isNone(stored)) { // PLEX_TOKEN: nothing stored to delete
        if (signedOut._tag === "Left") return yield* Effect.fail(signedOut.left)
        return yield* out("signed out")
      }
      if (signedOut._tag === "Left") {
        const dead = signedOut.left._tag === "PlexUnauthorizedError" && signedOut.left.reason === "InvalidToken"
        if (!dead) return yield* Effect.fail(signedOut.left) // kept: it may still work, try again later
        yield* CredentialStore.remove
        return yield* out("the stored token was already invalid; the stored credential is deleted")
      }
      yield* CredentialStore.remove
      yield* out("signed out; the stored credential is deleted")
    })
  )).pipe(Command.withDescription("sign the token out at plex.tv and delete the stored credential"))
