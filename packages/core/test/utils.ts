/** Shared pieces of the core test suite: the client over the fake, scripted HTTP, TestClock helpers, tracing. */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import type * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import * as Tracer from "effect/Tracer"
import { type PasswordCredentials, PlexAuth, PlexConfig, type PlexConfigOptions } from "@effect-plex/core"
import { PlexTvFake, type PlexTvSettings } from "@effect-plex/core/testing"
import { accounts } from "../../../test-support/accounts.js"
import { typedFailure } from "../../../test-support/exits.js"

// Shared with the node tests, re-exported for the test files that still import them from here
// (retry.test.ts, requests.test.ts and PlexClient.test.ts, being edited elsewhere at the time of the move).
export { credentials, owner } from "../../../test-support/accounts.js"
export { isDone, typedFailure as failure } from "../../../test-support/exits.js"

export const CLIENT_ID = "test-client-0001"

/** Secrets planted in inputs: no printed error, span or log may ever contain them. */
export const SENTINEL_PASSWORD = "SENTINEL-password-5b1e"
export const SENTINEL_TOKEN = "SENTINEL-token-c93d"

export const signIn = (c: PasswordCredentials) => Effect.flatMap(PlexAuth, (auth) => auth.signIn(c))
export const getTokenDetails = (token: string) =>
  Effect.flatMap(PlexAuth, (auth) => auth.getTokenDetails(Redacted.make(token)))

// ---------------------------------------------------------------------------------------------
// Layers

/** Client settings every test shares; `options` replace the top-level members. */
export const configLayer = (options: Partial<PlexConfigOptions> = {}) =>
  PlexConfig.layer({ client: { clientIdentifier: CLIENT_ID }, timeout: "5 seconds", ...options })

/** The fake plex.tv with the three sample accounts of the API reference. */
const sampleFake = (settings: Partial<PlexTvSettings>) => PlexTvFake.layer({ accounts, settings })

/** `PlexAuth` over the in-memory fake with the three sample accounts; the fake is in context too. */
export const fakeAuth = (
  settings: Partial<PlexTvSettings> = {},
  options: Partial<PlexConfigOptions> = {}
) =>
  PlexAuth.layer.pipe(
    Layer.provideMerge(sampleFake(settings)),
    Layer.provide(configLayer(options))
  )

/**
 * `PlexAuth` over the fake, but every request goes through `wrap` first, which sees the final
 * request (base URL and headers applied) and the fake's own client.
 */
export const wrappedFakeAuth = (
  wrap: (
    fake: HttpClient.HttpClient,
    request: HttpClientRequest.HttpClientRequest
  ) => Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>,
  settings: Partial<PlexTvSettings> = {},
  options: Partial<PlexConfigOptions> = {}
) => {
  const wrapped = Layer.effect(
    HttpClient.HttpClient,
    Effect.map(HttpClient.HttpClient, (fake) => HttpClient.make((request) => wrap(fake, request)))
  )
  return PlexAuth.layer.pipe(
    Layer.provide(wrapped),
    Layer.provideMerge(sampleFake(settings)),
    Layer.provide(configLayer(options))
  )
}

// ---------------------------------------------------------------------------------------------
// Scripted HTTP

export interface Recorded {
  readonly request: HttpClientRequest.HttpClientRequest
  /** The URL the client would connect to, query included. */
  readonly url: URL
}

export type Answer = Response | Effect.Effect<Response, HttpClientError.HttpClientError>

/**
 * An `HttpClient` that records every request and answers each with the next scripted answer; the
 * last one repeats. It sits where a real transport would, so configuration, status mapping,
 * timeouts and retries all run for real.
 */
export const scripted = (...answers: ReadonlyArray<(recorded: Recorded) => Answer>) => {
  const requests: Array<Recorded> = []
  const client = HttpClient.make((request, url) =>
    Effect.suspend(() => {
      const recorded = { request, url }
      requests.push(recorded)
      const answer = answers[Math.min(requests.length, answers.length) - 1]!(recorded)
      return Effect.map(
        Effect.isEffect(answer) ? answer : Effect.succeed(answer),
        (response) => HttpClientResponse.fromWeb(request, response)
      )
    })
  )
  const layer = (options: Partial<PlexConfigOptions> = {}) =>
    PlexAuth.layer.pipe(Layer.provide([configLayer(options), Layer.succeed(HttpClient.HttpClient, client)]))
  return { client, requests, calls: () => requests.length, layer }
}

