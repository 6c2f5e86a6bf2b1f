import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { PlexAuth, type PlexError } from "@effect-plex/core"
import { type FakeFault, FakeFault as Fault } from "@effect-plex/core/testing"
import { eventually, startClient, startServer, timed, typedFailure } from "./reliabilitySupport.js"

const TIMEOUT = 400
const MAX_BODY = 1024 * 1024
const config = {
  timeout: `${TIMEOUT} millis`,
  deadline: "3 seconds",
  maxBodySize: MAX_BODY,
  retry: { times: 0 }
} as const

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
  { fault: Fault.delay(5000), tag: "PlexTimeoutError", hangs: true, abandoned: true }
]

describe("each fault over PlexTvServer and undici", () => {
  for (const { abandoned, check, fault, hangs, tag } of cases) {
    it.live(`${Fault.describe(fault)}: ${tag} within the ${TIMEOUT} ms timeout, no socket left open`, () =>
      Effect.gen(function*() {
        const { context, fake, server } = yield* startServer({ plan: { next: [{ fault }] } })
        const client = yield* startClient(context, config)
        const { exit, millis } = yield* timed(client.run(getTokenDetails))
        const error = typedFailure(exit)
        assert.strictEqual(error._tag, tag)
        check?.(error)
        assert.isBelow(millis, TIMEOUT + 300, "outlived its timeout")
        if (hangs === true) assert.isAtLeast(millis, TIMEOUT - 5)
        assert.strictEqual((yield* fake.requests).length, 1)
        if (abandoned === true) {
          // the client closed the connection, without waiting for the client layer to close
          yield* eventually(Effect.map(server.openConnections, (n) => n === 0), "the connection stayed open")
          yield* eventually(Effect.map(server.transportStats, (s) => s.aborted === 1), "the server saw no abort")
        }
        // a huge body is read no further than the limit (plus what the sockets buffer), not 50 MB
        assert.isAtMost((yield* server.transportStats).streamedBytes, MAX_BODY + 15 * 1024 * 1024)
        yield* client.close
        yield* eventually(Effect.map(server.openConnections, (n) => n === 0), "a socket outlived the client")
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
      const client = yield* startClient(context, {
        ...config,
        timeout: "250 millis",
        retry: { times: 2, base: "20 millis" }
      })
      for (const fault of retryable) {
        yield* fake.faults({ next: [{ fault }] })
        const before = (yield* fake.requests).length
        const user = yield* client.run(getTokenDetails)
        assert.strictEqual(user.id, 10000001)
        assert.strictEqual((yield* fake.requests).length - before, 2, Fault.describe(fault))
      }
      yield* client.close
      yield* eventually(Effect.map(server.openConnections, (n) => n === 0), "a socket outlived the client")
    }).pipe(Effect.scoped))

  it.live("a 5% seeded mix over 300 calls at concurrency 32: success or a PlexError, each within its deadline", () =>
    Effect.gen(function*() {
      const { context, fake, server } = yield* startServer({ plan: { random: { rate: 0.05, seed: 5 } } })
      const client = yield* startClient(context, {
        ...config,
        timeout: "300 millis",
        deadline: "1 second",
        retry: { times: 2, base: "20 millis" }
      })
      const results = yield* Effect.forEach(
        Array.from({ length: 300 }),
        () => timed(client.run(getTokenDetails)),
        { concurrency: 32 }
      )
      for (const { exit, millis } of results) {
        if (exit._tag === "Failure") typedFailure(exit)
        assert.isBelow(millis, 1000 + 300)
      }
      const injected = (yield* fake.state).faults.injected
      assert.isAbove(Object.values(injected).reduce((a, b) => a + (b ?? 0), 0), 0)
      yield* client.close
      yield* eventually(Effect.map(server.openConnections, (n) => n === 0), "a socket outlived the client")
    }).pipe(Effect.scoped))
})
