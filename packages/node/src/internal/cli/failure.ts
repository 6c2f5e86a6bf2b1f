/**
 * How `plex-auth` ends when something fails: one line for the user and an exit code per kind of
 * failure (see `../cli.ts`). Never a stack trace, never a value from a secret.
 */
import * as Cause from "effect/Cause"
import type * as ConfigError from "effect/ConfigError"
import * as Data from "effect/Data"
import * as Option from "effect/Option"
import { PlexError } from "@effect-plex/core"
import { CredentialStoreError } from "../../CredentialStore.js"
import { ExitCode } from "../cli.js"
import * as SecureFile from "../secureFile.js"

/** A failure of this command line, with its exit code and a line for the user. */
export class CliError extends Data.TaggedError("CliError")<{ readonly code: number; readonly text: string }> {}

export const usageError = (text: string) => new CliError({ code: ExitCode.usage, text })

export const fileError = (error: SecureFile.SecureFileError) =>
  new CliError({ code: ExitCode.file, text: error.message })

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
        case "VerificationRequired": // 1029
          return {
            code: ExitCode.verification,
            hint: "this account uses two-factor authentication: set PLEX_VERIFICATION_CODE to the 6 digits " +
              "of your authenticator app, or run plex-auth login --password in a terminal to be asked for them"
          }
        case "InvalidVerificationCode": // 1028
          return {
            code: ExitCode.verification,
            hint: "the two-factor code (PLEX_VERIFICATION_CODE) is wrong or expired: use a fresh code"
          }
        case "Throttled": // 1031
          return {
            code: ExitCode.rateLimited,
            hint: "plex.tv blocks sign-ins from this address after too many failed attempts: wait before trying again"
          }
        case "InvalidCredentials":
          return { code: ExitCode.unauthorized, hint: "check PLEX_LOGIN and PLEX_PASSWORD" }
        case "InvalidToken":
          return {
            code: ExitCode.unauthorized,
            hint: "the token (PLEX_TOKEN or the stored one) is invalid, expired or signed out: run plex-auth login"
          }
        case "UnrecognizedAnswer":
          return {
            code: ExitCode.unavailable,
            hint: "the answer was not plex.tv's (a proxy or captive portal?): check PLEX_BASE_URL and the network"
          }
        default:
          return { code: ExitCode.unauthorized }
      }
    case "PlexPinExpiredError":
      return { code: ExitCode.unauthorized, hint: "the PIN was not linked in time: run plex-auth login again" }
    case "PlexRateLimitError":
      return { code: ExitCode.rateLimited, hint: "plex.tv asks to slow down (429): wait, then try again" }
    case "PlexHomePinRequiredError":
      return { code: ExitCode.unauthorized, hint: "give the user's Home PIN in PLEX_HOME_PIN, or type it when asked" }
    case "PlexJwtRejectedError":
      return {
        code: ExitCode.unauthorized,
        hint: "plex.tv no longer accepts this device key: run plex-auth login to link the device again"
      }
    case "PlexConnectError":
      return { code: ExitCode.unavailable, hint: "the server is offline or unreachable from here" }
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

/** The exit code and line for a failure. */
export const classify = (error: unknown): { readonly code: number; readonly text: string } => {
  if (error instanceof CliError) return error
  if (error instanceof SecureFile.SecureFileError) return fileError(error)
  if (error instanceof CredentialStoreError) return { code: ExitCode.file, text: error.message }
  if (PlexError.is(error)) {
    const { code, hint } = plexProblem(error)
    return { code, text: `${error._tag}: ${error.message}${hint === undefined ? "" : ` (${hint})`}` }
  }
  if (isConfigError(error)) return { code: ExitCode.usage, text: `configuration: ${configProblems(error).join("; ")}` }
  const name = typeof error === "object" && error !== null && "_tag" in error ? String(error._tag) : "unknown"
  return { code: ExitCode.unexpected, text: `unexpected failure (${name}): please report it` }
}

/** The line and exit code for how the program ended; a defect is named, never printed with its stack. */
export const conclude = (cause: Cause.Cause<unknown>): { readonly code: number; readonly text?: string } => {
  if (Cause.isInterruptedOnly(cause)) return { code: ExitCode.interrupted, text: "interrupted" }
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure)) return classify(failure.value)
  const defect = Option.getOrUndefined(Cause.dieOption(cause))
  const name = defect instanceof Error ? defect.name : typeof defect
  return { code: ExitCode.unexpected, text: `unexpected internal error (${name}): please report it` }
}
