import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import {
  PlexApiError,
  PlexBadRequestError,
  PlexDecodeError,
  PlexHomePinRequiredError,
  PlexHttpError,
  PlexJwtRejectedError,
  PlexPinExpiredError,
  PlexRateLimitError,
  PlexTransportError,
  PlexUnauthorizedError,
  type PlexUnauthorizedReason
} from "../PlexError.js"
import { parseXmlErrors } from "./xml.js"

/** Failing paths such as `"id"` or `"subscription.status"`, never the values. */
export const issuePaths = (error: ParseResult.ParseError): ReadonlyArray<string> => [
  ...new Set(
    ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => issue.path.map(String).join(".") || "(root)")
  )
]

/**
 * Which kind of call answered, for the statuses whose meaning depends on it: 1001 is a wrong
 * password on sign-in but a bad token elsewhere; 404 on a PIN means it expired; 422 means a revoked
 * token on token calls but a refused key or JWT on the JWT endpoints.
 */
export type Call = "signIn" | "token" | "home" | "jwtKey" | "jwtExchange" | { readonly pin: number }

/** The status errors any call can end in. */
export type CommonStatusError = PlexBadRequestError | PlexUnauthorizedError | PlexRateLimitError | PlexHttpError

/** The status errors a kind of call can end in: the common ones plus its own. */
export type StatusErrorOf<C extends Call> =
  | CommonStatusError
  | (C extends { readonly pin: number } ? PlexPinExpiredError : never)
  | (C extends "home" ? PlexHomePinRequiredError : never)
  | (C extends "jwtKey" | "jwtExchange" ? PlexJwtRejectedError : never)

type BodyKind = "json" | "xml" | "other"

export const bodyKind = (contentType: string | undefined): BodyKind => {
  if (contentType === undefined || contentType === "") return "json" // plex.tv always names it; be lenient
  const type = contentType.split(";")[0]!.trim().toLowerCase()
  if (type === "application/json" || type.endsWith("+json")) return "json"
  if (type.endsWith("/xml") || type.endsWith("+xml")) return "xml"
  return "other"
}

const parseJson = (text: string): Option.Option<unknown> => {
  try {
    return Option.some(JSON.parse(text))
  } catch {
    return Option.none()
  }
}

const maxErrors = 20
const maxMessage = 300

const toInt = (u: unknown): number | undefined => {
  const n = typeof u === "string" && u.trim() !== "" ? Number(u) : u
  return typeof n === "number" && Number.isSafeInteger(n) ? n : undefined // what Schema.Int accepts
}

const apiError = (u: { readonly code?: unknown; readonly message?: unknown; readonly status?: unknown }) => {
  const code = toInt(u.code)
  const status = toInt(u.status)
  const message = typeof u.message === "string" ? u.message.slice(0, maxMessage) : undefined
  return PlexApiError.make({
    ...(code === undefined ? {} : { code }),
    ...(message === undefined ? {} : { message }),
    ...(status === undefined ? {} : { status })
  })
}

/**
 * plex.tv's `errors` list from a failure body, JSON or XML. Anything else (an HTML page from a
 * proxy, an empty or broken body) gives `[]`: the status alone still classifies the failure.
 */
export const parseErrors = (contentType: string | undefined, text: string): ReadonlyArray<PlexApiError> => {
  switch (bodyKind(contentType)) {
    case "json": {
      const body = Option.getOrUndefined(parseJson(text))
      const list = typeof body === "object" && body !== null && "errors" in body ? body.errors : undefined
      if (!Array.isArray(list)) return []
      return list.slice(0, maxErrors).flatMap((entry: unknown) =>
        typeof entry === "object" && entry !== null ? [apiError(entry)] : []
      )
    }
    case "xml":
      return parseXmlErrors(text, maxErrors).map(apiError)
    case "other":
      return []
  }
}

