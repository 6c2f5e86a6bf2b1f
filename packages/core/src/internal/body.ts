import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { PlexDecodeError, PlexTransportError } from "../PlexError.js"
import { PlexTransportProtocol } from "../PlexTransportProtocol.js"

/**
 * Reading response bodies with a byte limit. Bytes are counted as the body streams, after any
 * decompression the HTTP client does (`fetch` inflates gzip and deflate): a small compressed
 * answer that inflates to gigabytes stops at the limit.
 */

/** plex.tv's error bodies are a few hundred bytes: an error body is read no further than this. */
export const errorBodyPrefix = 8 * 1024

/**
 * The protocol a response offers when it can read its body with a byte limit without a `Stream`
 * (the undici client of `@effect-plex/node` does): `response[boundedText](limit)` reads at most
 * `limit` bytes, stopping (and closing the connection) as soon as the body passes it.
 */
export const boundedText: typeof PlexTransportProtocol.boundedText = PlexTransportProtocol.boundedText

interface BoundedTextResponse {
  readonly [boundedText]: (
    limit: number
  ) => Effect.Effect<{ readonly _tag: "Text"; readonly text: string } | { readonly _tag: "TooLarge" }, unknown>
}

/** The connection broke while the body was read. */
const bodyLost = new PlexTransportError({ reason: "Transport (body cut off)", kind: "BodyCutOff" })
export const tooLarge = new PlexDecodeError({ paths: ["(body)"], reason: "TooLarge" })
const utf8 = new TextDecoder()

const boundedOf = (response: HttpClientResponse.HttpClientResponse) => {
  const bounded = (response as unknown as Partial<BoundedTextResponse>)[boundedText]
  return typeof bounded === "function" ? bounded : undefined
}

/**
 * Gives up on a body without reading it (beyond a first chunk). The platform clients abort a
 * request when the stream of its body ends, so open the stream and end it at once: the connection
 * is closed (a keep-alive pool would otherwise hold it, with the rest of a huge body on its way).
 */
export const discard = (response: HttpClientResponse.HttpClientResponse): Effect.Effect<void> => {
  const bounded = boundedOf(response)
  if (bounded !== undefined) return Effect.ignore(bounded.call(response, 0))
  return Effect.ignore(Stream.runDrain(Stream.interruptWhen(response.stream, Effect.void)))
}

const declaredTooLarge = (response: HttpClientResponse.HttpClientResponse, limit: number) => {
  const declared = response.headers["content-length"]
  return declared !== undefined && /^\d{1,15}$/.test(declared) && Number(declared) > limit
}

/**
 * The body as text, reading at most `limit` bytes: a declared `Content-Length` past the limit fails
 * before reading, any other body stops as soon as the bytes read (after decompression) pass it. A
 * connection that breaks mid-body is a transport error.
 */
export const readText = (
  response: HttpClientResponse.HttpClientResponse,
  limit: number
): Effect.Effect<string, PlexDecodeError | PlexTransportError> => {
  if (declaredTooLarge(response, limit)) return Effect.zipRight(discard(response), Effect.fail(tooLarge))
  const bounded = boundedOf(response)
  if (bounded !== undefined) {
    return Effect.flatMap(
      Effect.mapError(bounded.call(response, limit), () => bodyLost),
      (result) => result._tag === "Text" ? Effect.succeed(result.text) : Effect.fail(tooLarge)
    )
  }
  return Effect.suspend(() => {
    const chunks: Array<Uint8Array> = []
    let size = 0
    return Stream.runForEach(
      Stream.mapError(response.stream, () => bodyLost),
      (chunk) => {
        size += chunk.length
        if (size > limit) return Effect.fail(tooLarge)
        chunks.push(chunk)
        return Effect.void
      }
    ).pipe(Effect.map(() => {
      if (chunks.length === 1) return utf8.decode(chunks[0])
      const all = new Uint8Array(size)
      let offset = 0
      for (const chunk of chunks) {
        all.set(chunk, offset)
        offset += chunk.length
      }
      return utf8.decode(all)
    }))
  })
}

/**
 * The body of a failure: at most `errorBodyPrefix` bytes, and never a failure of its own. A longer
 * body is no plex.tv error body: it gives `""` and its connection is closed.
 */
export const readErrorBody = (response: HttpClientResponse.HttpClientResponse): Effect.Effect<string> =>
  Effect.orElseSucceed(readText(response, errorBodyPrefix), () => "")

/** A body whose content does not matter (204, `{"pong":true}`): read up to the error prefix, dropped. */
export const dropBody = (response: HttpClientResponse.HttpClientResponse): Effect.Effect<void> =>
  Effect.asVoid(readErrorBody(response))
