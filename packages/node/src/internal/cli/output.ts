/**
 * Where `plex-auth` writes: stdout for results, stderr for the one line of a failure and for the
 * spinner. Text from plex.tv goes through `printable`; colour and escape sequences only reach a
 * terminal (never a pipe or a file, nor when `NO_COLOR` is set).
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { colourful, printable, withoutEscapes } from "../terminal.js"

/** A line of output on stdout, with any text from plex.tv in it made safe. */
export const out = (text: string) => Console.log(printable(text))

/** Lines of our own (a table, JSON), each made safe, the line breaks kept. */
export const outLines = (lines: ReadonlyArray<string>) => Console.log(lines.map(printable).join("\n"))

/** JSON on stdout (escapes in strings are JSON's own, so nothing can reach the terminal raw). */
export const outJson = (value: unknown) =>
  Console.log(
    JSON.stringify(value, null, 2).replace(/[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) =>
      `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
  )

/**
 * The console the `@effect/cli` machinery writes to: what it logs (help, version, completions)
 * loses its colour when stdout is not a terminal; what it reports as an error is kept in `errors`
 * instead of printed, so that a usage error ends as one line of ours.
 */
export const cliConsole = (): { readonly console: Console.Console; readonly errors: Array<string> } => {
  const errors: Array<string> = []
  const colour = colourful(process.stdout)
  const write = (args: ReadonlyArray<unknown>) => {
    const text = args.map(String).join(" ").replace(/\n+$/, "") // one line break at the end, as for the rest
    process.stdout.write(`${colour ? text : withoutEscapes(text)}\n`)
  }
  const keep = (args: ReadonlyArray<unknown>) => {
    errors.push(args.map(String).join(" "))
  }
  const unsafe: Console.UnsafeConsole = {
    ...globalThis.console,
    log: (...args) => write(args),
    info: (...args) => write(args),
    error: (...args) => keep(args),
    warn: (...args) => keep(args)
  }
  const console: Console.Console = {
    [Console.TypeId]: Console.TypeId,
    assert: () => Effect.void,
    clear: Effect.void,
    count: () => Effect.void,
    countReset: () => Effect.void,
    debug: () => Effect.void,
    dir: () => Effect.void,
    dirxml: () => Effect.void,
    error: (...args) => Effect.sync(() => keep(args)),
    group: () => Effect.void,
    groupEnd: Effect.void,
    info: (...args) => Effect.sync(() => write(args)),
    log: (...args) => Effect.sync(() => write(args)),
    table: () => Effect.void,
    time: () => Effect.void,
    timeEnd: () => Effect.void,
    timeLog: () => Effect.void,
    trace: () => Effect.void,
    warn: (...args) => Effect.sync(() => keep(args)),
    unsafe
  }
  return { console, errors }
}
