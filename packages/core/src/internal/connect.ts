import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Arr from "effect/Array"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { PlexConnectError, PlexConnectionFailure, type PlexConnectionFailureReason } from "../PlexError.js"
import { PlexInvalidInputError } from "../PlexError.js"
import type { PlexConnection, PlexResource } from "../PlexResource.js"
import type {
  PlexConnectOptions as ConnectOptions,
  PlexServerConnection as ServerConnection,
  PlexServerIdentity as ServerIdentity
} from "../PlexResources.js"
import { discard, readText } from "./body.js"
import { isHttps, kindName, rank } from "./connectionRank.js"
import { transportError } from "./executor.js"
import { parseJson } from "./json.js"

/**
 * `PlexResources.connect`: every candidate connection of a resource probed at once
 * (`GET {uri}/identity`), the first (or, within a grace period, the best) that answers as the
 * resource's own machine kept, every other probe interrupted (its request aborted, its socket
 * closed). Talks to a Plex Media Server, not plex.tv: no rate-limit gate, no host check, but the
 * same care: redirects never followed, the body read with a small bound, the token only in the
 * `X-Plex-Token` header and never in an error.
 */

export const defaultProbeTimeout = Duration.seconds(5)
export const defaultGrace = Duration.millis(500)

/** An identity answer is a few hundred bytes: anything past this is not one. */
const identityLimit = 16 * 1024

/** A token: visible ASCII only (what a header carries unchanged), at most 16 KiB. */
const tokenShape = /^[\x21-\x7e]{1,16384}$/

/** Only the machine identifier is required; `version` and `claimed` are kept when of the right type. */
const Identity = Schema.Struct({
  MediaContainer: Schema.Struct({
    machineIdentifier: Schema.String,
    version: Schema.optional(Schema.Unknown),
    claimed: Schema.optional(Schema.Unknown)
  })
})
const decodeIdentity = Schema.decodeUnknownOption(Identity)

const identityOf = (body: string): Option.Option<ServerIdentity> =>
  Option.map(
    Option.flatMap(parseJson(body), decodeIdentity),
    ({ MediaContainer: { claimed, machineIdentifier, version } }) => ({
      machineIdentifier,
      ...(typeof version === "string" ? { version } : {}),
      ...(typeof claimed === "boolean" ? { claimed } : {})
    })
  )

interface Candidate {
  readonly index: number
  readonly connection: PlexConnection
  /** As `bestConnection` orders them: local, remote, relay; https before http. Lower is better. */
  readonly score: number
}

const failureOf = (
  candidate: { readonly index: number; readonly connection: PlexConnection },
  reason: PlexConnectionFailureReason,
  status?: number
) =>
  PlexConnectionFailure.make({
    index: candidate.index,
    kind: kindName(candidate.connection),
    protocol: isHttps(candidate.connection) ? "https" : "http",
    reason,
    ...(status === undefined ? {} : { status })
  })

const reasonOfTransport = (error: HttpClientError.HttpClientError): PlexConnectionFailureReason => {
  const kind = transportError(error).kind
  return kind === "BodyCutOff" ? "Reset" : kind
}

/**
 * The client the probes and the returned server client send through: no trace headers to the
 * server, no platform span (its failure holds the request, token header included, which an
 * exporter may print outside any fiber, unredacted), and `fetch` asked not to follow
 * redirects (a redirect would carry the `X-Plex-Token` header to wherever it points).
 */
const guarded = (base: HttpClient.HttpClient): HttpClient.HttpClient =>
  base.pipe(
    HttpClient.withTracerPropagation(false),
    HttpClient.withTracerDisabledWhen(() => true),
    HttpClient.transformResponse((effect) =>
      Effect.flatMap(Effect.serviceOption(FetchHttpClient.RequestInit), (init) =>
        Effect.provideService(effect, FetchHttpClient.RequestInit, {
          ...Option.getOrUndefined(init),
          redirect: "manual"
        }))
    )
  )

