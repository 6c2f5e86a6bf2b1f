#!/usr/bin/env node
/**
 * `plex-auth`: get, check and drop plex.tv tokens from a shell, configured like `PlexNode.layer`
 * (`PLEX_BASE_URL`, `PLEX_PRODUCT`, …). Tokens are never printed: `--save FILE` writes one to a
 * file of mode 0600.
 *
 *   plex-auth signin [--save FILE]     PLEX_LOGIN, PLEX_PASSWORD (and PLEX_VERIFICATION_CODE)
 *   plex-auth pin [--save FILE]        link with a PIN: prints the code and the URL, waits
 *   plex-auth whoami                   the account behind PLEX_TOKEN
 *   plex-auth ping                     keeps PLEX_TOKEN alive
 *   plex-auth signout                  invalidates PLEX_TOKEN
 *
 * @since 0.1.0
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Config from "effect/Config"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Fs from "node:fs"
import { parseArgs } from "node:util"
import {
  PasswordCredentials,
  PlexAuth,
  PlexError,
  PlexPinAuth,
  type PlexUser
} from "@effect-plex/core"
import { PlexNode } from "../PlexNode.js"

const usage = `Usage: plex-auth <signin|pin|whoami|ping|signout> [--save FILE]

  signin    sign in with PLEX_LOGIN and PLEX_PASSWORD (PLEX_VERIFICATION_CODE for two-factor accounts)
  pin       link with a PIN: open the printed URL (or enter the code at https://plex.tv/link)
  whoami    the account behind PLEX_TOKEN
  ping      keep PLEX_TOKEN alive
  signout   invalidate PLEX_TOKEN

  --save FILE   write the token obtained by signin or pin to FILE (mode 0600); it is never printed
Configuration as PlexNode.layer: PLEX_BASE_URL, PLEX_PRODUCT, PLEX_CLIENT_IDENTIFIER, PLEX_TIMEOUT, …`

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { save: { type: "string" }, help: { type: "boolean", short: "h", default: false } }
})

const command = positionals[0]
if (values.help || command === undefined) {
  console.log(usage)
  process.exit(values.help ? 0 : 2)
}

const describe = (user: PlexUser) =>
  `${user.username ?? "(no username)"} <${user.email ?? "no e-mail"}>, account ${user.id}` +
  (user.subscription?.active === true ? ", Plex Pass" : "")

/** Writes the token to a new file of mode 0600, replacing it atomically. */
const save = (token: Redacted.Redacted<string>) =>
  values.save === undefined ? Effect.void : Effect.sync(() => {
    const file = values.save!
    const temp = `${file}.${process.pid}.tmp`
    Fs.writeFileSync(temp, `${Redacted.value(token)}\n`, { mode: 0o600 })
    Fs.renameSync(temp, file)
  }).pipe(Effect.zipRight(Console.log(`token saved to ${values.save}`)))

const token = Config.redacted("PLEX_TOKEN")

const commands: Record<string, Effect.Effect<void, unknown, PlexAuth | PlexPinAuth>> = {
  signin: Effect.gen(function*() {
    const credentials = PasswordCredentials.make({
      login: yield* Config.string("PLEX_LOGIN"),
      password: yield* Config.redacted("PLEX_PASSWORD"),
      ...Option.match(yield* Config.option(Config.string("PLEX_VERIFICATION_CODE")), {
        onNone: () => ({}),
        onSome: (verificationCode) => ({ verificationCode })
      })
    })
    const user = yield* (yield* PlexAuth).signIn(credentials)
    yield* Console.log(`signed in: ${describe(user)}`)
    yield* save(user.authToken)
  }),
  pin: Effect.gen(function*() {
    const pins = yield* PlexPinAuth
    const pin = yield* pins.createPin()
    yield* Console.log(`PIN ${pin.code}: open ${pins.authAppUrl(pin)}`)
    const linked = yield* pins.waitForToken(pin)
    const user = yield* (yield* PlexAuth).getTokenDetails(linked)
    yield* Console.log(`linked: ${describe(user)}`)
    yield* save(linked)
  }),
  whoami: Effect.gen(function*() {
    yield* Console.log(describe(yield* (yield* PlexAuth).getTokenDetails(yield* token)))
  }),
  ping: Effect.gen(function*() {
    yield* (yield* PlexAuth).ping(yield* token)
    yield* Console.log("alive")
  }),
  signout: Effect.gen(function*() {
    yield* (yield* PlexAuth).signOut(yield* token)
    yield* Console.log("signed out")
  })
}

const run = commands[command]
if (run === undefined) {
  console.error(`unknown command ${JSON.stringify(command)}\n\n${usage}`)
  process.exit(2)
}

run.pipe(
  // a typed failure is a message (safe to print) and exit code 1, never a stack trace
  Effect.catchAll((error) =>
    Effect.zipRight(
      Console.error(PlexError.is(error) ? `${error._tag}: ${error.message}` : String(error)),
      Effect.sync(() => {
        process.exitCode = 1
      })
    )
  ),
  Effect.provide(PlexNode.layer),
  NodeRuntime.runMain
)
