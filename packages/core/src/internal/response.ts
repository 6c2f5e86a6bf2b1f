import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import * as Option from "effect/Option"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { PlexDecodeError, type PlexTransportError } from "../PlexError.js"
import { discard, dropBody, readText } from "./body.js"
import { bodyKind } from "./errorBody.js"
import { issuePaths } from "./issues.js"
import { parseJson, tooComplex } from "./json.js"

export { issuePaths } from "./issues.js"

/** Decoders of success bodies: JSON only, bounded, checked for shape before parsing. */

/**
 * A decoder for the body of a success, compiled once: JSON only (an HTML or XML body is a
 * `PlexDecodeError` at `(body)`), decode failures reduced to their paths.
 */
export type Decoder<A> = (
  response: HttpClientResponse.HttpClientResponse,
  limit: number
) => Effect.Effect<A, PlexDecodeError | PlexTransportError>

const notJson = new PlexDecodeError({ paths: ["(body)"] })
const complex = new PlexDecodeError({ paths: ["(body)"], reason: "TooComplex" })

/**
 * A decoder for the body of a success, compiled once: JSON only (an HTML or XML body is a
 * `PlexDecodeError` at `(body)`, its body not read), a large body too deep or too full for any
 * plex.tv answer refused before parsing, decode failures reduced to their paths.
 */
export const bodyDecoder = <A, I>(
  schema: Schema.Schema<A, I>,
  /** A faster decode with the same contract (see `userDecode.ts`), if the schema has one. */
  decode: (u: unknown) => Either.Either<A, ParseResult.ParseError> = Schema.decodeUnknownEither(schema, {
    errors: "all",
    onExcessProperty: "ignore"
  })
): Decoder<A> => {
  return (response, limit) => {
    if (bodyKind(response.headers["content-type"]) !== "json") {
      return Effect.zipRight(discard(response), Effect.fail(notJson))
    }
    return Effect.flatMap(readText(response, limit), (text) => {
      if (tooComplex(text)) return Effect.fail(complex)
      const json = parseJson(text)
      if (Option.isNone(json)) return Effect.fail(notJson)
      const result = decode(json.value)
      return result._tag === "Right"
        ? Effect.succeed(result.right)
        : Effect.fail(new PlexDecodeError({ paths: issuePaths(result.left) }))
    })
  }
}

/** A success whose body does not matter (204, `{"pong":true}`): read (bounded) and dropped. */
export const ignoreBody: Decoder<void> = (response) => dropBody(response)