const probe = (
  client: HttpClient.HttpClient,
  candidate: Candidate,
  token: string | undefined,
  expected: string,
  timeout: Duration.Duration
): Effect.Effect<ServerIdentity, PlexConnectionFailure> => {
  const url = candidate.connection.uri.replace(/\/+$/, "") + "/identity"
  const headers: Record<string, string> = token === undefined
    ? { accept: "application/json" }
    : { accept: "application/json", "x-plex-token": token }
  const fail = (reason: PlexConnectionFailureReason, status?: number) =>
    Effect.fail(failureOf(candidate, reason, status))
  const answer = (
    response: HttpClientResponse.HttpClientResponse
  ): Effect.Effect<ServerIdentity, PlexConnectionFailure> => {
    if (response.status !== 200) return Effect.zipRight(discard(response), fail("HttpStatus", response.status))
    return readText(response, identityLimit).pipe(
      Effect.matchEffect({
        onFailure: (error) => error._tag === "PlexDecodeError" ? fail("Unrecognized") : fail("Reset"),
        onSuccess: (text) => {
          const identity = identityOf(text)
          if (Option.isNone(identity)) return fail("Unrecognized")
          return identity.value.machineIdentifier === expected ? Effect.succeed(identity.value) : fail("WrongMachine")
        }
      })
    )
  }
  return Effect.suspend(() => {
    let request: HttpClientRequest.HttpClientRequest
    try {
      request = HttpClientRequest.get(url, { headers })
    } catch {
      return fail("Other")
    }
    return client.execute(request).pipe(
      Effect.catchAll((error) => fail(reasonOfTransport(error))),
      Effect.flatMap(answer),
      Effect.timeoutFail({ duration: timeout, onTimeout: () => failureOf(candidate, "Timeout") })
    )
  })
}

/** The request without its token header: `modify` and `setHeaders` only add headers, so it is made anew. */
const stripToken = (request: HttpClientRequest.HttpClientRequest): HttpClientRequest.HttpClientRequest =>
  HttpClientRequest.make(request.method)(request.url, {
    headers: Headers.remove(request.headers, "x-plex-token"),
    urlParams: request.urlParams,
    ...(Option.isSome(request.hash) ? { hash: request.hash.value } : {})
  }).pipe(HttpClientRequest.setBody(request.body))

/** The token header out of a failed request, so the error prints no token even outside a fiber. */
const withoutToken = (error: HttpClientError.HttpClientError): HttpClientError.HttpClientError =>
  error._tag === "RequestError"
    ? new HttpClientError.RequestError({
      request: stripToken(error.request),
      reason: error.reason,
      cause: error.cause,
      ...(error.description === undefined ? {} : { description: error.description })
    })
    : error

const redactToken = Arr.append("x-plex-token")

/** A client for the chosen server: its URI before each request's path, the token in `X-Plex-Token`. */
const serverClient = (base: HttpClient.HttpClient, uri: string, token: string | undefined): HttpClient.HttpClient =>
  guarded(base).pipe(
    HttpClient.mapRequest((request) => {
      const located = HttpClientRequest.prependUrl(request, uri.replace(/\/+$/, ""))
      return token === undefined ? located : HttpClientRequest.setHeader(located, "x-plex-token", token)
    }),
    HttpClient.transformResponse((effect) =>
      Effect.locallyWith(Effect.mapError(effect, withoutToken), Headers.currentRedactedNames, redactToken)
    )
  )

const invalid = (argument: string, reason: string) => new PlexInvalidInputError({ argument, reason })

const durationOf = (
  value: unknown,
  fallback: Duration.Duration,
  argument: string
): Duration.Duration | PlexInvalidInputError => {
  if (value === undefined) return fallback
  if (typeof value === "number" && !(value >= 0)) return invalid(argument, "must be a finite, non-negative duration")
  const decoded = Duration.decodeUnknown(value)
  if (Option.isNone(decoded) || !Duration.isFinite(decoded.value) || Duration.toMillis(decoded.value) < 0) {
    return invalid(argument, "must be a finite, non-negative duration")
  }
  return decoded.value
}

interface Checked {
  readonly first: boolean
  readonly timeout: Duration.Duration
  readonly grace: Duration.Duration
  readonly allowUnownedLocal: boolean
}

const checkOptions = (options: unknown): Checked | PlexInvalidInputError => {
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    return invalid("options", "must be an object")
  }
  const o = (options ?? {}) as Record<string, unknown>
  if (o.prefer !== undefined && o.prefer !== "best" && o.prefer !== "first") {
    return invalid("prefer", "must be \"best\" or \"first\"")
  }
  if (o.allowUnownedLocal !== undefined && typeof o.allowUnownedLocal !== "boolean") {
    return invalid("allowUnownedLocal", "must be a boolean")
  }
  const timeout = durationOf(o.timeout, defaultProbeTimeout, "timeout")
  if (!Duration.isDuration(timeout)) return timeout
  if (Duration.toMillis(timeout) === 0) return invalid("timeout", "must be longer than zero")
  const grace = durationOf(o.grace, defaultGrace, "grace")
  if (!Duration.isDuration(grace)) return grace
  return { first: o.prefer === "first", timeout, grace, allowUnownedLocal: o.allowUnownedLocal === true }
}

interface Outcome {
  readonly candidate: Candidate
  readonly result: Either.Either<ServerIdentity, PlexConnectionFailure>
}

