import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Tracer from "effect/Tracer"
import type { PlexConfigService } from "../PlexConfig.js"
import type { PlexEndpoint, PlexFailure, PlexHost } from "../PlexEndpoint.js"
import {
  PlexDecodeError,
  type PlexError,
  PlexHttpError,
  PlexInvalidInputError,
  PlexTimeoutError,
  PlexTransportError,
  type PlexTransportKind
} from "../PlexError.js"
import { PlexMetrics } from "../PlexMetrics.js"
import { PlexTransportProtocol } from "../PlexTransportProtocol.js"
import { discard, readErrorBody } from "./body.js"
import { parseErrors } from "./errorBody.js"
import type { PlexGateStoreService } from "../PlexGateStore.js"
import { type Gate, makeGate } from "./gate.js"
import { clientHeaders } from "./headers.js"
import { retryPolicy } from "./retry.js"
import { redact, type Secrets, secretsOf, spellingsOf } from "./secrets.js"
import { commonError, type CommonStatusError, isRedirect, rateLimitError, redirectError } from "./statusErrors.js"

/**
 * The one call path of the library (`PlexClient.execute`): an endpoint and the parts of one call
 * in, a value or a typed error out. In order: refuse what cannot be sent, build the request,
 * wait at the host's rate-limit gate, one attempt (one timer: the attempt's timeout cut to what
 * is left of the deadline), the answer turned into a value or an error (the endpoint's rules,
 * then the common ones), and only after a failure the retry loop.
 */

/**
 * The parts of one call: path parameters, the token (sent in `X-Plex-Token`, never in the URL),
 * query parameters, a body, further secrets the call sends, span attributes.
 */
export interface PlexRequest {
  /** Fills the `{name}` placeholders of the endpoint's path, URL-encoded. */
  readonly path?: Readonly<Record<string, string | number>> | undefined
  readonly token?: Redacted.Redacted<string> | undefined
  /** Query parameters; `undefined` values are left out. */
  readonly urlParams?: Readonly<Record<string, string | undefined>> | undefined
  readonly body?: HttpBody.HttpBody | undefined
  /** Further secrets the request carries (a password, a Home PIN): redacted from any error text. */
  readonly secrets?: ReadonlyArray<Redacted.Redacted<string>> | undefined
  /** Safe facts for the call's span (never a secret). */
  readonly attributes?: Readonly<Record<string, unknown>> | undefined
}

/** The errors every call can end in, besides its endpoint's own. */
export type PlexCallError =
  | CommonStatusError
  | PlexTransportError
  | PlexTimeoutError
  | PlexDecodeError
  | PlexInvalidInputError

/**
 * The protocol an `HttpClient` offers when it can bound one attempt by itself, body included, with
 * a plain timer and no forked fiber (the undici client of `@effect-plex/node` does):
 * `client[timedExecute](request, millis, onTimeout)` sends the request; when `millis` pass before
 * the body is read, it calls `onTimeout` and aborts the request (its body reads then fail).
 */
export const timedExecute: typeof PlexTransportProtocol.timedExecute = PlexTransportProtocol.timedExecute

interface TimedClient {
  readonly [timedExecute]: (
    request: HttpClientRequest.HttpClientRequest,
    millis: number,
    onTimeout: () => void
  ) => Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>
}

// ---------------------------------------------------------------------------------------------
// refusing what cannot be sent

/** A token: visible ASCII only (what a header carries unchanged), at most 16 KiB. */
const tokenShape = /^[\x21-\x7e]{1,16384}$/
/** A UTF-16 surrogate without its partner: no URL can carry it. */
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

const refuse = (argument: string, reason: string) => new PlexInvalidInputError({ argument, reason })

const tokenProblem = (value: string): string | undefined => {
  if (tokenShape.test(value)) return undefined
  if (value === "") return "is empty"
  if (value.length > 16384) return "is longer than 16 KiB"
  return "holds characters a token never has (spaces, line breaks, control or non-ASCII characters)"
}

