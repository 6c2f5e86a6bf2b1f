/**
 * A lean `HttpClient` over undici: the platform's interface, without the per-request work plex.tv
 * calls do not need (a tracing span per request, a `URL` object when there is no query, header
 * records rebuilt on every read, a `Stream` to read a small body). Interrupting the fiber aborts
 * the request. Response bodies can be read with a byte limit without a `Stream` (see
 * `boundedText`), which `@effect-plex/core` uses when the response offers it.
 */
import * as Cookies from "@effect/platform/Cookies"
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as IncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Effect from "effect/Effect"
import * as Inspectable from "effect/Inspectable"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as NodeStream from "node:stream"
import type * as WebStream from "node:stream/web"
import * as Undici from "undici"

/** The protocol `@effect-plex/core` looks for: read at most `limit` bytes of the body as text. */
const boundedText = Symbol.for("@effect-plex/core/HttpClientResponse/boundedText")

type BoundedTextResult = { readonly _tag: "Text"; readonly text: string } | { readonly _tag: "TooLarge" }

const noop = () => {}

const readBounded = async (body: NodeStream.Readable, limit: number): Promise<BoundedTextResult> => {
  const chunks: Array<Buffer> = []
  let size = 0
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) {
      body.destroy()
      return { _tag: "TooLarge" }
    }
    chunks.push(chunk)
  }
  const text = chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks, size).toString("utf8")
  return { _tag: "Text", text }
}

const flatten = (source: Record<string, string | Array<string> | undefined>): Headers.Headers => {
  const out: Record<string, string> = {}
  for (const key in source) {
    const value = source[key]
    if (value !== undefined) out[key] = Array.isArray(value) ? value.join(", ") : value
  }
  return Headers.fromInput(out)
}

class UndiciResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  readonly [IncomingMessage.TypeId]: IncomingMessage.TypeId = IncomingMessage.TypeId
  readonly status: number
  readonly headers: Headers.Headers
  private readonly body: Undici.Dispatcher.ResponseData["body"]
  private cachedText?: Effect.Effect<string, HttpClientError.ResponseError>

  constructor(readonly request: HttpClientRequest.HttpClientRequest, data: Undici.Dispatcher.ResponseData) {
    super()
    this.status = data.statusCode
    this.headers = flatten(data.headers)
    this.body = data.body
    data.body.on("error", noop)
  }

  /**
   * A body read that is interrupted (a timeout, an interrupted call) destroys the body, which aborts
   * the request and closes its connection; otherwise undici would go on receiving it, and closing
   * the `Agent` would wait for it forever.
   */
  private abortOnInterrupt<A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A, E> {
    return Effect.onInterrupt(effect, () => Effect.sync(() => this.body.destroy()))
  }

  private fail(cause: unknown): HttpClientError.ResponseError {
    return new HttpClientError.ResponseError({ request: this.request, response: this, reason: "Decode", cause })
  }

  get cookies(): Cookies.Cookies {
    const header = this.headers["set-cookie"]
    return header === undefined ? Cookies.empty : Cookies.fromSetCookie(header.split(/,(?=\s*[^;,=\s]+=)/))
  }

  get remoteAddress(): Option.Option<string> {
    return Option.none()
  }

  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    return this.cachedText ??= Effect.runSync(
      Effect.cached(
        this.abortOnInterrupt(Effect.tryPromise({ try: () => this.body.text(), catch: (cause) => this.fail(cause) }))
      )
    )
  }

  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({ try: () => (text === "" ? null : JSON.parse(text) as unknown), catch: (cause) => this.fail(cause) }))
  }

  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({ try: () => UrlParams.fromInput(new URLSearchParams(text)), catch: (cause) => this.fail(cause) }))
  }

  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return this.abortOnInterrupt(
      Effect.tryPromise({ try: () => this.body.arrayBuffer(), catch: (cause) => this.fail(cause) })
    )
  }

  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    return Effect.tryPromise({
      try: () => this.body.formData() as Promise<FormData>,
      catch: (cause) => this.fail(cause)
    })
  }

  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    return Stream.fromAsyncIterable(this.body as AsyncIterable<Uint8Array>, (cause) => this.fail(cause))
  }

  [boundedText](limit: number): Effect.Effect<BoundedTextResult, HttpClientError.ResponseError> {
    return this.abortOnInterrupt(
      Effect.tryPromise({ try: () => readBounded(this.body, limit), catch: (cause) => this.fail(cause) })
    )
  }

  toJSON(): unknown {
    return { _id: "@effect/platform/HttpClientResponse", status: this.status } // never the request: it holds the token
  }
}

const bodyOf = (
  request: HttpClientRequest.HttpClientRequest
): Effect.Effect<Undici.Dispatcher.DispatchOptions["body"], HttpClientError.RequestError> => {
  const body = request.body
  switch (body._tag) {
    case "Empty":
      return Effect.succeed(undefined)
    case "Uint8Array":
      return Effect.succeed(body.body)
    case "Raw":
      return typeof body.body === "string" || body.body instanceof Uint8Array
        ? Effect.succeed(body.body)
        : Effect.fail(
          new HttpClientError.RequestError({ request, reason: "Encode", cause: "unsupported raw body" })
        )
    case "FormData":
      return Effect.succeed(body.formData as unknown as Undici.FormData)
    case "Stream":
      return Effect.map(
        Stream.toReadableStreamEffect(body.stream),
        (web) => NodeStream.Readable.fromWeb(web as WebStream.ReadableStream<Uint8Array>)
      )
  }
}

/** An `HttpClient` over an undici dispatcher. */
export const make = (dispatcher: Undici.Dispatcher): HttpClient.HttpClient =>
  HttpClient.makeWith<never, never, HttpClientError.HttpClientError, never>(
    (effect) =>
      Effect.flatMap(effect, (request) => {
        let target: string
        if (request.urlParams.length === 0 && Option.isNone(request.hash)) {
          target = request.url
        } else {
          const url = UrlParams.makeUrl(request.url, request.urlParams, request.hash)
          if (url._tag === "Left") {
            return Effect.fail(new HttpClientError.RequestError({ request, reason: "InvalidUrl", cause: url.left }))
          }
          target = url.right.toString()
        }
        return Effect.flatMap(bodyOf(request), (body) =>
          Effect.async<HttpClientResponse.HttpClientResponse, HttpClientError.RequestError>((resume, signal) => {
            dispatcher.request({
              ...splitUrl(target),
              method: request.method,
              headers: request.headers,
              body: body ?? null,
              signal,
              // timeouts are the caller's, with Effect
              headersTimeout: 0,
              bodyTimeout: 0
            }).then(
              (data) => resume(Effect.succeed(new UndiciResponse(request, data))),
              (cause) => resume(Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause })))
            )
          }))
      }),
    Effect.succeed
  )

const splitUrl = (target: string): { origin: string; path: string } => {
  const slash = target.indexOf("/", target.indexOf("//") + 2)
  return slash === -1 ? { origin: target, path: "/" } : { origin: target.slice(0, slash), path: target.slice(slash) }
}
