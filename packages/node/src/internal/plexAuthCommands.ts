/**
 * The commands of `plex-auth` (see `bin/plex-auth.ts` for the exit codes), run by the entry point
 * once the arguments are known to be valid.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Console from "effect/Console"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import {
  type KeyStore,
  PasswordCredentials,
  PlexAuth,
  PlexConfig,
  PlexError,
  PlexJwtAuth,
  PlexPinAuth,
  type PlexUser
} from "@effect-plex/core"
import { FileKeyStore } from "../FileKeyStore.js"
import { PlexNode } from "../PlexNode.js"
import { type CommandName, ExitCode } from "./cli.js"
import * as StoredIdentifier from "./clientIdentifier.js"
import * as SecureFile from "./secureFile.js"
import { printable } from "./terminal.js"

/** A failure of this command line, with its exit code and a line for the user. */
class CliError extends Data.TaggedError("CliError")<{ readonly code: number; readonly text: string }> {}

const usageError = (text: string) => new CliError({ code: ExitCode.usage, text })

// ---------------------------------------------------------------------------------------------
// the environment: every missing or invalid variable is named, never its value

const variable = (name: string) =>
  Effect.map(Config.option(Config.string(name)), Option.filter((value) => value.length > 0))

const secretVariable = (name: string) =>
  Effect.map(Config.option(Config.redacted(name)), Option.filter((value) => Redacted.value(value).length > 0))

const required = <A>(name: string, what: string) => (value: Option.Option<A>) =>
  Option.match(value, {
    onNone: () => Effect.fail(usageError(`${name} is not set (or empty): set it to ${what}`)),
    onSome: Effect.succeed
  })

const token = Effect.flatMap(secretVariable("PLEX_TOKEN"), required("PLEX_TOKEN", "a plex.tv token"))

const credentials = Effect.gen(function*() {
  const login = yield* Effect.flatMap(variable("PLEX_LOGIN"), required("PLEX_LOGIN", "the username or e-mail"))
  const password = yield* Effect.flatMap(secretVariable("PLEX_PASSWORD"), required("PLEX_PASSWORD", "the password"))
  const code = yield* variable("PLEX_VERIFICATION_CODE")
  // PasswordCredentials.decode keeps no refused value: its error names the field, never the value
  return yield* PasswordCredentials.decode({
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
})

// ---------------------------------------------------------------------------------------------
// output: every line goes through `printable`

const out = (text: string) => Console.log(printable(text))

const describe = (user: PlexUser) =>
  `${user.username ?? "(no username)"} <${user.email ?? "no e-mail"}>, account ${user.id}` +
  (user.subscription?.active === true ? ", Plex Pass" : "")

// ---------------------------------------------------------------------------------------------
// --save

const fileError = (error: SecureFile.SecureFileError) => new CliError({ code: ExitCode.file, text: error.message })

/** The `--save` target, checked and with its temporary file created, before anything is sent. */
const prepareSave = (file: string | undefined) =>
  file === undefined
    ? Effect.succeedNone
    : SecureFile.prepare(file, { createDirectory: false, strictTarget: true }).pipe(
      Effect.mapBoth({ onFailure: fileError, onSuccess: Option.some })
    )

/**
 * Runs `use` (printing, saving) for a token plex.tv has just issued. Should it fail or be
 * interrupted, the token is signed out again: nobody could ever use it, and it would stay on the
 * account as a device.
 */
const keepIssued = <E, R>(
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
                : `${text}; the new token was not kept, and signing it out failed too (${
                  signedOut.left._tag
                }): remove this device from your plex.tv account's Authorized Devices`
            })
          )
        })
      )
    )
  })

const save = (pending: Option.Option<SecureFile.PendingFile>, issued: Redacted.Redacted<string>) =>
  Option.match(pending, {
    onNone: () => Effect.void,
    onSome: (file) =>
      file.replace(`${Redacted.value(issued)}\n`).pipe(
        Effect.mapError((error) =>
          new CliError({ code: ExitCode.file, text: `could not save the token: ${error.message}` })
        ),
        Effect.zipRight(out(`token saved to ${file.path}`))
      )
  })

// ---------------------------------------------------------------------------------------------
// commands

