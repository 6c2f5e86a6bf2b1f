/**
 * What a terminal shows while a PIN waits to be linked: a QR code of the URL to open (on stdout,
 * only when it is a terminal) and a spinner (on stderr, only when it is a terminal). Piped output
 * gets neither: only the line with the code or the URL.
 */
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import { renderUnicodeCompact } from "uqr"
import { colourful } from "../terminal.js"

/** The QR code of `url`, for a terminal (half-height blocks, two rows per line). */
export const qrCode = (url: string): Effect.Effect<void> =>
  process.stdout.isTTY === true
    ? Effect.sync(() => process.stdout.write(`${renderUnicodeCompact(url, { border: 1 })}\n`))
    : Effect.void

const frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

/**
 * Runs `effect` with a spinner and `label` on stderr when stderr is a terminal; the spinner's
 * line is cleared when `effect` ends, however it ends (Ctrl-C included).
 */
export const withSpinner = (label: string) => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> => {
  const stderr = process.stderr
  if (stderr.isTTY !== true) return effect
  const fancy = colourful(stderr)
  let frame = 0
  const draw = Effect.sync(() => {
    const glyph = fancy ? frames[frame++ % frames.length] : "-\\|/"[frame++ % 4]
    stderr.write(`\r${glyph} ${label}\u001b[K`)
  })
  const clear = Effect.sync(() => stderr.write("\r\u001b[K"))
  return Effect.scoped(
    Effect.gen(function*() {
      yield* Effect.addFinalizer(() => clear)
      yield* Effect.forkScoped(Effect.repeat(draw, Schedule.spaced("100 millis")))
      return yield* effect
    })
  )
}
