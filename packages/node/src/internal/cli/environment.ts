/**
 * What `plex-auth` reads from the environment, the credential store and, in a terminal, the user:
 * every missing or invalid variable is named, never its value; secrets are asked for with a
 * hidden prompt and stay `Redacted`.
 */
import * as Prompt from "@effect/cli/Prompt"
import type * as Terminal from "@effect/platform/Terminal"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { KeyStore, PasswordCredentials, PlexJwtAuth } from "@effect-plex/core"
import { ExitCode } from "../cli.js"
import * as CredentialStore from "./credentialStore.js"
import { CliError, usageError } from "./failure.js"

/** Prompts only when both ends of the conversation are a terminal. */
export const interactive = (): boolean => process.stdin.isTTY === true && process.stdout.isTTY === true

/** A variable, `None` when unset or empty. */
export const variable = (name: string) =>
  Effect.map(Config.option(Config.string(name)), Option.filter((value) => value.length > 0))

/** A secret variable, `None` when unset or empty. */
export const secretVariable = (name: string) =>
  Effect.map(Config.option(Config.redacted(name)), Option.filter((value) => Redacted.value(value).length > 0))

const required = <A>(name: string, what: string) => (value: Option.Option<A>) =>
  Option.match(value, {
    onNone: () => Effect.fail(usageError(`${name} is not set (or empty): set it to ${what}`)),
    onSome: Effect.succeed
  })

const nonEmpty = (what: string) => (value: string) =>
  value.trim().length > 0 ? Effect.succeed(value) : Effect.fail(`${what} must not be empty`)

/** A value from `name`, else asked for in a terminal, else a usage error naming `name`. */
const fromVariableOrPrompt = <A, E>(
  read: Effect.Effect<Option.Option<A>, E>,
  name: string,
  what: string,
  prompt: Effect.Effect<A, Terminal.QuitException, Terminal.Terminal>
): Effect.Effect<A, E | CliError | Terminal.QuitException, Terminal.Terminal> =>
  Effect.flatMap(
    read,
    (value): Effect.Effect<A, CliError | Terminal.QuitException, Terminal.Terminal> =>
      Option.isNone(value) && interactive() ? prompt : required<A>(name, what)(value)
  )

/**
 * The password sign-in's credentials: `PLEX_LOGIN`, `PLEX_PASSWORD` (and `PLEX_VERIFICATION_CODE`),
 * or, in a terminal, asked for (the password hidden). Checked before anything is sent.
 */
export const passwordCredentials = Effect.gen(function*() {
  const login = yield* fromVariableOrPrompt(
    variable("PLEX_LOGIN"),
    "PLEX_LOGIN",
    "the username or e-mail",
    Prompt.text({ message: "Plex username or e-mail", validate: nonEmpty("the login") })
  )
  const password = yield* fromVariableOrPrompt(
    secretVariable("PLEX_PASSWORD"),
    "PLEX_PASSWORD",
    "the password",
    Prompt.password({ message: "Password", validate: nonEmpty("the password") })
  )
  const code = yield* variable("PLEX_VERIFICATION_CODE")
  return yield* credentialsOf(login, password, code)
})

/** `PasswordCredentials.decode` keeps no refused value: its error names the field, never the value. */
export const credentialsOf = (
  login: string,
  password: Redacted.Redacted<string>,
  code: Option.Option<string>
) =>
  PasswordCredentials.decode({
    login,
    password,
    ...Option.match(code, { onNone: () => ({}), onSome: (verificationCode) => ({ verificationCode }) })
  }).pipe(
    Effect.mapError((error) => {
      switch (error.argument) {
        case "verificationCode":
          return new CliError({
            code: ExitCode.verification,
            text: "PLEX_VERIFICATION_CODE must be the 6 digits of your authenticator app (nothing was sent)"
          })
        case "password":
          return usageError(`PLEX_PASSWORD: ${error.argument} ${error.reason} (nothing was sent)`)
        default:
          return usageError(`PLEX_LOGIN: ${error.argument} ${error.reason} (nothing was sent)`)
      }
    })
  )

/** The two-factor code, asked for (hidden) when plex.tv wants one (1029) or refused the last (1028). */
export const verificationCodePrompt = (message: string) =>
  Effect.map(
    Prompt.password({
      message,
      validate: (value) =>
        /^\d{6}$/.test(value.trim()) ? Effect.succeed(value.trim()) : Effect.fail("the code is 6 digits")
    }),
    (code) => Redacted.value(code).trim()
  )

/** A Home user's PIN: `PLEX_HOME_PIN`, else asked for (hidden) in a terminal. */
export const homePin = fromVariableOrPrompt(
  secretVariable("PLEX_HOME_PIN"),
  "PLEX_HOME_PIN",
  "the user's Home PIN",
  Prompt.password({
    message: "Home PIN",
    validate: (value) => /^\d{4}$/.test(value) ? Effect.succeed(value) : Effect.fail("a Home PIN is 4 digits")
  })
)

/** The token a command works with, and where it came from. */
export interface CurrentToken {
  readonly token: Redacted.Redacted<string>
  /** The stored credential, when the token is the stored one (not `PLEX_TOKEN`). */
  readonly stored: Option.Option<CredentialStore.StoredCredential>
}

const notSignedIn = usageError(
  "not signed in: no stored credential, and PLEX_TOKEN is not set (or empty): run plex-auth login, " +
    "or set PLEX_TOKEN to a plex.tv token"
)

/** `PLEX_TOKEN` when set, else the stored credential. */
export const currentToken = Effect.gen(function*() {
  const fromEnv = yield* secretVariable("PLEX_TOKEN")
  if (Option.isSome(fromEnv)) return { token: fromEnv.value, stored: Option.none() } satisfies CurrentToken
  const stored = yield* CredentialStore.load
  if (Option.isNone(stored)) return yield* Effect.fail(notSignedIn)
  return { token: stored.value.token, stored } satisfies CurrentToken
})

/** A minute of margin: a Plex JWT that expires sooner is refreshed before use. */
const MARGIN_MS = 60_000

/**
 * `current`, with a stored Plex JWT that has expired (or is about to) exchanged for a fresh one
 * with the device key (plex.tv refreshes while the key is registered), and kept.
 */
export const refreshed = (current: CurrentToken) =>
  Effect.gen(function*() {
    if (Option.isNone(current.stored)) return current
    const credential = current.stored.value
    if (credential.kind !== "jwt" || (credential.expiresAt ?? Infinity) > Date.now() + MARGIN_MS) return current
    const key = yield* Effect.flatMap(KeyStore, (store) => store.load)
    if (Option.isNone(key)) return current // nothing to refresh with: plex.tv will say the token expired
    const token = yield* Effect.flatMap(PlexJwtAuth, (jwt) => jwt.exchange(key.value))
    const fresh = CredentialStore.StoredCredential.make({
      ...credential,
      token: token.token,
      expiresAt: token.expiresAt
    })
    yield* CredentialStore.save(fresh)
    return { token: fresh.token, stored: Option.some(fresh) } satisfies CurrentToken
  })
