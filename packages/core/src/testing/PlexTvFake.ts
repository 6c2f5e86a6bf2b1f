/**
 * @since 0.1.0
 */
import type * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import type { FakeRequest, FakeResponse, FakeToken, PlexTvOptions, PlexTvSettings, PlexTvState } from "./PlexTvModel.js"
import { PlexTvModel } from "./PlexTvModel.js"
import type { FakeFaultPlan, FakeTransportStats } from "./FakeFault.js"
import { type FakeMediaRequest, FakeMediaServer } from "./FakeMediaServer.js"
import { finish, needsCrypto, prepare } from "./internal/crypto.js"
import { type Counters, respond, statsOf } from "./internal/memoryDoor.js"

/**
 * Control of a running fake plex.tv: answer requests, look at its state, change it.
 *
 * @since 0.1.0
 * @category testing
 * @example
 * import { PlexTvFake } from "@effect-plex/core/testing"
 * import * as Effect from "effect/Effect"
 *
 * const attempts = Effect.flatMap(PlexTvFake, (fake) => fake.signInAttempts)
 */
export interface PlexTvFakeService {
  /**
   * Answers one request, at the time of the Effect `Clock` (so `TestClock` drives it), after the
   * fault plan's latency. A transport fault on the answer is left to the front door to perform.
   */
  readonly handle: (request: FakeRequest) => Effect.Effect<FakeResponse>
  readonly state: Effect.Effect<PlexTvState>
  /** Applies a pure change to the state, such as `PlexTvModel.revokeToken`. */
  readonly update: (f: (state: PlexTvState) => PlexTvState) => Effect.Effect<void>
  readonly configure: (settings: Partial<PlexTvSettings>) => Effect.Effect<void>
  /** Every sign-in request that reached plex.tv: proves a sign-in was not retried. */
  readonly signInAttempts: Effect.Effect<number>
  readonly requests: Effect.Effect<PlexTvState["log"]>
  readonly token: (token: string) => Effect.Effect<FakeToken | undefined>
  readonly revokeToken: (token: string) => Effect.Effect<void>
  /**
   * Approves the pending PIN with this code for the account with this username or e-mail, as the
   * user would in the browser, at the time of the Effect `Clock`. Fails when there is no such
   * account or no pending (unexpired, unlinked) PIN with that code.
   */
  readonly linkPin: (code: string, login: string) => Effect.Effect<void, Cause.NoSuchElementException>
  /**
   * Replaces the fault plan (see `FakeFaultPlan`); `{}` turns faults off. The faults injected so
   * far are in `state`'s `faults.injected`, and each faulted request's log entry names its fault.
   */
  readonly faults: (plan: FakeFaultPlan) => Effect.Effect<void>
  /** What the in-memory `HttpClient` of `PlexTvFake.layer` saw: aborted requests, bytes of fault bodies. */
  readonly transportStats: Effect.Effect<FakeTransportStats>
  /**
   * The requests the fake media servers (`mediaServers`, see `FakeMediaServer`) got through the
   * in-memory `HttpClient`, in order. A refused or TLS-failing server gets none.
   */
  readonly mediaRequests: Effect.Effect<ReadonlyArray<FakeMediaRequest>>
  /**
   * The index of the media server of each request whose client left before the answer (an
   * interrupted probe), in order.
   */
  readonly mediaAborted: Effect.Effect<ReadonlyArray<number>>
}

const counters = new WeakMap<PlexTvFakeService, Counters>()

interface MediaLog {
  readonly requests: Array<FakeMediaRequest>
  readonly aborted: Array<number>
}

const mediaLogs = new WeakMap<PlexTvFakeService, MediaLog>()

const mediaLogOf = (fake: PlexTvFakeService): MediaLog => {
  let found = mediaLogs.get(fake)
  if (found === undefined) {
    found = { requests: [], aborted: [] }
    mediaLogs.set(fake, found)
  }
  return found
}

const countersOf = (fake: PlexTvFakeService): Counters => {
  let found = counters.get(fake)
  if (found === undefined) {
    found = { requests: 0, aborted: 0, streamedBytes: 0 }
    counters.set(fake, found)
  }
  return found
}

