import * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { issuePaths } from "./issues.js"

/**
 * One odd entry never fails a list (plex-tv-api.md §2.6, §2.7): each entry of a JSON list is
 * decoded on its own; an entry that does not decode (an essential field missing, empty or of the
 * wrong type) is left out with a `Warning` log naming the list, its index and the failing fields,
 * never a value. The rest of the list is returned.
 */

/** A decoder of one entry, compiled once (`errors: "all"`, unknown keys ignored). */
export type EntryDecoder<A> = (u: unknown) => Either.Either<A, ParseResult.ParseError>

export const entryDecoder = <A, I>(schema: Schema.Schema<A, I>): EntryDecoder<A> =>
  Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "ignore" })

/** An entry left out: where it was (`resources[3]`) and why (its failing fields). */
export interface Skip {
  readonly where: string
  readonly error: ParseResult.ParseError
}

/** A warning that names where an entry was and what it lacked (paths, never values); the caller's logger decides where it goes. */
const warn = ({ error, where }: Skip): Effect.Effect<void> =>
  Effect.logWarning(`plex.tv answer: ${where} skipped (missing or invalid: ${issuePaths(error).join(", ")})`)

/**
 * The entries of `list` that decode, in order, and a warning per entry left out. `name` names the
 * list in the warnings (`resources` gives `resources[3]`). `prepare` may clean an entry first
 * (drop its own odd members), recording what it left out in `skips`.
 */
export const decodeEntries = <A>(
  list: ReadonlyArray<unknown>,
  decode: EntryDecoder<A>,
  name: string,
  prepare?: (entry: unknown, where: string, skips: Array<Skip>) => unknown
): Effect.Effect<ReadonlyArray<A>> =>
  Effect.suspend(() => {
    const out: Array<A> = []
    const skips: Array<Skip> = []
    for (let i = 0; i < list.length; i++) {
      const where = `${name}[${i}]`
      const result = decode(prepare === undefined ? list[i] : prepare(list[i], where, skips))
      if (result._tag === "Right") out.push(result.right)
      else skips.push({ where, error: result.left })
    }
    return skips.length === 0 ? Effect.succeed(out) : Effect.as(Effect.forEach(skips, warn, { discard: true }), out)
  })
