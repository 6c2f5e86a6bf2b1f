/**
 * PlexResources.connect over real sockets: undici against fake Plex Media Servers that PlexTvServer
 * starts on 127.0.0.1 (one answering, one slow, one whose port refuses, one naming another machine,
 * one speaking only TLS with a self-signed certificate), listed by the fake plex.tv served over HTTP.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import { PlexConfig, type PlexConnectOptions, PlexError, PlexResources } from "@effect-plex/core"
import { FakeAccount, FakeMediaServer, type FakeMediaServerOptions, PlexTvFake } from "@effect-plex/core/testing"
import { PlexNode } from "@effect-plex/node"
import { PlexTvServer, type RunningMediaServer } from "@effect-plex/node/testing"
import { assertNoSecrets, CLIENT_ID } from "./support.js"

const OWNER_TOKEN = "FAKEtokenOwner000001"

const overHttp = (
  mediaServers: ReadonlyArray<FakeMediaServerOptions>,
  client: Layer.Layer<HttpClient.HttpClient> = PlexNode.layerHttpClient
) =>
  PlexResources.layer.pipe(
    Layer.provide(PlexTvServer.layerConfig({ clientIdentifier: CLIENT_ID })),
    Layer.provideMerge(client),
    Layer.provideMerge(
      PlexTvServer.layer({ accounts: [FakeAccount.owner], settings: { rateLimit: undefined }, mediaServers })
    )
  )

const inMemory = (mediaServers: ReadonlyArray<FakeMediaServerOptions>) =>
  PlexResources.layer.pipe(
    Layer.provide(PlexConfig.layer({ client: { clientIdentifier: CLIENT_ID } })),
    Layer.provideMerge(
      PlexTvFake.layer({ accounts: [FakeAccount.owner], settings: { rateLimit: undefined }, mediaServers })
    )
  )

const connectListed = (options?: PlexConnectOptions) =>
  Effect.gen(function*() {
    const resources = yield* PlexResources
    const all = yield* resources.list(Redacted.make(OWNER_TOKEN))
    const resource = all.find((r) => r.name === "Fake Media Server") ?? assert.fail("not listed")
    return yield* PlexResources.connect(resource, options)
  })

const servers = Effect.map(PlexTvServer, (server) => server.mediaServers)

/** Polls until the value passes (sockets close asynchronously), for at most 5 seconds. */
const eventually = <A>(value: Effect.Effect<A>, passes: (a: A) => boolean) =>
  value.pipe(
    Effect.filterOrFail(passes),
    Effect.retry(Schedule.spaced("20 millis").pipe(Schedule.upTo("5 seconds"))),
    Effect.orElse(() => value)
  )

const open = (server: RunningMediaServer) => eventually(server.openConnections, (n) => n === 0)

