/**
 * What the `plex-auth` entry point and its commands share, without loading anything heavy: the
 * entry answers `--help`, `--version` and usage errors before Effect and the core are imported.
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

export const commandNames = ["signin", "pin", "whoami", "ping", "signout"] as const

export type CommandName = typeof commandNames[number]

export const isCommand = (name: string): name is CommandName =>
  (commandNames as ReadonlyArray<string>).includes(name)

/** Which commands take `--save`. */
export const issuesToken = (command: CommandName): boolean => command === "signin" || command === "pin"
