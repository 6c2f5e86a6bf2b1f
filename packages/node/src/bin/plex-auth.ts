#!/usr/bin/env node
/**
 * `plex-auth`: get, check and drop plex.tv tokens from a shell, configured like `PlexNode.layer`
 * (`PLEX_BASE_URL`, `PLEX_PRODUCT`, …), built on `@effect/cli`: `plex-auth --help` lists the
 * commands (`login`, `whoami`, `token`, `ping`, `logout`, `resources`, `home`, `device`) and the
 * exit codes; `plex-auth <command> --help` a command's options; `--completions bash|zsh|fish`
 * prints a completion script.
 *
 * Every failure is one line on stderr (never a stack trace; text from plex.tv is stripped of
 * control characters and escape sequences before it reaches the terminal), and an exit code per
 * kind of failure (see `internal/cli.ts`).
 *
 * @since 0.1.0
 */
import { run } from "../internal/plexAuthCommands.js"

run(process.argv)
