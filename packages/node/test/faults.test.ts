import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { PlexAuth, type PlexError } from "@effect-plex/core"
import { type FakeFault, FakeFault as Fault } from "@effect-plex/core/testing"
import { PlexTvServer } from "@effect-plex/node/testing"
import { eventually, startClient, startServer, timed, typedFailure } from "./reliabilitySupport.js"

/**
 * The per-attempt timeout of the faults that hang: what ends them. The others get a timeout far
 * longer than they need even on a loaded machine, so that they end by what the fault does, never
 * by a timer; every bound on wall-clock time here is wide (a hang, not a few ms late, fails).
 */
const TIMEOUT = 400
const SLACK = 10_000
const MAX_BODY = 1024 * 1024
const configFor = (hangs: boolean | undefined) => ({
  timeout: hangs === true ? `${TIMEOUT} millis` : "20 seconds",
  deadline: "30 seconds",
  maxBodySize: MAX_BODY,
  retry: { times: 0 }
} as const)

const getTokenDetails = Effect.flatMap(PlexAuth, (auth) => auth.getTokenDetails(Redacted.make("FAKEtokenOwner000001")))

interface Case {
  readonly fault: FakeFault
  readonly tag: PlexError["_tag"]
  readonly check?: (error: PlexError) => void
  /** Ends by the per-attempt timeout. */
  readonly hangs?: boolean
  /** The client gives up on the answer: the server sees the connection closed before it finished. */
  readonly abandoned?: boolean
}

const status = (expected: number) => (error: PlexError) =>
  assert.strictEqual(error._tag === "PlexHttpError" && error.status, expected)
const reason = (pattern: RegExp) => (error: PlexError) =>
  assert.match(error._tag === "PlexTransportError" ? error.reason : "", pattern)
const tooLarge = (error: PlexError) => assert.strictEqual(error._tag === "PlexDecodeError" && error.reason, "TooLarge")
const notTooLarge = (error: PlexError) =>
  assert.isTrue(error._tag === "PlexDecodeError" && error.reason === undefined, String(error))
/** A 401/422 whose body is not plex.tv's error list says nothing about the token: not InvalidToken. */
const unauthorized = (error: PlexError) =>
  assert.strictEqual(error._tag === "PlexUnauthorizedError" && error.reason, "UnrecognizedAnswer")
const MARKUP = 256 * 1024
const BOMB = 64 * 1024 * 1024

const cases: ReadonlyArray<Case> = [
  { fault: Fault.status(500), tag: "PlexHttpError", check: status(500) },
  { fault: Fault.status(502), tag: "PlexHttpError", check: status(502) },
  { fault: Fault.status(503), tag: "PlexHttpError", check: status(503) },
  { fault: Fault.status(504), tag: "PlexHttpError", check: status(504) },
  { fault: Fault.status(429), tag: "PlexRateLimitError" },
  { fault: Fault.status(429, { retryAfter: 2 }), tag: "PlexRateLimitError" },
  { fault: Fault.htmlErrorPage(502), tag: "PlexHttpError", check: status(502) },
  { fault: Fault.xmlBody, tag: "PlexDecodeError" },
  { fault: Fault.truncatedJson, tag: "PlexDecodeError" },
  { fault: Fault.resetBeforeResponse, tag: "PlexTransportError", check: reason(/ECONNRESET|UND_ERR_SOCKET/) },
  { fault: Fault.resetMidBody, tag: "PlexTransportError", check: reason(/body cut off/) },
  { fault: Fault.endlessBody, tag: "PlexTimeoutError", hangs: true, abandoned: true },
  { fault: Fault.headersThenSilence, tag: "PlexTimeoutError", hangs: true, abandoned: true },
  { fault: Fault.hugeBody({ contentLength: true }), tag: "PlexDecodeError", check: tooLarge, abandoned: true },
  { fault: Fault.hugeBody({ contentLength: false }), tag: "PlexDecodeError", check: tooLarge, abandoned: true },
  { fault: Fault.delay(5000), tag: "PlexTimeoutError", hangs: true, abandoned: true },
  // hostile bodies
  { fault: Fault.hugeBody({ bytes: MAX_BODY - 1024 }), tag: "PlexDecodeError", check: notTooLarge },
  {
    fault: Fault.hugeBody({ bytes: MAX_BODY - 1024, contentLength: false }),
    tag: "PlexDecodeError",
    check: notTooLarge
  },
  { fault: Fault.hugeBody({ bytes: MAX_BODY + 1 }), tag: "PlexDecodeError", check: tooLarge },
  { fault: Fault.hugeBody({ bytes: MAX_BODY + 1, contentLength: false }), tag: "PlexDecodeError", check: tooLarge },
  { fault: Fault.hugeBody({ bytes: MAX_BODY + 1, status: 503 }), tag: "PlexHttpError", check: status(503) },
  ...(["unclosedAttribute", "repeatedOpen", "entityRun"] as const).flatMap((pattern): ReadonlyArray<Case> => [
    {
      fault: Fault.hostileMarkup(pattern, { status: 401, bytes: MARKUP }),
      tag: "PlexUnauthorizedError",
      check: unauthorized
    },
    {
      fault: Fault.hostileMarkup(pattern, { status: 422, contentType: "html", bytes: MARKUP }),
      tag: "PlexUnauthorizedError",
      check: unauthorized
    },
    { fault: Fault.hostileMarkup(pattern, { status: 503, bytes: MARKUP }), tag: "PlexHttpError", check: status(503) },
    { fault: Fault.hostileMarkup(pattern, { status: 200, contentType: "html", bytes: MARKUP }), tag: "PlexDecodeError" }
  ]),
  { fault: Fault.deepJson("array"), tag: "PlexDecodeError" },
  { fault: Fault.deepJson("object", { status: 401 }), tag: "PlexUnauthorizedError", check: unauthorized },
  { fault: Fault.malformedJson(), tag: "PlexDecodeError" },
  { fault: Fault.malformedJson(500), tag: "PlexHttpError", check: status(500) },
  { fault: Fault.slowDrip(), tag: "PlexTimeoutError", hangs: true, abandoned: true },
  // the lean client does not inflate: the compressed bytes are not JSON
  { fault: Fault.compressionBomb("gzip", BOMB), tag: "PlexDecodeError" },
  { fault: Fault.compressionBomb("deflate", BOMB), tag: "PlexDecodeError" },
  { fault: Fault.redirect(302), tag: "PlexHttpError", check: status(302) },
  { fault: Fault.redirect(308), tag: "PlexHttpError", check: status(308) }
]