const make = (options: PlexTvOptions): Effect.Effect<PlexTvFakeService> =>
  Effect.map(Ref.make(PlexTvModel.make(options)), (ref) => {
    const update = (f: (state: PlexTvState) => PlexTvState) => Ref.update(ref, f)
    const answer = (request: FakeRequest) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const crypto = needsCrypto(request)
        if (!crypto) return yield* Ref.modify(ref, (state) => PlexTvModel.handle(state, request, now))
        const before = yield* Ref.get(ref)
        const known = yield* Effect.promise(() => prepare(before, request))
        const response = yield* Ref.modify(ref, (state) => PlexTvModel.handle(state, request, now, known))
        return yield* Effect.promise(() => finish(before, response))
      })
    const service: PlexTvFakeService = {
      handle: (request) =>
        Effect.tap(answer(request), (response) =>
          response.delayMillis === undefined || response.delayMillis <= 0
            ? Effect.void
            : Effect.sleep(Duration.millis(response.delayMillis))),
      state: Ref.get(ref),
      update,
      configure: (settings) => update((state) => PlexTvModel.configure(state, settings)),
      signInAttempts: Effect.map(Ref.get(ref), (state) => state.signInAttempts),
      requests: Effect.map(Ref.get(ref), (state) => state.log),
      token: (token) => Effect.map(Ref.get(ref), (state) => state.tokens[token]),
      revokeToken: (token) => update((state) => PlexTvModel.revokeToken(state, token)),
      linkPin: (code, login) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Ref.modify(ref, (state) => {
            const wanted = login.toLowerCase()
            const account = state.accounts.find((a) =>
              a.username.toLowerCase() === wanted || a.email.toLowerCase() === wanted
            )
            return account === undefined ? [false, state] : PlexTvModel.linkPin(state, code, account.id, now)
          })).pipe(
            Effect.filterOrFail(
              (linked) => linked,
              () => new Cause.NoSuchElementException(`no pending PIN to link for ${login}`)
            ),
            Effect.asVoid
          ),
      faults: (plan) => update((state) => PlexTvModel.setFaults(state, plan)),
      transportStats: Effect.sync(() => statsOf(countersOf(service))),
      mediaRequests: Effect.sync(() => [...mediaLogOf(service).requests]),
      mediaAborted: Effect.sync(() => [...mediaLogOf(service).aborted])
    }
    return service
  })

const decoder = new TextDecoder()

const bodyText = (body: HttpBody.HttpBody): string => {
  switch (body._tag) {
    case "Uint8Array":
      return decoder.decode(body.body)
    case "Raw":
      return typeof body.body === "string" ? body.body : ""
    default:
      return ""
  }
}

/** What Node's errors look like to a client: a message and a system code. */
const systemError = (message: string, code: string): Error => Object.assign(new Error(message), { code })

/**
 * A request to a fake media server, in memory: refused or a certificate failure as Node reports
 * them, else its answer after its delay (on the Effect `Clock`); a client that leaves while it waits
 * is counted in `mediaAborted`.
 */
const media = (
  fake: PlexTvFakeService,
  request: HttpClientRequest.HttpClientRequest,
  url: URL,
  faked: FakeRequest
): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.RequestError> =>
  Effect.flatMap(fake.state, (state) => {
    const log = mediaLogOf(fake)
    const index = state.resources.media.findIndex((entry) => new URL(entry.uri).host === url.host)
    const server = state.resources.media[index]?.server
    const transport = (cause: Error) =>
      Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause }))
    if (server === undefined) return transport(systemError(`getaddrinfo ENOTFOUND ${url.hostname}`, "ENOTFOUND"))
    if (server.refuses === true) {
      return transport(systemError("connect ECONNREFUSED (fake media server)", "ECONNREFUSED"))
    }
    if (server.tls === true) {
      return transport(systemError("self-signed certificate (fake media server)", "DEPTH_ZERO_SELF_SIGNED_CERT"))
    }
    log.requests.push(FakeMediaServer.requestOf(index, faked))
    const answer = FakeMediaServer.answer(server, faked)
    const delay = server.delayMillis ?? 0
    return (delay > 0 ? Effect.sleep(Duration.millis(delay)) : Effect.void).pipe(
      Effect.onInterrupt(() => Effect.sync(() => log.aborted.push(index))),
      Effect.as(HttpClientResponse.fromWeb(
        request,
        new Response(answer.body === "" ? null : answer.body, { status: answer.status, headers: answer.headers })
      ))
    )
  })