export const unauthorizedReason = (call: Call, errors: ReadonlyArray<PlexApiError>): PlexUnauthorizedReason => {
  for (const { code } of errors) {
    switch (code) {
      case 1029:
        return "VerificationRequired"
      case 1028:
        return "InvalidVerificationCode"
      case 1031:
        return "Throttled"
      case 1001:
        return call === "signIn" ? "InvalidCredentials" : "InvalidToken"
    }
  }
  // Plex's rule for a token call: 401 means the token is invalid, whatever the body (or none) says
  return call === "token" ? "InvalidToken" : "Unknown"
}

/** `Retry-After` as seconds or an HTTP date, relative to `now`; never negative. */
export const parseRetryAfter = (value: string | undefined, now: number): Option.Option<Duration.Duration> => {
  if (value === undefined) return Option.none()
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Option.some(Duration.seconds(Number(trimmed)))
  const date = Date.parse(trimmed)
  if (Number.isNaN(date)) return Option.none()
  return Option.some(Duration.millis(Math.max(0, date - now)))
}

/** The connection broke while the body was read. */
const bodyLost = new PlexTransportError({ reason: "Transport (body cut off)" })

/**
 * A response that can read its body with a byte limit without a `Stream` (the Node client of
 * `@effect-plex/node` offers it); other responses are read through their `stream`.
 */
const boundedText = Symbol.for("@effect-plex/core/HttpClientResponse/boundedText")

interface BoundedTextResponse {
  readonly [boundedText]: (
    limit: number
  ) => Effect.Effect<{ readonly _tag: "Text"; readonly text: string } | { readonly _tag: "TooLarge" }, unknown>
}

const tooLarge = new PlexDecodeError({ paths: ["(body)"], reason: "TooLarge" })
const utf8 = new TextDecoder()

/**
 * Gives up on a body without reading it. The platform client aborts a request when the stream of
 * its body ends, so open the stream and end it at once: the connection is closed (a keep-alive
 * pool would otherwise hold it, with the rest of a huge body on its way, until garbage collection).
 */
const discard = (response: HttpClientResponse.HttpClientResponse): Effect.Effect<void> =>
  Effect.ignore(Stream.runDrain(Stream.interruptWhen(response.stream, Effect.void)))

/**
 * The body as text, reading at most `limit` bytes: a declared `Content-Length` past the limit fails
 * before reading, an undeclared length stops reading as soon as it passes. A connection that
 * breaks mid-body is a transport error.
 */
