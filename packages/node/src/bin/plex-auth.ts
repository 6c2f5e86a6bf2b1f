#!/usr/bin/env node
/**
 * `plex-auth`: get, check and drop plex.tv tokens from a shell, configured like `PlexNode.layer`
 * (`PLEX_BASE_URL`, `PLEX_PRODUCT`, …). Tokens are never printed: `--save FILE` writes one to a
 * file of mode 0600.
 *
 *   plex-auth signin [--save FILE]     PLEX_LOGIN, PLEX_PASSWORD (and PLEX_VERIFICATION_CODE)
 *   plex-auth pin [--short] [--save FILE]
 *                                      link with a PIN: prints the app URL to open (with --short,
 *                                      the 4-character code to enter at https://plex.tv/link),
 *                                      waits; the token is a Plex JWT, the device key kept in the
 *                                      config directory
 *   plex-auth whoami                   the account behind PLEX_TOKEN
 *   plex-auth ping                     keeps PLEX_TOKEN alive
 *   plex-auth signout                  invalidates PLEX_TOKEN
 *   plex-auth --help | --version
 *
 * Every failure is one line on stderr (never a stack trace; text from plex.tv is stripped of
 * control characters and escape sequences before it reaches the terminal), and an exit code per
 * kind of failure:
 *
 *   0  done
 *   1  unexpected failure (a bug: please report it)
 *   2  usage: unknown command or option, a missing or invalid variable or argument
 *   3  not signed in: wrong login or password, invalid or revoked token, expired PIN
 *   4  two-factor code needed, malformed or wrong (PLEX_VERIFICATION_CODE)
 *   5  rate limited or throttled by plex.tv: wait, then try again
 *   6  plex.tv unreachable, too slow, or answering unexpectedly
 *   7  a local file cannot be used: the --save target, the stored client identifier or device key
 *
 * `--save FILE` is checked before anything is sent: its directory must exist, and FILE must be
 * absent or a regular file of the user's own (a symbolic link is refused). The token goes into a
 * temporary file of random name next to FILE, created exclusively with mode 0600, then renamed
 * over FILE. When plex.tv has issued a token that cannot be saved after all, the token is signed
 * out again, and the message says so.
 *
 * @since 0.1.0
 */
import * as Fs from "node:fs"
import { parseArgs } from "node:util"
import { type CommandName, ExitCode, isCommand, issuesToken } from "../internal/cli.js"
import { printable } from "../internal/terminal.js"

const usage = `Usage: plex-auth <signin|pin|whoami|ping|signout> [--save FILE]
       plex-auth pin --short [--save FILE]
       plex-auth --help | --version

  signin    sign in with PLEX_LOGIN and PLEX_PASSWORD (PLEX_VERIFICATION_CODE for two-factor accounts)
  pin       link with a PIN: open the printed URL in a browser and approve the app;
            gets a Plex JWT for a device key kept next to the client identifier (device-key.json)
  whoami    the account behind PLEX_TOKEN
  ping      keep PLEX_TOKEN alive
  signout   invalidate PLEX_TOKEN

  --short       with pin: a 4-character code to enter at https://plex.tv/link (for a TV or a
                machine without a browser) instead of the URL
  --save FILE   write the token obtained by signin or pin to FILE (mode 0600); it is never printed.
                Checked before anything is sent: the directory must exist, FILE must not be a link.
  --help        this text
  --version     the version of plex-auth

Configuration as PlexNode.layer: PLEX_BASE_URL, PLEX_PRODUCT, PLEX_CLIENT_IDENTIFIER, PLEX_TIMEOUT, …

Exit codes:
  0  done
  1  unexpected failure (a bug: please report it)
  2  usage: unknown command or option, a missing or invalid variable or argument
  3  not signed in: wrong login or password, invalid or revoked token, expired PIN
  4  two-factor code needed, malformed or wrong (PLEX_VERIFICATION_CODE)
  5  rate limited or throttled by plex.tv: wait, then try again
  6  plex.tv unreachable, too slow, or answering unexpectedly
  7  a local file cannot be used: the --save target, the stored client identifier or device key`

type Invocation =
  | { readonly _tag: "Help" }
  | { readonly _tag: "Version" }
  | { readonly _tag: "Usage"; readonly problem: string }
  | {
    readonly _tag: "Run"
    readonly command: CommandName
    readonly save: string | undefined
    readonly short: boolean
  }

const seeHelp = "see plex-auth --help"

/** A Node `parseArgs` error as one line: the option it names, never a stack. */
const argumentProblem = (error: unknown): string => {
  const code = (error as { readonly code?: unknown }).code
  const message = error instanceof Error ? error.message.split("\n")[0]! : String(error)
  const option = /'([^']*)'/.exec(message)?.[1]
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown option ${JSON.stringify(option ?? message)}`
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return option === undefined ? "an option is missing its value" : `option ${option.split(" ")[0]} needs a value`
    default:
      return message
  }
}

const parse = (args: ReadonlyArray<string>): Invocation => {
  const usageProblem = (problem: string): Invocation => ({ _tag: "Usage", problem: `${problem} (${seeHelp})` })
  let parsed
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: {
        save: { type: "string" },
        short: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
        version: { type: "boolean", default: false }
      }
    })
  } catch (error) {
    return usageProblem(argumentProblem(error))
  }
  const { positionals, values } = parsed
  if (values.help) return { _tag: "Help" }
  if (values.version) return { _tag: "Version" }
  const [command, ...extra] = positionals
  if (command === undefined) return usageProblem("no command given")
  if (!isCommand(command)) return usageProblem(`unknown command ${JSON.stringify(command)}`)
  if (extra.length > 0) return usageProblem(`unexpected argument ${JSON.stringify(extra[0])}`)
  if (values.save !== undefined && !issuesToken(command)) return usageProblem("--save applies only to signin and pin")
  if (values.save === "") return usageProblem("--save needs a file name")
  if (values.short && command !== "pin") return usageProblem("--short applies only to pin")
  return { _tag: "Run", command, save: values.save, short: values.short }
}

/** The version in this package's package.json (one level above `bin/`, in `src` and `dist` alike). */
const version = (): string => {
  try {
    const pkg: unknown = JSON.parse(Fs.readFileSync(new URL("../../package.json", import.meta.url), "utf8"))
    const value = (pkg as { readonly version?: unknown }).version
    return typeof value === "string" ? value : "unknown"
  } catch {
    return "unknown"
  }
}

const fail = (code: number, text: string) => {
  console.error(`plex-auth: ${printable(text)}`)
  process.exitCode = code // not process.exit(): stdout and stderr drain first
}

const invocation = parse(process.argv.slice(2))
switch (invocation._tag) {
  case "Help":
    console.log(usage)
    break
  case "Version":
    console.log(version())
    break
  case "Usage":
    fail(ExitCode.usage, invocation.problem)
    break
  case "Run":
    // Effect and the core only load for a command that runs
    import("../internal/plexAuthCommands.js").then(
      (commands) => commands.run(invocation.command, invocation.save, { short: invocation.short }),
      (error: unknown) => {
        const name = error instanceof Error ? error.name : typeof error
        fail(ExitCode.unexpected, `could not load (${name}): please report it`)
      }
    )
}