/** Options of a command line beyond `--save`. */
export interface CommandOptions {
  /** `pin --short`: a 4-character code for https://plex.tv/link instead of the app URL. */
  readonly short?: boolean | undefined
}

/** Where a short (4-character) PIN code is entered; a strong one is only accepted through the app URL. */
const linkPage = "https://plex.tv/link"

const commands: {
  readonly [Name in CommandName]: (
    save: string | undefined,
    options: CommandOptions
  ) => Effect.Effect<void, unknown, PlexAuth | PlexPinAuth | PlexJwtAuth | KeyStore>
} = {
  signin: (saveTo) =>
    Effect.scoped(Effect.gen(function*() {
      const signInWith = yield* credentials
      const pending = yield* prepareSave(saveTo)
      const user = yield* (yield* PlexAuth).signIn(signInWith)
      yield* keepIssued(
        user.authToken,
        Effect.zipRight(out(`signed in: ${describe(user)}`), save(pending, user.authToken))
      )
    })),
  // PIN + JWT, Plex's login for new apps: a device key (kept by FileKeyStore in the config
  // directory once linked) and a Plex JWT; no classic token is issued
  pin: (saveTo, { short }) =>
    Effect.scoped(Effect.gen(function*() {
      const pending = yield* prepareSave(saveTo)
      const link = yield* (yield* PlexJwtAuth).linkDeviceWithPin({ strong: short !== true })
      const pin = link.pin
      // plex.tv/link takes only the 4-character code of a short PIN; a strong one goes through the app URL
      yield* out(short === true ? `PIN ${pin.code}: enter it at ${linkPage}` : `PIN ${pin.code}: open ${link.authAppUrl}`)
      const linked = (yield* link.token).token
      yield* keepIssued(
        linked,
        Effect.gen(function*() {
          const user = yield* (yield* PlexAuth).getTokenDetails(linked)
          yield* out(`linked: ${describe(user)}`)
          yield* save(pending, linked)
        })
      )
    })),
  whoami: () =>
    Effect.gen(function*() {
      yield* out(describe(yield* (yield* PlexAuth).getTokenDetails(yield* token)))
    }),
  ping: () =>
    Effect.gen(function*() {
      yield* (yield* PlexAuth).ping(yield* token)
      yield* out("alive")
    }),
  signout: () =>
    Effect.gen(function*() {
      yield* (yield* PlexAuth).signOut(yield* token)
      yield* out("signed out")
    })
}

// ---------------------------------------------------------------------------------------------
// failures: one line and an exit code each

const isConfigError = (u: unknown): u is ConfigError.ConfigError =>
  typeof u === "object" && u !== null && "_op" in u && typeof (u as { _op: unknown })._op === "string" &&
  ["And", "Or", "InvalidData", "MissingData", "SourceUnavailable", "Unsupported"].includes((u as { _op: string })._op)

/** A ConfigError as the variables it names: never `String(error)`, which may print `<redacted>` for the name. */
const configProblems = (error: ConfigError.ConfigError): ReadonlyArray<string> => {
  switch (error._op) {
    case "And":
    case "Or":
      return [...new Set([...configProblems(error.left), ...configProblems(error.right)])]
    case "MissingData":
      return [`${error.path.join(".") || "a variable"} is not set`]
    case "InvalidData":
      return [`invalid ${error.path.join(".") || "configuration"}: ${error.message}`]
    case "SourceUnavailable":
    case "Unsupported":
      return [error.message]
  }
}

