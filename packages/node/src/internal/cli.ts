/**
 * What every part of `plex-auth` shares: the exit codes, one per kind of failure, and their
 * description for `--help`.
 */

/** One exit code per kind of failure, as listed in `plex-auth --help`. */
export const ExitCode = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  unauthorized: 3,
  verification: 4,
  rateLimited: 5,
  unavailable: 6,
  file: 7,
  interrupted: 130
} as const

/** The exit codes as `--help` lists them, one line each. */
export const exitCodeLines: ReadonlyArray<readonly [code: number, meaning: string]> = [
  [ExitCode.ok, "done"],
  [ExitCode.unexpected, "unexpected failure (a bug: please report it)"],
  [ExitCode.usage, "usage: unknown command or option, a missing or invalid variable or argument"],
  [ExitCode.unauthorized, "not signed in: wrong login or password, invalid or revoked token, expired PIN"],
  [ExitCode.verification, "two-factor code needed, malformed or wrong (PLEX_VERIFICATION_CODE)"],
  [ExitCode.rateLimited, "rate limited or throttled by plex.tv: wait, then try again"],
  [ExitCode.unavailable, "plex.tv unreachable, too slow, or answering unexpectedly"],
  [ExitCode.file, "a local file cannot be used: --save, the stored credential, client identifier or device key"],
  [ExitCode.interrupted, "interrupted (Ctrl-C): nothing more is sent to plex.tv"]
]
