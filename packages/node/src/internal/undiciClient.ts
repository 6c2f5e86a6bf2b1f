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
import { createRequire } from "node:module"
import * as NodeStream from "node:stream"
import type * as WebStream from "node:stream/web"
import type * as Undici from "undici"
import { PlexTransportProtocol } from "@effect-plex/core"

// ---------------------------------------------------------------------------------------------
// Using undici without touching a global
//
// Evaluating the `undici` package (its `index.js`) runs `lib/global.js`, which, when no process-wide
// dispatcher is set yet, installs an `Agent` of *this* undici under
// `Symbol.for("undici.globalDispatcher.1")` and `.2` on `globalThis`, non-configurable: it can never
// be removed again. Node's own `fetch` (the undici bundled with Node, another major version) then
// dispatches through it, so importing this library changed how the application's `fetch` behaves
// (it crashed the process on a gzip answer with `Connection: close`).
//
// So this module never loads undici's `index.js`. It loads only the two modules it needs, the
// `Agent` class and the `request` function, with `require` (a static `import` of a deep path would
// need types undici does not publish). Neither requires `lib/global.js`; nothing is attached to a
// prototype (`request` is called with the dispatcher as `this`, which is what undici's `index.js`
// does after copying it onto `Dispatcher.prototype`). The rest of undici stays unloaded, so an
// application that imports `undici` itself later gets undici exactly as it would without us.
//
// Rejected alternatives: a module imported before `undici` that records the dispatcher and one
// after that restores it cannot undo a non-configurable key (absent stays absent is impossible),
// and depends on evaluation order, which bundlers do not all keep for a `sideEffects: false`
// package; hiding the key behind a placeholder while `index.js` loads leaves the cached undici
// without its default dispatcher, which breaks an application's later `import { request } from
// "undici"`.
//
// Should a future undici move these files, the whole package is loaded instead, inside
// `withoutGlobalChanges` (the placeholder way): still no global changes. The child-process tests
// of `packages/node/test/globals.test.ts` check both that nothing global changes and that this
// client works.

const requireHere = createRequire(import.meta.url)

const dispatcherKeys: ReadonlyArray<symbol> = [
  Symbol.for("undici.globalDispatcher.1"),
  Symbol.for("undici.globalDispatcher.2")
]

/** The globals undici's `install()` would replace; none is set on load, checked all the same. */
const webGlobals: ReadonlyArray<string> = [
  "fetch",
  "Headers",
  "Request",
  "Response",
  "FormData",
  "WebSocket",
  "CloseEvent",
  "ErrorEvent",
  "MessageEvent",
  "EventSource"
]

const undiciSymbols = (): Array<symbol> =>
  Object.getOwnPropertySymbols(globalThis).filter((key) => key.description?.startsWith("undici") === true)

/** Never dispatched through: it only keeps global.js from installing its Agent during the load. */
const placeholder = Object.freeze({ dispatch: () => false })

const sameDescriptor = (a: PropertyDescriptor, b: PropertyDescriptor) =>
  a.value === b.value && a.get === b.get && a.set === b.set && a.writable === b.writable &&
  a.enumerable === b.enumerable && a.configurable === b.configurable

const restore = (key: PropertyKey, before: PropertyDescriptor | undefined): void => {
  const target = globalThis as Record<PropertyKey, unknown>
  const now = Object.getOwnPropertyDescriptor(globalThis, key)
  if (before === undefined) {
    if (now === undefined) return
    if (now.configurable === true) delete target[key]
    else if (now.writable === true) target[key] = undefined // cannot be removed: at least not used
    return
  }
  if (now !== undefined && sameDescriptor(now, before)) return
  if (now === undefined || now.configurable === true) Object.defineProperty(globalThis, key, before)
  else if (now.writable === true && "value" in before) target[key] = before.value
}

/**
 * Runs `load` (synchronous: nothing else can observe the placeholder) so that it leaves the undici
 * globals (`undici.*` symbols, `fetch` and the other web globals) as it found them.
 */
const withoutGlobalChanges = <A>(load: () => A): A => {
  const keys = new Set<PropertyKey>([...dispatcherKeys, ...undiciSymbols(), ...webGlobals])
  const before = new Map<PropertyKey, PropertyDescriptor | undefined>()
  for (const key of keys) before.set(key, Object.getOwnPropertyDescriptor(globalThis, key))
  for (const key of dispatcherKeys) {
    if (before.get(key) === undefined) {
      const descriptor = { value: placeholder, writable: true, enumerable: false, configurable: true }
      Object.defineProperty(globalThis, key, descriptor)
    }
  }
  try {
    return load()
  } finally {
    for (const key of undiciSymbols()) keys.add(key)
    for (const key of keys) restore(key, before.get(key))
  }
}

type RequestFn = (
  this: Undici.Dispatcher,
  options: Undici.Dispatcher.RequestOptions
) => Promise<Undici.Dispatcher.ResponseData>

interface UndiciParts {
  readonly Agent: typeof Undici.Agent
  readonly request: RequestFn
}

