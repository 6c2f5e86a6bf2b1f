/**
 * `plex-auth home [--json]`: the members of the Plex Home; `plex-auth home switch <user>`: becomes
 * that member (by title, username, uuid or id), asking for the Home PIN of a protected one. The
 * member's token replaces the stored credential (and goes to `--save FILE`).
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { PlexHome, type PlexHomeUser } from "@effect-plex/core"
import * as CredentialStore from "./credentialStore.js"
import { homePin, refreshed } from "./environment.js"
import { usageError } from "./failure.js"
import * as Issued from "./issued.js"
import { out, outJson, outLines } from "./output.js"
import { describe, jsonOption, saveOption, saveTarget, withToken } from "./plex.js"
import { table } from "./table.js"

const nameOf = (user: PlexHomeUser) => user.title ?? user.username ?? user.friendlyName ?? user.uuid

const memberJson = (user: PlexHomeUser) => ({
  id: user.id,
  uuid: user.uuid,
  title: user.title ?? null,
  username: user.username ?? null,
  admin: user.admin ?? null,
  guest: user.guest ?? null,
  restricted: user.restricted ?? null,
  protected: user.hasPin
})

const list = Command.make("home", { json: jsonOption }, ({ json }) =>
  withToken((current) =>
    Effect.gen(function*() {
      const { token } = yield* refreshed(current)
      const users = yield* (yield* PlexHome).users(token)
      if (json) return yield* outJson(users.map(memberJson))
      yield* outLines(table(
        ["NAME", "UUID", "ADMIN", "RESTRICTED", "PIN"],
        users.map((user) => [
          nameOf(user),
          user.uuid,
          user.admin === true ? "yes" : "no",
          user.restricted === true ? "yes" : "no",
          user.hasPin ? "yes" : "no"
        ])
      ))
    })
  ))

/** The member `wanted` names: its uuid or id exactly, else its title or username (ignoring case). */
const find = (users: ReadonlyArray<PlexHomeUser>, wanted: string) => {
  const exact = users.find((user) => user.uuid === wanted || String(user.id) === wanted)
  if (exact !== undefined) return Option.some(exact)
  const lower = wanted.toLowerCase()
  const named = users.filter((user) => [user.title, user.username].some((name) => name?.toLowerCase() === lower))
  return named.length === 1 ? Option.some(named[0]!) : Option.none()
}

const switchUser = Command.make(
  "switch",
  { user: Args.text({ name: "user" }).pipe(Args.withDescription("the member's name, uuid or id")), save: saveOption },
  ({ save, user: wanted }) =>
    withToken((current) =>
      Effect.scoped(Effect.gen(function*() {
        const saveTo = yield* saveTarget(save)
        const home = yield* PlexHome
        const { token } = yield* refreshed(current)
        const users = yield* home.users(token)
        const target = yield* Option.match(find(users, wanted), {
          onNone: () =>
            Effect.fail(
              usageError(`no single member of this Home is called ${JSON.stringify(wanted)}: see plex-auth home`)
            ),
          onSome: Effect.succeed
        })
        const pin = target.hasPin ? Option.some(yield* homePin) : Option.none()
        const destinations = yield* Issued.prepare(saveTo)
        const options = Option.match(pin, { onNone: () => ({}), onSome: (p) => ({ pin: p }) })
        const account = yield* home.switchTo(token, target, options)
        yield* Issued.keepIssued(
          account.authToken,
          Effect.zipRight(
            out(`switched to ${nameOf(target)}: ${describe(account)}`),
            Issued.keep(
              destinations,
              CredentialStore.StoredCredential.make({
                kind: "token",
                token: account.authToken,
                account: Issued.accountOf(account)
              })
            )
          )
        )
      }))
    )
).pipe(
  Command.withDescription(
    "become a member of the Home (its token replaces the stored credential); a protected member's Home PIN " +
      "comes from PLEX_HOME_PIN or is asked for"
  )
)

/** `plex-auth home [--json]` and `plex-auth home switch <user> [--save FILE]`. */
export const home = list.pipe(
  Command.withDescription("the members of your Plex Home"),
  Command.withSubcommands([switchUser])
)