const plexProblem = (error: PlexError): { readonly code: number; readonly hint?: string } => {
  switch (error._tag) {
    case "PlexUnauthorizedError":
      switch (error.reason) {
        case "VerificationRequired":
          return {
            code: ExitCode.verification,
            hint: "set PLEX_VERIFICATION_CODE to the 6 digits of your authenticator app"
          }
        case "InvalidVerificationCode":
          return { code: ExitCode.verification, hint: "PLEX_VERIFICATION_CODE is wrong or expired: use a fresh code" }
        case "Throttled":
          return { code: ExitCode.rateLimited, hint: "too many attempts: wait before trying again" }
        case "InvalidCredentials":
          return { code: ExitCode.unauthorized, hint: "check PLEX_LOGIN and PLEX_PASSWORD" }
        case "InvalidToken":
          return { code: ExitCode.unauthorized, hint: "PLEX_TOKEN is invalid, expired or signed out" }
        case "UnrecognizedAnswer":
          return {
            code: ExitCode.unavailable,
            hint: "the answer was not plex.tv's (a proxy or captive portal?): check PLEX_BASE_URL and the network"
          }
        default:
          return { code: ExitCode.unauthorized }
      }
    case "PlexPinExpiredError":
      return { code: ExitCode.unauthorized, hint: "the PIN was not linked in time: run plex-auth pin again" }
    case "PlexRateLimitError":
      return { code: ExitCode.rateLimited }
    case "PlexInvalidInputError":
      return { code: ExitCode.usage }
    case "PlexKeyStoreError":
      return { code: ExitCode.file }
    case "PlexTransportError":
    case "PlexTimeoutError":
    case "PlexHttpError":
    case "PlexDecodeError":
    case "PlexBadRequestError":
      return { code: ExitCode.unavailable, hint: "check PLEX_BASE_URL and the network, or try again later" }
    default:
      return { code: ExitCode.unexpected }
  }
}

const classify = (error: unknown): { readonly code: number; readonly text: string } => {
  if (error instanceof CliError) return error
  if (error instanceof SecureFile.SecureFileError) return fileError(error)
  if (PlexError.is(error)) {
    const { code, hint } = plexProblem(error)
    return { code, text: `${error._tag}: ${error.message}${hint === undefined ? "" : ` (${hint})`}` }
  }
  if (isConfigError(error)) return { code: ExitCode.usage, text: `configuration: ${configProblems(error).join("; ")}` }
  const name = typeof error === "object" && error !== null && "_tag" in error ? String(error._tag) : "unknown"
  return { code: ExitCode.unexpected, text: `unexpected failure (${name}): please report it` }
}

/** The line and exit code for how the program ended; a defect is named, never printed with its stack. */
const conclude = (cause: Cause.Cause<unknown>): { readonly code: number; readonly text?: string } => {
  if (Cause.isInterruptedOnly(cause)) return { code: ExitCode.interrupted }
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure)) return classify(failure.value)
  const defect = Option.getOrUndefined(Cause.dieOption(cause))
  const name = defect instanceof Error ? defect.name : typeof defect
  return { code: ExitCode.unexpected, text: `unexpected internal error (${name}): please report it` }
}

// ---------------------------------------------------------------------------------------------
// main

/**
 * `PlexAuth` and `PlexPinAuth` as `PlexNode.layer` makes them, but a stored identifier's file
 * problem stays a file problem (exit code 7), not a configuration error.
 */
const PlexLive = Layer.mergeAll(PlexAuth.layer, PlexPinAuth.layer, PlexJwtAuth.layer).pipe(
  Layer.provide(PlexConfig.layerConfigWith(StoredIdentifier.resolve)),
  Layer.provide(PlexNode.layerHttpClient),
  Layer.merge(FileKeyStore.layer())
)

/** Runs a command to its end: exit code set, one line on stderr for a failure. */
export const run = (command: CommandName, save: string | undefined, options: CommandOptions = {}): void => {
  const main: Effect.Effect<number> = commands[command](save, options).pipe(
    Effect.provide(PlexLive),
    Effect.exit,
    Effect.flatMap((exit) => {
      if (Exit.isSuccess(exit)) return Effect.succeed<number>(ExitCode.ok)
      const { code, text } = conclude(exit.cause)
      return text === undefined ? Effect.succeed(code) : Effect.as(Console.error(`plex-auth: ${printable(text)}`), code)
    })
  )
  NodeRuntime.runMain(
    Effect.flatMap(main, (code) =>
      Effect.sync(() => {
        process.exitCode = code // set, not process.exit(): stdout and stderr drain first
      })),
    {
      disableErrorReporting: true,
      teardown: (exit, onExit) =>
        onExit(
          Exit.isSuccess(exit)
            ? ExitCode.ok
            : Cause.isInterruptedOnly(exit.cause)
            ? ExitCode.interrupted
            : ExitCode.unexpected
        )
    }
  )
}