const loadUndici = (): UndiciParts => {
  try {
    return withoutGlobalChanges(() => ({
      Agent: requireHere("undici/lib/dispatcher/agent.js") as typeof Undici.Agent,
      request: requireHere("undici/lib/api/api-request.js") as RequestFn
    }))
  } catch {
    const undici = withoutGlobalChanges(() => requireHere("undici") as typeof Undici)
    return { Agent: undici.Agent, request: undici.Dispatcher.prototype.request as RequestFn }
  }
}

const undici = loadUndici()

/** A keep-alive undici `Agent`, made without loading undici's global dispatcher. */
export const makeAgent = (options?: Undici.Agent.Options): Undici.Agent => new undici.Agent(options)

/** The protocols `@effect-plex/core` looks for (see `PlexTransportProtocol`). */
const { boundedText, timedExecute } = PlexTransportProtocol

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
  private textPromise?: Promise<string>

  constructor(
    readonly request: HttpClientRequest.HttpClientRequest,
    data: Undici.Dispatcher.ResponseData,
    /** Called once the body is done with: read to its end, or destroyed. */
    settled?: () => void
  ) {
    super()
    this.status = data.statusCode
    this.headers = flatten(data.headers)
    this.body = data.body
    data.body.on("error", noop)
    if (settled !== undefined) data.body.once("close", settled)
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
    // read once, however often asked: the promise is the memo (no `Effect.cached` per response)
    return this.abortOnInterrupt(
      Effect.tryPromise({ try: () => this.textPromise ??= this.body.text(), catch: (cause) => this.fail(cause) })
    )
  }

  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return Effect.flatMap(
      this.text,
      (text) =>
        Effect.try({
          try: () => (text === "" ? null : JSON.parse(text) as unknown),
          catch: (cause) => this.fail(cause)
        })
    )
  }

  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return Effect.flatMap(
      this.text,
      (text) =>
        Effect.try({ try: () => UrlParams.fromInput(new URLSearchParams(text)), catch: (cause) => this.fail(cause) })
    )
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

const targetOf = (request: HttpClientRequest.HttpClientRequest): string | HttpClientError.RequestError => {
  if (request.urlParams.length === 0 && Option.isNone(request.hash)) return request.url
  const url = UrlParams.makeUrl(request.url, request.urlParams, request.hash)
  return url._tag === "Left"
    ? new HttpClientError.RequestError({ request, reason: "InvalidUrl", cause: url.left })
    : url.right.toString()
}

/** One request; interrupting the fiber aborts it. */
const send = (dispatcher: Undici.Dispatcher, request: HttpClientRequest.HttpClientRequest) => {
  const target = targetOf(request)
  if (typeof target !== "string") return Effect.fail(target)
  return Effect.flatMap(
    bodyOf(request),
    (body) =>
      Effect.async<HttpClientResponse.HttpClientResponse, HttpClientError.RequestError>((resume, signal) => {
        undici.request.call(dispatcher, {
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
      })
  )
}

/**
 * The protocol `@effect-plex/core` looks for (its `timedExecute`): one request bounded, body
 * included, by a plain timer, with no forked fiber. When `millis` pass before the body is done
 * with, `onTimeout` is called and the request aborted (a body read then fails); interrupting the
 * fiber aborts it too.
 */

const sendWithin = (
  dispatcher: Undici.Dispatcher,
  request: HttpClientRequest.HttpClientRequest,
  millis: number,
  onTimeout: () => void
) => {
  const target = targetOf(request)
  if (typeof target !== "string") return Effect.fail(target)
  return Effect.flatMap(
    bodyOf(request),
    (body) =>
      Effect.async<HttpClientResponse.HttpClientResponse, HttpClientError.RequestError>((resume, interrupted) => {
        const controller = new AbortController()
        const timer = setTimeout(() => {
          onTimeout()
          controller.abort()
        }, millis)
        timer.unref()
        const abort = () => controller.abort()
        interrupted.addEventListener("abort", abort, { once: true })
        const settled = () => {
          clearTimeout(timer)
          interrupted.removeEventListener("abort", abort)
        }
        undici.request.call(dispatcher, {
          ...splitUrl(target),
          method: request.method,
          headers: request.headers,
          body: body ?? null,
          signal: controller.signal,
          headersTimeout: 0,
          bodyTimeout: 0
        }).then(
          (data) => resume(Effect.succeed(new UndiciResponse(request, data, settled))),
          (cause) => {
            settled()
            resume(Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause })))
          }
        )
      })
  )
}

/** An `HttpClient` over an undici dispatcher. */
export const make = (dispatcher: Undici.Dispatcher): HttpClient.HttpClient =>
  Object.assign(
    HttpClient.makeWith<never, never, HttpClientError.HttpClientError, never>(
      (effect) => Effect.flatMap(effect, (request) => send(dispatcher, request)),
      Effect.succeed
    ),
    {
      [timedExecute]: (request: HttpClientRequest.HttpClientRequest, millis: number, onTimeout: () => void) =>
        sendWithin(dispatcher, request, millis, onTimeout)
    }
  )

const splitUrl = (target: string): { origin: string; path: string } => {
  const slash = target.indexOf("/", target.indexOf("//") + 2)
  return slash === -1 ? { origin: target, path: "/" } : { origin: target.slice(0, slash), path: target.slice(slash) }
}