/** The race itself: all probes forked in a scope, so that closing it interrupts every one left. */
const race = (
  client: HttpClient.HttpClient,
  candidates: ReadonlyArray<Candidate>,
  token: string | undefined,
  expected: string,
  options: Checked
): Effect.Effect<{ readonly winner?: Outcome; readonly failures: ReadonlyArray<PlexConnectionFailure> }> =>
  Effect.scoped(Effect.gen(function*() {
    const queue = yield* Queue.unbounded<Outcome>()
    for (const candidate of candidates) {
      yield* Effect.forkScoped(
        Effect.flatMap(
          Effect.either(probe(client, candidate, token, expected, options.timeout)),
          (result) => Queue.offer(queue, { candidate, result })
        )
      )
    }
    const pending = new Set(candidates)
    const failures: Array<PlexConnectionFailure> = []
    const graceMillis = Duration.toMillis(options.grace)
    let winner: Outcome | undefined
    let graceEndsAt: number | undefined
    while (pending.size > 0) {
      if (winner !== undefined) {
        if (options.first) break
        let bestLeft = Infinity
        for (const candidate of pending) bestLeft = Math.min(bestLeft, candidate.score)
        if (winner.candidate.score <= bestLeft) break // nothing better can still answer
      }
      let next: Outcome
      if (graceEndsAt === undefined) {
        next = yield* Queue.take(queue)
      } else {
        // within the grace, wait for the next outcome; past it, only take the ones already in
        const left = graceEndsAt - (yield* Clock.currentTimeMillis)
        const taken = left > 0
          ? yield* Effect.option(Effect.timeout(Queue.take(queue), Duration.millis(left)))
          : yield* Queue.poll(queue)
        if (Option.isNone(taken)) break
        next = taken.value
      }
      pending.delete(next.candidate)
      if (Either.isLeft(next.result)) {
        failures.push(next.result.left)
      } else if (winner === undefined || next.candidate.score < winner.candidate.score) {
        winner = next
        if (graceEndsAt === undefined) graceEndsAt = (yield* Clock.currentTimeMillis) + graceMillis
      }
    }
    return winner === undefined ? { failures } : { winner, failures }
  }))

export const connect = (
  resource: PlexResource,
  options?: ConnectOptions
): Effect.Effect<ServerConnection, PlexConnectError | PlexInvalidInputError, HttpClient.HttpClient> =>
  Effect.suspend(
    (): Effect.Effect<ServerConnection, PlexConnectError | PlexInvalidInputError, HttpClient.HttpClient> => {
      const checked = checkOptions(options)
      if (!("first" in checked)) return Effect.fail(checked)
      // no token (a player's resource) or an empty one: the probe goes without `X-Plex-Token`
      const value = resource.accessToken === undefined ? "" : Redacted.value(resource.accessToken)
      const token = value === "" ? undefined : value
      if (token !== undefined && !tokenShape.test(token)) {
        return Effect.fail(invalid("accessToken", "holds characters a token never has, or is longer than 16 KiB"))
      }
      const skipLocal = !resource.isOwned && !checked.allowUnownedLocal
      const skipped: Array<PlexConnectionFailure> = []
      const candidates: Array<Candidate> = []
      resource.connections.forEach((connection, index) => {
        const kind = rank(connection)
        if (kind === 0 && skipLocal) skipped.push(failureOf({ index, connection }, "Skipped"))
        else candidates.push({ index, connection, score: kind * 2 + (isHttps(connection) ? 0 : 1) })
      })
      return Effect.flatMap(HttpClient.HttpClient, (base) =>
        Effect.flatMap(
          race(guarded(base), candidates, token, resource.clientIdentifier, checked),
          ({ failures, winner }) => {
            if (winner === undefined || Either.isLeft(winner.result)) {
              return Effect.fail(
                new PlexConnectError({
                  server: resource.name,
                  clientIdentifier: resource.clientIdentifier,
                  failures: [...skipped, ...failures].sort((a, b) => a.index - b.index)
                })
              )
            }
            const { connection, index } = winner.candidate
            const client = serverClient(base, connection.uri, token)
            return Effect.succeed<ServerConnection>({
              resource,
              connection,
              index,
              identity: winner.result.right,
              client,
              layer: Layer.merge(
                Layer.succeed(HttpClient.HttpClient, client),
                Layer.fiberRefLocallyScopedWith(Headers.currentRedactedNames, redactToken)
              )
            })
          }
        ))
    }
  ).pipe(
    Effect.withSpan("PlexResources.connect", {
      kind: "client",
      attributes: { "plex.connections": resource.connections.length }
    })
  )