export const readText = (
  response: HttpClientResponse.HttpClientResponse,
  limit: number
): Effect.Effect<string, PlexDecodeError | PlexTransportError> => {
  const declared = response.headers["content-length"]
  if (declared !== undefined && /^\d+$/.test(declared)) {
    return Number(declared) > limit
      ? Effect.zipRight(discard(response), Effect.fail(tooLarge))
      : Effect.mapError(response.text, () => bodyLost)
  }
  const bounded = (response as Partial<BoundedTextResponse>)[boundedText]
  if (typeof bounded === "function") {
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

/** Turns a failure status into its tagged error, reading the `errors` list leniently. */
export type StatusError =
  | PlexBadRequestError
  | PlexUnauthorizedError
  | PlexRateLimitError
  | PlexHttpError
  | PlexPinExpiredError
  | PlexHomePinRequiredError
  | PlexJwtRejectedError

const hasCode = (errors: ReadonlyArray<PlexApiError>, code: number) => errors.some((error) => error.code === code)

const revokedToken = (errors: ReadonlyArray<PlexApiError>) =>
  errors.some((error) => error.code === undefined && /^\s*invalid token\s*$/i.test(error.message ?? ""))

const jwtReason = (call: Call, errors: ReadonlyArray<PlexApiError>): PlexJwtRejectedError["reason"] => {
  if (errors.some((error) => /nonce/i.test(error.message ?? ""))) return "InvalidNonce"
  if (call === "jwtKey") return "KeyInUse"
  return call === "jwtExchange" ? "InvalidSignature" : "Unknown"
}

export const statusError = <C extends Call>(
  call: C,
  response: HttpClientResponse.HttpClientResponse,
  limit: number
): Effect.Effect<never, StatusErrorOf<C>> =>
  // the call decides which errors can occur (a PIN error only for PIN calls, …): see StatusErrorOf
  Effect.flatMap(
    Effect.orElseSucceed(readText(response, limit), () => ""),
    (text): Effect.Effect<never, StatusError> => {
      const status = response.status
      const errors = parseErrors(response.headers["content-type"], text)
      switch (status) {
        case 400:
          return Effect.fail(new PlexBadRequestError({ status, errors }))
        case 401:
          return Effect.fail(new PlexUnauthorizedError({ status, errors, reason: unauthorizedReason(call, errors) }))
        case 403:
          return Effect.fail(
            call === "home" && hasCode(errors, 1041)
              ? new PlexHomePinRequiredError({ status, errors })
              : new PlexHttpError({ status, errors })
          )
        case 404:
          return Effect.fail(
            typeof call === "object"
              ? new PlexPinExpiredError({ pinId: call.pin })
              : new PlexHttpError({ status, errors })
          )
        case 422:
          // a revoked token answers 422 "Invalid token" on any call, the JWT endpoints included
          return Effect.fail(
            (call === "jwtKey" || call === "jwtExchange") && !revokedToken(errors)
              ? new PlexJwtRejectedError({ status, errors, reason: jwtReason(call, errors) })
              : new PlexUnauthorizedError({
                status,
                errors,
                reason: call === "signIn" ? unauthorizedReason(call, errors) : "InvalidToken"
              })
          )
        case 498:
          return Effect.fail(new PlexUnauthorizedError({ status, errors, reason: "InvalidToken" }))
        case 429:
          return Effect.map(Clock.currentTimeMillis, (now) =>
            new PlexRateLimitError({ retryAfter: parseRetryAfter(response.headers["retry-after"], now) })
          ).pipe(Effect.flip)
        default:
          return Effect.fail(new PlexHttpError({ status, errors }))
      }
    }
  ) as Effect.Effect<never, StatusErrorOf<C>>

/**
 * A decoder for the body of a success, compiled once: JSON only (an HTML or XML body is a
 * `PlexDecodeError` at `(body)`), decode failures reduced to their paths.
 */
export type Decoder<A> = (
  response: HttpClientResponse.HttpClientResponse,
  limit: number
) => Effect.Effect<A, PlexDecodeError | PlexTransportError>

/**
 * A decoder for the body of a success, compiled once: JSON only (an HTML or XML body is a
 * `PlexDecodeError` at `(body)`), decode failures reduced to their paths.
 */
export const bodyDecoder = <A, I>(schema: Schema.Schema<A, I>): Decoder<A> => {
  const decode = Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "ignore" })
  return (response, limit) => {
    if (bodyKind(response.headers["content-type"]) !== "json") {
      return Effect.zipRight(Effect.ignore(readText(response, limit)), Effect.fail(notJson))
    }
    return Effect.flatMap(readText(response, limit), (text) => {
      const json = parseJson(text)
      if (Option.isNone(json)) return Effect.fail(notJson)
      const result = decode(json.value)
      return result._tag === "Right"
        ? Effect.succeed(result.right)
        : Effect.fail(new PlexDecodeError({ paths: issuePaths(result.left) }))
    })
  }
}

const notJson = new PlexDecodeError({ paths: ["(body)"] })

/** A success whose body does not matter (204, `{"pong":true}`): read (bounded) and dropped. */
export const ignoreBody: Decoder<void> = (response, limit) => Effect.ignore(readText(response, limit))

/** One response: a success decoded with `decode`, anything else its tagged error. */
export const handleResponse = <A, E, C extends Call>(
  call: C,
  decode: (response: HttpClientResponse.HttpClientResponse, limit: number) => Effect.Effect<A, E>,
  limit: number
) =>
(
  response: HttpClientResponse.HttpClientResponse
): Effect.Effect<A, E | StatusErrorOf<C>> =>
  response.status >= 200 && response.status < 300 ? decode(response, limit) : statusError(call, response, limit)
