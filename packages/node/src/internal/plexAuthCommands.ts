/**
 * The `plex-auth` command line on `@effect/cli`: the command tree, its help (with the exit codes),
 * and the run that ends every failure as one line on stderr and an exit code per kind.
 */
import * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Span from "@effect/cli/HelpDoc/Span"
import * as ValidationError from "@effect/cli/ValidationError"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fs from "node:fs"
import { ExitCode, exitCodeLines } from "./cli.js"
import { logout, ping, token, whoami } from "./cli/account.js"
import { device } from "./cli/device.js"
import { interactive } from "./cli/environment.js"
import { conclude, usageError } from "./cli/failure.js"
import { home } from "./cli/home.js"
import { login } from "./cli/login.js"
import { cliConsole } from "./cli/output.js"
import { resources } from "./cli/resources.js"
import { printable, withoutEscapes } from "./terminal.js"

/** The version in this package's package.json (two levels above `internal/`'s files, in `src` and `dist` alike). */
const version = (): string => {
  try {
    const pkg: unknown = JSON.parse(Fs.readFileSync(new URL("../../package.json", import.meta.url), "utf8"))
    const value = (pkg as { readonly version?: unknown }).version
    return typeof value === "string" ? value : "unknown"
  } catch {
    return "unknown"
  }
}

const seeHelp = "see plex-auth --help"

const root = Command.make("plex-auth", {}, () => Effect.fail(usageError(`no command given (${seeHelp})`))).pipe(
  Command.withDescription(
    "Get, check and drop plex.tv tokens, configured like PlexNode.layer (PLEX_BASE_URL, PLEX_PRODUCT, " +
      "PLEX_CLIENT_IDENTIFIER, PLEX_TIMEOUT, …). The token of login is kept in credential.json of the " +
      "configuration directory ($XDG_CONFIG_HOME/effect-plex, mode 0600); PLEX_TOKEN, when set, is used instead."
  ),
  Command.withSubcommands([login, whoami, token, ping, logout, resources, home, device])
)

const footer = HelpDoc.blocks([
  HelpDoc.h1("EXIT CODES"),
  HelpDoc.p(
    "Every failure is one line on stderr (never a stack trace; text from plex.tv is stripped of control " +
      "characters and escape sequences), and an exit code per kind of failure:"
  ),
  HelpDoc.p(exitCodeLines.map(([code, meaning]) => `${String(code).padStart(3)}  ${meaning}`).join("\n"))
])

const cli = Command.run(root, {
  name: "plex-auth",
  version: version(),
  executable: "plex-auth",
  summary: Span.text("plex.tv sign-in from a shell"),
  footer
})

/** A usage error of `@effect/cli` as one line. */
const usageLine = (error: ValidationError.ValidationError, printed: ReadonlyArray<string>): string => {
  const text = withoutEscapes(printed.length > 0 ? printed.join(" ") : HelpDoc.toAnsiText(error.error))
  const line = text.replace(/\s+/g, " ").trim()
  return `${line === "" ? "invalid command line" : line} (${seeHelp})`
}

/** Runs the command line `argv` (as `process.argv`) to its end: exit code set, one line on stderr for a failure. */
export const run = (argv: ReadonlyArray<string>): void => {
  const { console, errors } = cliConsole()
  // the wizard asks its questions on a terminal: without one it would wait for ever
  const wizardWithoutTerminal = argv.slice(2).includes("--wizard") && !interactive()
  const main: Effect.Effect<number> = (wizardWithoutTerminal
    ? Effect.fail(usageError(`--wizard needs a terminal (${seeHelp})`))
    : cli(argv)).pipe(
      // Ctrl-C: the fiber is interrupted, so whatever waited (a PIN's polling) stops sending
      Effect.onInterrupt(() => Effect.sync(() => process.stderr.write("plex-auth: interrupted\n"))),
      Effect.withConsole(console),
      Effect.provide(NodeContext.layer),
      Effect.exit,
      Effect.map((exit): { readonly code: number; readonly text?: string } => {
        if (Exit.isSuccess(exit)) return { code: ExitCode.ok }
        const failure = Cause.failureOption(exit.cause)
        if (failure._tag === "Some") {
          const error = failure.value
          if (ValidationError.isValidationError(error)) return { code: ExitCode.usage, text: usageLine(error, errors) }
          if (typeof error === "object" && error !== null && "_tag" in error && error._tag === "QuitException") {
            return { code: ExitCode.interrupted, text: "cancelled" }
          }
        }
        return conclude(exit.cause)
      }),
      Effect.flatMap(({ code, text }) =>
        Effect.as(
          text === undefined ? Effect.void : Effect.sync(() => process.stderr.write(`plex-auth: ${printable(text)}\n`)),
          code
        )
      )
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
            ? ExitCode.ok // the code is in process.exitCode: process.exit() now would cut a piped stdout short
            : Cause.isInterruptedOnly(exit.cause)
            ? ExitCode.interrupted
            : ExitCode.unexpected
        )
    }
  )
}