describe("each fault over PlexTvServer and undici", () => {
  for (const { abandoned, check, fault, hangs, tag } of cases) {
    const ends = hangs === true ? `by the ${TIMEOUT} ms timeout` : "by itself"
    it.live(`${Fault.describe(fault)}: ${tag} ${ends}, no socket left open`, () =>
      Effect.gen(function*() {
        const { context, fake, server } = yield* startServer({ plan: { next: [{ fault }] } })
        const client = yield* startClient(context, configFor(hangs))
        const { exit, millis } = yield* timed(client.run(getTokenDetails))
        const error = typedFailure(exit)
        assert.strictEqual(error._tag, tag, String(error))
        check?.(error)
        if (hangs === true) {
          // ended by the per-attempt timer (not the deadline, not a hang), and not before it
          assert.strictEqual(error._tag === "PlexTimeoutError" && Duration.toMillis(error.timeout), TIMEOUT)
          assert.isAtLeast(millis, TIMEOUT - 5)
          assert.isBelow(millis, TIMEOUT + SLACK, "outlived its timeout")
        }
        assert.strictEqual((yield* fake.requests).length, 1)
        if (abandoned === true) {
          // the client closed the connection, without waiting for the client layer to close
          yield* eventually(Effect.map(server.openConnections, (n) => n === 0), "the connection stayed open", SLACK)
          yield* eventually(Effect.map(server.transportStats, (s) => s.aborted === 1), "the server saw no abort", SLACK)
        }
        // a huge body is read no further than the limit (plus what the sockets buffer), not 50 MB
        assert.isAtMost((yield* server.transportStats).streamedBytes, MAX_BODY + 15 * 1024 * 1024)
        yield* client.close
        yield* eventually(Effect.map(server.openConnections, (n) => n === 0), "a socket outlived the client", SLACK)
      }).pipe(Effect.scoped))
  }

  it.live("each fault once, with retries on: getTokenDetails recovers from every retryable one", () =>
    Effect.gen(function*() {
      const retryable = [
        Fault.status(502),
        Fault.status(503),
        Fault.status(504),
        Fault.status(429, { retryAfter: 0 }),
        Fault.htmlErrorPage(503),
        Fault.resetBeforeResponse,
        Fault.resetMidBody,
        Fault.endlessBody,
        Fault.headersThenSilence,
        Fault.delay(5000)
      ]
      const { context, fake, server } = yield* startServer()
      // a timeout long enough for a clean answer on a busy machine: the hanging faults end by it
      const client = yield* startClient(context, {
        timeout: "1 second",
        deadline: "30 seconds",
        maxBodySize: MAX_BODY,
        retry: { times: 3, base: "20 millis" }
      })
      for (const fault of [...retryable, Fault.slowDrip(), Fault.hostileMarkup("repeatedOpen", { status: 503 })]) {
        yield* fake.faults({ next: [{ fault }] })
        const before = (yield* fake.requests).length
        const user = yield* client.run(getTokenDetails)
        assert.strictEqual(user.id, 10000001)
        const log = (yield* fake.requests).slice(before)
        // the faulted answer, then a retry that got through (a clean attempt a busy machine timed out
        // would add a request, never a second fault)
        assert.strictEqual(log[0]?.fault, fault._tag, Fault.describe(fault))
        assert.strictEqual(log.filter((entry) => entry.fault !== undefined).length, 1, Fault.describe(fault))
        assert.strictEqual(log.at(-1)?.status, 200, Fault.describe(fault))
      }
      yield* client.close
      yield* eventually(Effect.map(server.openConnections, (n) => n === 0), "a socket outlived the client", SLACK)
    }).pipe(Effect.scoped))

  for (const [name, faults] of [["5% seeded mix", undefined], ["5% seeded hostile mix", Fault.hostileMix]] as const) {
    it.live(
      `a ${name} over 300 calls at concurrency 32: success or a PlexError, none past its deadline`,
      () =>
        Effect.gen(function*() {
          const { context, fake, server } = yield* startServer({ plan: { random: { rate: 0.05, seed: 5, faults } } })
          const client = yield* startClient(context, {
            timeout: "300 millis",
            deadline: "1 second",
            maxBodySize: MAX_BODY,
            retry: { times: 2, base: "20 millis" }
          })
          const results = yield* Effect.forEach(
            Array.from({ length: 300 }),
            () => timed(client.run(getTokenDetails)),
            { concurrency: 32 }
          )
          for (const { exit, millis } of results) {
            if (exit._tag === "Failure") {
              const error = typedFailure(exit)
              // no timer of a call runs past its deadline: a timeout is the attempt's or the deadline's
              if (error._tag === "PlexTimeoutError") assert.include([300, 1000], Duration.toMillis(error.timeout))
            }
            // the deadline holds (pnpm soak measures by how much; here only a hang would fail)
            assert.isBelow(millis, 1000 + SLACK)
          }
          const injected = (yield* fake.state).faults.injected
          assert.isAbove(Object.values(injected).reduce((a, b) => a + (b ?? 0), 0), 0)
          yield* client.close
          yield* eventually(Effect.map(server.openConnections, (n) => n === 0), "a socket outlived the client", SLACK)
        }).pipe(Effect.scoped),
      60_000
    )
  }
})

