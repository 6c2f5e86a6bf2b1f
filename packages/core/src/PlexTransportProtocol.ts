/**
 * @since 0.2.0
 */

/**
 * What an `HttpClient` can offer the library to make calls cheaper and tighter, as well-known
 * symbols (any client works without them; `@effect-plex/node`'s undici client offers both):
 *
 * - `boundedText` on a **response**: `response[boundedText](limit)` reads at most `limit` bytes of
 *   the body as text, without a `Stream`, and stops (closing the connection) as soon as the body
 *   passes the limit: `Effect<{ _tag: "Text", text } | { _tag: "TooLarge" }, unknown>`.
 * - `timedExecute` on a **client**: `client[timedExecute](request, millis, onTimeout)` sends one
 *   request bounded, body included, by one plain timer instead of a forked fiber; when `millis`
 *   pass before the body is done with, it calls `onTimeout` and aborts the request.
 *   `Effect<HttpClientResponse, HttpClientError>`. Such a client's timer runs on the wall clock,
 *   not on Effect's `Clock` (a `TestClock` does not move it).
 *
 * @since 0.2.0
 * @category utils
 * @example
 * import { PlexTransportProtocol } from "@effect-plex/core"
 *
 * console.log(PlexTransportProtocol.boundedText === Symbol.for("@effect-plex/core/HttpClientResponse/boundedText"))
 */
export const PlexTransportProtocol = {
  boundedText: Symbol.for("@effect-plex/core/HttpClientResponse/boundedText"),
  timedExecute: Symbol.for("@effect-plex/core/HttpClient/timedExecute")
} as const