/** The endpoint's path with its placeholders filled, or the name of the parameter that cannot go in a URL. */
const fillPath = (
  template: string,
  params: Readonly<Record<string, string | number>> | undefined
): string | PlexInvalidInputError => {
  if (params === undefined || !template.includes("{")) return template
  let out = template
  for (const name in params) {
    const value = params[name]
    const text = typeof value === "number" ? String(value) : value
    if (typeof text !== "string" || text === "") return refuse(name, "must be a non-empty string")
    if (loneSurrogate.test(text)) return refuse(name, "holds an unpaired UTF-16 surrogate")
    out = out.replace(`{${name}}`, encodeURIComponent(text))
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// transport failures as facts

const systemCode = (error: unknown): string | undefined => {
  let cause: unknown = error
  for (let depth = 0; depth < 5 && Predicate.isObject(cause); depth++) {
    const code = (cause as { readonly code?: unknown }).code
    if (typeof code === "string" && /^[A-Z][A-Z0-9_]{1,40}$/.test(code)) return code
    cause = (cause as { readonly cause?: unknown }).cause
  }
  return undefined
}

const kindOf = (code: string | undefined): { readonly kind: PlexTransportKind; readonly sent: boolean } => {
  switch (code) {
    case "ECONNREFUSED":
      return { kind: "Refused", sent: false }
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return { kind: "Dns", sent: false }
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return { kind: "Unreachable", sent: false }
    case "ECONNRESET":
    case "EPIPE":
    case "UND_ERR_SOCKET":
    case "UND_ERR_CLOSED":
      return { kind: "Reset", sent: true }
  }
  if (code !== undefined && /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_)/.test(code)) {
    return { kind: "Tls", sent: false }
  }
  return { kind: "Other", sent: true }
}

/** A platform failure reduced to safe facts: its reason literal, a system error code, kind, sent. */
export const transportError = (error: HttpClientError.HttpClientError, host?: string): PlexTransportError => {
  const code = systemCode(error.cause)
  return new PlexTransportError({
    reason: code === undefined ? error.reason : `${error.reason} (${code})`,
    ...kindOf(code),
    ...(host === undefined ? {} : { host })
  })
}

/** Never sent: safe to send again even when the endpoint is not idempotent (a TLS failure will not mend). */
const neverSent = (error: PlexError) => error._tag === "PlexTransportError" && !error.sent && error.kind !== "Tls"

// ---------------------------------------------------------------------------------------------
// the executor

const nativeTracer = Context.get(DefaultServices.liveServices, Tracer.Tracer)

export interface Executor {
  readonly execute: <A, E>(
    endpoint: PlexEndpoint<A, E>,
    input?: PlexRequest
  ) => Effect.Effect<A, E | PlexCallError>
}

/** What the executor records besides spans: the metrics of `PlexMetrics` when `metrics` is on. */
export interface ExecutorOptions {
  readonly metrics?: boolean | undefined
  /** Where the rate-limit gate shares its cool-downs with other processes; none: in memory only. */
  readonly gateStore?: PlexGateStoreService | undefined
}

export const makeExecutor = (
  base: HttpClient.HttpClient,
  config: PlexConfigService,
  options?: ExecutorOptions
): Executor => {
  const timed = (base as unknown as Partial<TimedClient>)[timedExecute]
  // any other client: no trace headers to a third party, no platform span (its failure would hold
  // the token header), and `fetch` asked not to follow redirects whatever `RequestInit` the
  // application set (a redirect fails the call, see `redirectError`)
  const generic = base.pipe(
    HttpClient.withTracerPropagation(false),
    HttpClient.withTracerDisabledWhen(() => true),
    HttpClient.transformResponse((effect) =>
      Effect.flatMap(
        Effect.serviceOption(FetchHttpClient.RequestInit),
        (init) =>
          Effect.provideService(effect, FetchHttpClient.RequestInit, {
            ...Option.getOrUndefined(init),
            redirect: "manual"
          })
      )
    )
  )
  const baseUrls: Record<PlexHost, string> = { plex: config.baseUrl, clients: config.clientsBaseUrl }
  // the host named in the status errors' messages: the configured one, not always plex.tv
  const hosts: Record<string, string | undefined> = {
    [config.baseUrl]: hostOfUrl(config.baseUrl),
    [config.clientsBaseUrl]: hostOfUrl(config.clientsBaseUrl)
  }
  const identity = { ...clientHeaders(config.client), accept: "application/json" }
  const gate: Gate = makeGate({
    rateLimitCooldown: Duration.max(config.retry.base, Duration.seconds(1)),
    maxRetryAfter: config.retry.maxRetryAfter,
    reopenRate: config.retry.reopenRate,
    throttleCooldown: Duration.minutes(1)
  }, options?.gateStore)
  const limit = config.maxBodySize
  const maxRetryAfter = Duration.toMillis(config.retry.maxRetryAfter)
  const deadline = Duration.toMillis(config.deadline)
  const timeout = Duration.toMillis(config.timeout)
  const retryIdempotent = retryPolicy(config.retry) as Schedule.Schedule<unknown, unknown>
  const retryUnsent = Schedule.exponential(config.retry.base).pipe(
    Schedule.jittered,
    Schedule.intersect(Schedule.recurs(config.retry.times)),
    Schedule.whileInput(neverSent)
  ) as Schedule.Schedule<unknown, unknown>
  /** The timeouts of each host, built once: they name the host that did not answer. */
  const timeoutsOf = (baseUrl: string) => {
    const host = hosts[baseUrl]
    const named = host === undefined ? {} : { host }
    return {
      attempt: new PlexTimeoutError({ timeout: config.timeout, ...named }),
      deadline: new PlexTimeoutError({ timeout: config.deadline, ...named })
    }
  }
  const timeouts: Record<string, ReturnType<typeof timeoutsOf>> = {
    [config.baseUrl]: timeoutsOf(config.baseUrl),
    [config.clientsBaseUrl]: timeoutsOf(config.clientsBaseUrl)
  }

  const fitsBefore = (error: PlexError, deadlineAt: number): Effect.Effect<boolean> => {
    if (error._tag !== "PlexRateLimitError" || Option.isNone(error.retryAfter)) return Effect.succeed(true)
    const wait = Duration.toMillis(error.retryAfter.value)
    return Effect.map(Clock.currentTimeMillis, (now) => now + wait < deadlineAt)
  }

  /** The answer of one attempt: the endpoint's decoder for a success, the error of a failure. */
  const answer = <A, E>(
    endpoint: PlexEndpoint<A, E>,
    baseUrl: string,
    secrets: () => Secrets
  ) =>
  (response: HttpClientResponse.HttpClientResponse): Effect.Effect<A, E | PlexCallError> => {
    const status = response.status
    const host = hosts[baseUrl]
    if (!answeredBy(response, baseUrl)) {
      return Effect.zipRight(discard(response), Effect.fail(followedElsewhere(response)))
    }
    if (status >= 200 && status < 300) {
      return Effect.mapError(
        endpoint.decode(response, limit),
        (error) => error._tag === "PlexDecodeError" ? redactPaths(namedDecodeError(error, host), secrets) : error
      )
    }
    if (isRedirect(status)) return Effect.zipRight(discard(response), Effect.fail(redirectError(response, host)))
    return Effect.flatMap(readErrorBody(response), (text): Effect.Effect<never, E | PlexCallError> => {
      const failure: PlexFailure = {
        status,
        headers: response.headers,
        errors: parseErrors(response.headers["content-type"], text, secrets())
      }
      if (status === 429) {
        return Effect.flatMap(
          Clock.currentTimeMillis,
          (now) => Effect.fail(rateLimitError(failure, now, maxRetryAfter, host))
        )
      }
      for (const rule of endpoint.rules) {
        const error = rule(failure)
        if (error !== undefined && error !== null) return Effect.fail(error as E)
      }
      return Effect.fail(commonError(endpoint.credential, failure, host))
    })
  }

  /** One attempt within `millis`: the client's own timer when it has one, else `Effect.timeoutFail`. */
  const attempt = <A, E>(
    request: HttpClientRequest.HttpClientRequest,
    millis: number,
    onTimeout: PlexTimeoutError,
    handle: (response: HttpClientResponse.HttpClientResponse) => Effect.Effect<A, E>,
    secretInUrl: boolean,
    host: string | undefined
  ): Effect.Effect<A, E | PlexTransportError | PlexTimeoutError> => {
    if (timed !== undefined) {
      return Effect.suspend(() => {
        let timedOut = false
        return timed.call(base, request, millis, () => {
          timedOut = true
        }).pipe(
          Effect.catchAll((error) => Effect.fail(timedOut ? onTimeout : transportError(error, host))),
          Effect.flatMap(handle),
          Effect.mapError((error) => timedOut ? onTimeout : error)
        )
      })
    }
    // a client whose own span is on records the URL (`url.full`, `url.query`) unredacted: a request
    // with a secret in its query runs with the tracer off below this point
    const sent = secretInUrl ? Effect.withTracerEnabled(generic.execute(request), false) : generic.execute(request)
    return sent.pipe(
      Effect.catchAll((error) => Effect.fail(transportError(error, host))),
      Effect.flatMap(handle),
      Effect.timeoutFail({ duration: Duration.millis(millis), onTimeout: () => onTimeout })
    )
  }

  const run = <A, E>(endpoint: PlexEndpoint<A, E>, input: PlexRequest | undefined, trace?: CallTrace) => {
    const path = fillPath(endpoint.path, input?.path)
    if (typeof path !== "string") return Effect.fail(path)
    const token = input?.token === undefined ? undefined : Redacted.value(input.token)
    if (token !== undefined) {
      const problem = tokenProblem(token)
      if (problem !== undefined) return Effect.fail(refuse("token", problem))
    }
    let urlParams: Array<[string, string]> | undefined
    if (input?.urlParams !== undefined) {
      urlParams = []
      for (const name in input.urlParams) {
        const value = input.urlParams[name]
        if (value === undefined) continue
        if (loneSurrogate.test(value)) return Effect.fail(refuse(name, "holds an unpaired UTF-16 surrogate"))
        urlParams.push([name, value])
      }
    }
    const secretInUrl = urlParams !== undefined && input?.secrets !== undefined &&
      input.secrets.some((secret) => urlParams!.some(([, value]) => value === Redacted.value(secret)))
    const baseUrl = baseUrls[endpoint.host]
    const request = HttpClientRequest.make(endpoint.method)(baseUrl + path, {
      headers: token === undefined ? identity : { ...identity, "x-plex-token": token },
      ...(urlParams === undefined ? {} : { urlParams }),
      ...(input?.body === undefined ? {} : { body: input.body })
    })
    // the request's secrets are only looked for when an answer is kept in an error
    let secrets: Secrets | undefined
    const secretsOfCall = () =>
      secrets ??= [
        ...spellingsOf([
          ...(token === undefined ? [] : [token]),
          ...(input?.secrets ?? []).map(Redacted.value)
        ]),
        ...secretsOf(request)
      ]
    const handle = trace === undefined
      ? answer(endpoint, baseUrl, secretsOfCall)
      : traceAnswer(trace, answer(endpoint, baseUrl, secretsOfCall))
    const signIn = endpoint.credential === "password"
    const { attempt: attemptTimeout, deadline: deadlineTimeout } = timeouts[baseUrl]!
    const host = hosts[baseUrl]
    return Effect.flatMap(Clock.currentTimeMillis, (start) => {
      const deadlineAt = start + deadline
      // One attempt, its timeout cut to what is left of the deadline when it is sent (after any wait
      // at the gate): the deadline needs no timer of its own.
      const sendAt = (now: number) => {
        const left = deadlineAt - now
        // less than a millisecond left is none: jittered delays make times fractional, and an
        // attempt with a few nanoseconds to live would only spend a request (each retry another)
        if (left < 1) return Effect.fail(deadlineTimeout)
        const sent = attempt(
          request,
          left < timeout ? left : timeout,
          left < timeout ? deadlineTimeout : attemptTimeout,
          handle,
          secretInUrl,
          host
        )
        // only an answer of the host shuts its gate: never the gate's own refusal
        return Effect.tapError(
          trace === undefined ? sent : traceAttempt(trace, endpoint, host, sent),
          (error) => gate.observe(baseUrl, error as PlexError)
        )
      }
      const local = Effect.flatMap(Clock.currentTimeMillis, (now) =>
        gate.isOpen(baseUrl, signIn, now)
          ? sendAt(now)
          : Effect.zipRight(gate.pass(baseUrl, signIn, deadlineAt), Effect.flatMap(Clock.currentTimeMillis, sendAt)))
      // with a shared gate store, each attempt first takes in the fleet's cool-downs of the host
      const once = gate.enter === undefined ? local : Effect.zipRight(gate.enter(baseUrl, signIn, deadlineAt), local)
      // The success path pays for no schedule: only a failure starts the retry loop, which is
      // handed that first failure as its first input. No wait runs past the deadline.
      return Effect.catchAll(once, (first) => {
        let replayed = false
        const again = Effect.suspend(() => {
          if (replayed) return once
          replayed = true
          return Effect.fail(first)
        })
        const schedule = (endpoint.idempotent ? retryIdempotent : retryUnsent).pipe(
          Schedule.checkEffect((error) => fitsBefore(error as PlexError, deadlineAt)),
          Schedule.modifyDelayEffect((_, delay) =>
            Effect.map(
              Clock.currentTimeMillis,
              (now) => Duration.min(delay, Duration.millis(Math.max(0, deadlineAt - now)))
            )
          )
        )
        return Effect.retry(again, schedule)
      })
    })
  }

  const traced = <A, E>(endpoint: PlexEndpoint<A, E>, input: PlexRequest | undefined) => {
    const trace: CallTrace = { attempts: 0, status: undefined }
    const host = hosts[baseUrls[endpoint.host]]
    const attributes: Record<string, unknown> = {
      "plex.endpoint": `${endpoint.method} ${endpoint.path}`,
      "http.request.method": endpoint.method,
      ...(host === undefined ? {} : { "server.address": host }),
      ...input?.attributes
    }
    return Effect.withSpan(
      Effect.onExit(run(endpoint, input, trace), (exit) => Effect.annotateCurrentSpan(callOutcome(trace, exit))),
      endpoint.name,
      { kind: "internal", attributes }
    )
  }

  const execute = <A, E>(endpoint: PlexEndpoint<A, E>, input?: PlexRequest): Effect.Effect<A, E | PlexCallError> =>
    // spans only when a tracer is installed: the native one exports nothing
    Effect.tracerWith((tracer) =>
      tracer === nativeTracer ? run(endpoint, input) : traced(endpoint, input)
    ) as Effect.Effect<
      A,
      E | PlexCallError
    >

  // metrics only when asked for when the client was built: otherwise not even a check per call
  if (options?.metrics !== true) return { execute }
  const measure = measured()
  return { execute: (endpoint, input) => measure(endpoint.name, execute(endpoint, input)) }
}

// ---------------------------------------------------------------------------------------------
// spans and metrics (only with a tracer installed, only with PlexMetrics on)

/** What the spans of one traced call learn as it goes: attempts sent, the status of the last answer. */
interface CallTrace {
  attempts: number
  status: number | undefined
}

/** The codes of plex.tv's error list (never its messages, which may quote input), or the status. */
const errorAttributes = (error: unknown): Record<string, unknown> => {
  if (!Predicate.isObject(error)) return {}
  const tag = (error as { readonly _tag?: unknown })._tag
  const errors = (error as { readonly errors?: unknown }).errors
  const codes = Array.isArray(errors)
    ? errors.flatMap((entry: unknown) =>
      Predicate.isObject(entry) && typeof (entry as { code?: unknown }).code === "number"
        ? [(entry as { code: number }).code]
        : []
    )
    : []
  return {
    ...(typeof tag === "string" ? { "error.type": tag } : {}),
    ...(codes.length === 0 ? {} : { "plex.error.code": codes[0], "plex.error.codes": codes })
  }
}

/** The answer's status on the attempt's span, and kept for the call's span. */
const traceAnswer = <A, E>(
  trace: CallTrace,
  handle: (response: HttpClientResponse.HttpClientResponse) => Effect.Effect<A, E>
) =>
(response: HttpClientResponse.HttpClientResponse): Effect.Effect<A, E> => {
  trace.status = response.status
  return Effect.zipRight(Effect.annotateCurrentSpan("http.response.status_code", response.status), handle(response))
}

/** One attempt as a client span named after the endpoint's method and path template (never a URL). */
const traceAttempt = <A, E>(
  trace: CallTrace,
  endpoint: PlexEndpoint<unknown, unknown>,
  host: string | undefined,
  sent: Effect.Effect<A, E>
): Effect.Effect<A, E> => {
  const resends = trace.attempts++
  const attributes: Record<string, unknown> = {
    "http.request.method": endpoint.method,
    "url.template": endpoint.path,
    ...(host === undefined ? {} : { "server.address": host }),
    ...(resends === 0 ? {} : { "http.request.resend_count": resends })
  }
  return Effect.withSpan(
    Effect.tapError(sent, (error) => Effect.annotateCurrentSpan(errorAttributes(error))),
    `${endpoint.method} ${endpoint.path}`,
    { kind: "client", attributes }
  )
}

/** The call's span at its end: attempts, the last status, the error's type and plex.tv codes. */
const callOutcome = (trace: CallTrace, exit: Exit.Exit<unknown, unknown>): Record<string, unknown> => {
  const error = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()
  return {
    "plex.attempts": trace.attempts,
    ...(trace.status === undefined ? {} : { "http.response.status_code": trace.status }),
    ...(Option.isSome(error) ? errorAttributes(error.value) : {})
  }
}

/** The outcome label of `PlexMetrics`: success, the error's tag, interrupted or defect. */
const outcomeOf = (exit: Exit.Exit<unknown, unknown>): string => {
  if (Exit.isSuccess(exit)) return "success"
  const error = Cause.failureOption(exit.cause)
  if (Option.isSome(error)) {
    const tag = Predicate.isObject(error.value) ? (error.value as { readonly _tag?: unknown })._tag : undefined
    return typeof tag === "string" ? tag : "failure"
  }
  return Cause.isInterruptedOnly(exit.cause) ? "interrupted" : "defect"
}

/** Counts and times each call by operation and outcome; the tagged metrics made once per pair. */
const measured = () => {
  const tagged = new Map<
    string,
    { readonly count: Metric.Metric.Counter<number>; readonly duration: Metric.Metric.Histogram<number> }
  >()
  const metricsOf = (operation: string, outcome: string) => {
    const key = `${operation}\u0000${outcome}`
    let metrics = tagged.get(key)
    if (metrics === undefined) {
      const tag = <M extends Metric.Metric<any, any, any>>(metric: M) =>
        metric.pipe(Metric.tagged("operation", operation), Metric.tagged("outcome", outcome)) as M
      metrics = { count: tag(PlexMetrics.requests), duration: tag(PlexMetrics.duration) }
      tagged.set(key, metrics)
    }
    return metrics
  }
  return <A, E>(operation: string, effect: Effect.Effect<A, E>): Effect.Effect<A, E> =>
    Effect.flatMap(
      Clock.currentTimeMillis,
      (start) =>
        Effect.onExit(effect, (exit) =>
          Effect.flatMap(Clock.currentTimeMillis, (end) => {
            const { count, duration } = metricsOf(operation, outcomeOf(exit))
            return Effect.zipRight(Metric.increment(count), Metric.update(duration, end - start))
          }))
    )
}

// ---------------------------------------------------------------------------------------------
// answers from elsewhere

/** The host (with its port, if any) of a configured base URL; never its credentials or path. */
const hostOfUrl = (baseUrl: string): string | undefined => {
  try {
    return new URL(baseUrl).host || undefined
  } catch {
    return undefined
  }
}

/**
 * Whether the answer is from the host the request was sent to. An `HttpClient` that follows
 * redirects by itself (one wrapped in `HttpClient.followRedirects`) hands back the answer of
 * another host: it is never taken for plex.tv's.
 */
const answeredBy = (response: HttpClientResponse.HttpClientResponse, baseUrl: string): boolean => {
  const url = response.request.url
  return url.length === baseUrl.length ? url === baseUrl : url.startsWith(baseUrl) && url[baseUrl.length] === "/"
}

const followedElsewhere = (response: HttpClientResponse.HttpClientResponse): PlexHttpError => {
  let host: string | undefined
  try {
    host = new URL(response.request.url).host
  } catch {
    host = undefined
  }
  return new PlexHttpError({ status: 302, errors: [], ...(host === undefined ? {} : { redirectHost: host }) })
}

/** A decode error naming the host that answered. */
const namedDecodeError = (error: PlexDecodeError, host: string | undefined): PlexDecodeError =>
  host === undefined || error.host !== undefined
    ? error
    : new PlexDecodeError({ paths: error.paths, host, ...(error.reason === undefined ? {} : { reason: error.reason }) })

/** Decode paths name keys, and a key can come from the body: secrets never stay in them. */
const redactPaths = (error: PlexDecodeError, secretsOf: () => Secrets): PlexDecodeError => {
  const secrets = secretsOf()
  return secrets.length === 0 || !error.paths.some((path) => secrets.some((secret) => path.includes(secret)))
    ? error
    : new PlexDecodeError({
      paths: error.paths.map((path) => redact(path, secrets)),
      ...(error.host === undefined ? {} : { host: error.host }),
      ...(error.reason === undefined ? {} : { reason: error.reason })
    })
}