describe("hostile answers over PlexTvServer and the platform's fetch client", () => {
  // fetch inflates gzip/deflate and follows redirects unless told not to
  const run = (fault: FakeFault) =>
    Effect.gen(function*() {
      const { context, server } = yield* startServer({ plan: { next: [{ fault }] } })
      const layer = PlexAuth.layer.pipe(
        Layer.provide(PlexTvServer.layerConfig({ clientIdentifier: "node-fetch-test" }, configFor(false))),
        Layer.provide(FetchHttpClient.layer),
        Layer.provide(Layer.succeedContext(context))
      )
      const error = typedFailure(yield* Effect.exit(Effect.provide(getTokenDetails, Layer.orDie(layer))))
      return { error, stats: yield* server.transportStats }
    }).pipe(Effect.scoped)

  for (const encoding of ["gzip", "deflate"] as const) {
    it.live(
      `a ${encoding} bomb: inflated no further than maxBodySize, PlexDecodeError TooLarge`,
      () =>
        Effect.gen(function*() {
          const { error } = yield* run(Fault.compressionBomb(encoding, BOMB))
          tooLarge(error)
        }),
      60_000
    )
  }

  it.live("the other port counts who follows: a plain fetch that follows the redirect is seen there", () =>
    Effect.gen(function*() {
      const { fake, server } = yield* startServer({ plan: { next: [{ fault: Fault.redirect(307) }] } })
      const response = yield* Effect.promise(() =>
        fetch(`${server.baseUrl}/api/v2/user`, {
          headers: { accept: "application/json", "x-plex-client-identifier": "follows" },
          signal: AbortSignal.timeout(SLACK)
        })
      )
      yield* Effect.promise(() => response.arrayBuffer())
      assert.strictEqual(response.status, 404) // the other port's answer
      assert.match(response.url, /^http:\/\/127\.0\.0\.1:\d+\/followed\/\d+\/api\/v2\/user$/)
      assert.notInclude(response.url, server.baseUrl)
      assert.strictEqual((yield* server.transportStats).redirectsFollowed, 1)
      assert.strictEqual((yield* fake.requests).length, 1)
    }).pipe(Effect.scoped))

  for (const code of [302, 307, 308]) {
    it.live(`a ${code} to another 127.0.0.1 port is not followed: the token never goes there`, () =>
      Effect.gen(function*() {
        const { error, stats } = yield* run(Fault.redirect(code))
        status(code)(error)
        assert.strictEqual(stats.redirectsFollowed ?? 0, 0)
      }))
  }
})