export const jsonResponse = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  Response.json(body, { status, headers })

export const emptyResponse = (status: number, headers: Record<string, string> = {}) =>
  new Response(null, { status, headers })

export const htmlResponse = (status: number, body = "<html><body>Bad gateway</body></html>") =>
  new Response(body, { status, headers: { "content-type": "text/html; charset=utf-8" } })

/** A request that never gets an answer. */
export const hang = (): Effect.Effect<never> => Effect.never

/** A failure before any response, like a refused connection; the cause quotes the URL, as Node's do. */
export const refused =
  (code = "ECONNREFUSED") => ({ request, url }: Recorded): Effect.Effect<never, HttpClientError.RequestError> =>
    Effect.fail(
      new HttpClientError.RequestError({
        request,
        reason: "Transport",
        cause: Object.assign(new Error(`connect ${code} ${url.href}`), { code })
      })
    )

/** A user object as plex.tv sends it, with a planted token. */
export const userJson = (overrides: Record<string, unknown> = {}) => ({
  id: 10000001,
  uuid: "0f0f0f0f0f0f0f0f",
  username: "fake-owner",
  email: "owner@example.invalid",
  authToken: SENTINEL_TOKEN,
  ...overrides
})

// ---------------------------------------------------------------------------------------------
// Time

/** Runs `effect` in a fiber while the `TestClock` moves `by`; returns its exit. */
export const withClock = <A, E, R>(effect: Effect.Effect<A, E, R>, by: Duration.DurationInput = "10 minutes") =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    yield* TestClock.adjust(by)
    return yield* Fiber.await(fiber)
  })

/** Like `Effect.flip`, while the `TestClock` moves `by`. */
export const flipWithClock = <A, E, R>(effect: Effect.Effect<A, E, R>, by: Duration.DurationInput = "10 minutes") =>
  Effect.map(withClock(effect, by), typedFailure)

// ---------------------------------------------------------------------------------------------
// Tracing

/** A span that keeps what it was told, for assertions. */
export class RecordedSpan implements Tracer.Span {
  readonly _tag = "Span"
  readonly spanId: string
  readonly traceId: string
  readonly sampled = true
  status: Tracer.SpanStatus
  readonly attributes = new Map<string, unknown>()
  readonly events: Array<readonly [name: string, startTime: bigint, attributes: Record<string, unknown>]> = []
  readonly links: Array<Tracer.SpanLink>

  constructor(
    readonly name: string,
    readonly parent: Option.Option<Tracer.AnySpan>,
    readonly context: Context.Context<never>,
    links: ReadonlyArray<Tracer.SpanLink>,
    startTime: bigint,
    readonly kind: Tracer.SpanKind,
    id: number
  ) {
    this.spanId = id.toString(16).padStart(16, "0")
    this.traceId = parent._tag === "Some" ? parent.value.traceId : this.spanId.padStart(32, "0")
    this.status = { _tag: "Started", startTime }
    this.links = [...links]
  }

  end(endTime: bigint, exit: Exit.Exit<unknown, unknown>): void {
    this.status = { _tag: "Ended", startTime: this.status.startTime, endTime, exit }
  }

  attribute(key: string, value: unknown): void {
    this.attributes.set(key, value)
  }

  event(name: string, startTime: bigint, attributes?: Record<string, unknown>): void {
    this.events.push([name, startTime, attributes ?? {}])
  }

  addLinks(links: ReadonlyArray<Tracer.SpanLink>): void {
    this.links.push(...links)
  }
}

/** A tracer that keeps every span it makes, with the attributes given at creation. */
export const recordingTracer = () => {
  const spans: Array<RecordedSpan> = []
  const tracer = Tracer.make({
    span: (name, parent, context, links, startTime, kind, options) => {
      const span = new RecordedSpan(name, parent, context, links, startTime, kind, spans.length + 1)
      for (const [key, value] of Object.entries(options?.attributes ?? {})) span.attribute(key, value)
      spans.push(span)
      return span
    },
    context: (f) => f()
  })
  return { tracer, spans }
}