/**
 * An `HttpClient` whose every request is answered by the fake, in memory, transport faults
 * simulated as a real client would see them (see `internal/memoryDoor.ts`).
 */
const client = (fake: PlexTvFakeService): HttpClient.HttpClient => {
  const stats = countersOf(fake)
  return HttpClient.make((request, url, signal) => {
    const headers: Record<string, string> = { ...request.headers }
    const body = request.body
    if (body._tag !== "Empty" && body.contentType !== undefined && headers["content-type"] === undefined) {
      headers["content-type"] = body.contentType
    }
    const faked = { method: request.method, url: url.pathname + url.search, headers, body: bodyText(request.body) }
    if (FakeMediaServer.isMemoryHost(url.hostname)) return media(fake, request, url, faked)
    stats.requests++
    return fake.handle(faked).pipe(
      Effect.onInterrupt(() => Effect.sync(() => stats.aborted++)), // the caller left while the fake waited
      Effect.flatMap((answer) => respond(request, answer, signal, stats))
    )
  })
}

/**
 * An in-memory plex.tv for tests: the accounts you describe, sign-in with its failures and
 * lockout, `/api/v2/user` with valid, unknown, signed-out and revoked tokens, XML when `Accept` is
 * not JSON, 400/1000 without a client identifier, and 429 past a rate limit. Its behaviour is
 * {@link PlexTvModel}, the same as `PlexTvServer` serves over HTTP. A fault plan (`faults`, see
 * `FakeFaultPlan`) spoils answers on purpose; the in-memory `HttpClient` simulates each fault as a
 * real client would see it (a reset as a transport error, a stalled or endless body as a stream that
 * never ends), its waits on the Effect `Clock`, so `TestClock` drives them. With `mediaServers` (see
 * `FakeMediaServer`), the in-memory `HttpClient` also answers for fake Plex Media Servers at
 * `*.fake-plex.invalid` addresses, which the listed resource "Fake Media Server" points at.
 *
 * @since 0.1.0
 * @category testing
 * @example
 * import { PasswordCredentials, PlexAuth, PlexConfig } from "@effect-plex/core"
 * import { FakeAccount, PlexTvFake } from "@effect-plex/core/testing"
 * import * as Effect from "effect/Effect"
 * import * as Layer from "effect/Layer"
 * import * as Redacted from "effect/Redacted"
 *
 * const TestLayer = PlexAuth.layer.pipe(
 *   Layer.provideMerge(PlexTvFake.layer({ accounts: [FakeAccount.owner] })),
 *   Layer.provide(PlexConfig.layer({ client: { clientIdentifier: "test-client" } }))
 * )
 *
 * const program = Effect.gen(function*() {
 *   const auth = yield* PlexAuth
 *   const user = yield* auth.signIn(
 *     PasswordCredentials.make({ login: "fake-owner", password: Redacted.make("owner-password") })
 *   )
 *   const fake = yield* PlexTvFake
 *   return { user: user.username, attempts: yield* fake.signInAttempts }
 * }).pipe(Effect.provide(TestLayer))
 */
export class PlexTvFake extends Context.Tag("@effect-plex/core/testing/PlexTvFake")<PlexTvFake, PlexTvFakeService>() {
  /** A fake from options, for front doors of your own. */
  static readonly make = make

  /** Only the fake (no `HttpClient`): what `PlexTvServer` serves over HTTP. */
  static readonly layerModel = (options: PlexTvOptions): Layer.Layer<PlexTvFake> =>
    Layer.effect(PlexTvFake, make(options))

  /** The fake and an `HttpClient` answered by it, in memory. */
  static readonly layer = (options: PlexTvOptions): Layer.Layer<PlexTvFake | HttpClient.HttpClient> =>
    Layer.effectContext(
      Effect.map(
        make(options),
        (fake) => Context.make(PlexTvFake, fake).pipe(Context.add(HttpClient.HttpClient, client(fake)))
      )
    )
}