describe("PlexResources.connect over HTTP", () => {
  it.live("past a refused port, another machine and a TLS failure, the answering server wins", () =>
    Effect.gen(function*() {
      const connected = yield* connectListed({ prefer: "first" })
      const media = yield* servers
      assert.strictEqual(connected.index, 4)
      assert.strictEqual(connected.connection.uri, media[4]!.uri)
      assert.strictEqual(connected.identity.machineIdentifier, FakeMediaServer.machineIdentifier)
      // the slow local one was probed, and its socket closed when the winner answered
      assert.lengthOf(yield* media[0]!.requests, 1)
      assert.strictEqual(yield* open(media[0]!), 0)
      assert.strictEqual(yield* eventually(media[0]!.aborted, (n) => n === 1), 1)
      // the TLS-only server never saw a request; the others got the token in the header
      assert.lengthOf(yield* media[3]!.requests, 0)
      for (const index of [0, 2, 4]) {
        for (const request of yield* media[index]!.requests) {
          assert.deepInclude(request, { path: "/identity", tokenIn: "header", tokenMatches: true })
        }
      }
    }).pipe(Effect.provide(overHttp([
      FakeMediaServer.slow({ local: true }),
      FakeMediaServer.refusing(),
      FakeMediaServer.otherMachine(),
      FakeMediaServer.httpsOnly(),
      FakeMediaServer.answering()
    ]))))

  it.live("prefer best waits the grace for a better connection, then closes its socket", () =>
    Effect.gen(function*() {
      const started = Date.now()
      const connected = yield* connectListed({ grace: "300 millis" })
      const media = yield* servers
      assert.strictEqual(connected.index, 1)
      assert.isAtLeast(Date.now() - started, 250) // it waited for the local one
      assert.strictEqual(yield* open(media[0]!), 0)
    }).pipe(Effect.provide(overHttp([FakeMediaServer.slow({ local: true }), FakeMediaServer.answering()]))))

  it.live("every failure, one per connection, the slow one's socket closed at its timeout", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(connectListed({ timeout: "1 second" }))
      if (error._tag !== "PlexConnectError") return assert.fail(error._tag)
      assert.deepStrictEqual(error.failures.map((f) => [f.index, f.protocol, f.reason, f.status]), [
        [0, "http", "Timeout", undefined],
        [1, "http", "Refused", undefined],
        [2, "http", "WrongMachine", undefined],
        [3, "https", "Tls", undefined],
        [4, "http", "HttpStatus", 401]
      ])
      assert.isTrue(PlexError.isRetryable(error))
      assertNoSecrets(error, [FakeMediaServer.accessToken, OWNER_TOKEN])
      assert.strictEqual(yield* open((yield* servers)[0]!), 0)
    }).pipe(Effect.provide(overHttp([
      FakeMediaServer.slow(),
      FakeMediaServer.refusing(),
      FakeMediaServer.otherMachine(),
      FakeMediaServer.httpsOnly(),
      FakeMediaServer.status(401)
    ]))))

  it.live("interrupting connect closes every probe's socket", () =>
    Effect.gen(function*() {
      const media = yield* servers
      const fiber = yield* Effect.fork(connectListed())
      for (const server of media) yield* eventually(server.requests, (requests) => requests.length === 1)
      yield* Fiber.interrupt(fiber)
      for (const server of media) {
        assert.strictEqual(yield* open(server), 0)
        assert.strictEqual(yield* eventually(server.aborted, (n) => n === 1), 1)
      }
    }).pipe(Effect.provide(overHttp([FakeMediaServer.slow(), FakeMediaServer.slow({ local: true })]))))

  it.live("the server client sends to the chosen URI with the resource's token", () =>
    Effect.gen(function*() {
      const connected = yield* connectListed()
      const body = yield* HttpClient.get("/identity").pipe(
        Effect.flatMap((response) => response.json),
        Effect.provide(connected.layer)
      )
      assert.deepInclude(
        (body as { MediaContainer: Record<string, unknown> }).MediaContainer,
        { machineIdentifier: FakeMediaServer.machineIdentifier }
      )
      const requests = yield* (yield* servers)[1]!.requests
      assert.strictEqual(requests.length, 2)
      assert.deepInclude(requests[1]!, { path: "/identity", tokenIn: "header", tokenMatches: true })
    }).pipe(Effect.provide(overHttp([FakeMediaServer.refusing(), FakeMediaServer.answering()]))))
})

describe("PlexResources.connect over the platform's HTTP clients", () => {
  const clients = [
    ["@effect/platform-node's undici client", PlexNode.layerPlatformHttpClient],
    ["fetch", FetchHttpClient.layer]
  ] as const
  for (const [name, client] of clients) {
    it.live(`${name}: the winner found, the losers' and an interrupted connect's sockets closed`, () =>
      Effect.gen(function*() {
        const media = yield* servers
        const connected = yield* connectListed({ prefer: "first" })
        assert.strictEqual(connected.index, 3)
        assert.deepStrictEqual(
          [yield* open(media[0]!), yield* eventually(media[0]!.aborted, (n) => n === 1)],
          [0, 1]
        )
        const fiber = yield* Effect.fork(connectListed())
        yield* eventually(media[0]!.requests, (requests) => requests.length === 2)
        yield* Fiber.interrupt(fiber)
        assert.strictEqual(yield* open(media[0]!), 0)
        const error = yield* Effect.flip(
          connectListed({ timeout: "500 millis" }).pipe(Effect.provide(overHttp([FakeMediaServer.slow()], client)))
        )
        assert.strictEqual(error._tag, "PlexConnectError")
      }).pipe(Effect.provide(overHttp([
        FakeMediaServer.slow({ local: true }),
        FakeMediaServer.refusing(),
        FakeMediaServer.httpsOnly(),
        FakeMediaServer.answering()
      ], client))))
  }
})

describe("PlexResources.connect: both front doors agree", () => {
  const scenarios: ReadonlyArray<ReadonlyArray<FakeMediaServerOptions>> = [
    [FakeMediaServer.refusing(), FakeMediaServer.otherMachine(), FakeMediaServer.answering({ relay: true })],
    [FakeMediaServer.refusing({ local: true }), FakeMediaServer.httpsOnly(), FakeMediaServer.status(503)]
  ]
  for (const [i, scenario] of scenarios.entries()) {
    it.live(`scenario ${i}`, () =>
      Effect.gen(function*() {
        const run = Effect.map(
          Effect.either(connectListed({ grace: Duration.zero })),
          (result) =>
            result._tag === "Right"
              ? { index: result.right.index, machine: result.right.identity.machineIdentifier }
              : result.left._tag === "PlexConnectError"
              ? result.left.failures.map((f) => [f.index, f.kind, f.protocol, f.reason, f.status])
              : result.left._tag
        )
        const http = yield* Effect.provide(run, overHttp(scenario))
        const memory = yield* Effect.provide(run, inMemory(scenario))
        assert.deepStrictEqual(http, memory)
      }))
  }
})
