/**
 * PlexResources.connect over the in-memory fake: the resource listed by the fake plex.tv, its
 * connections answered by fake media servers (in memory, their delays on the TestClock).
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FastCheck from "effect/FastCheck"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import { inspect } from "node:util"
import {
  PlexConfig,
  PlexConnection,
  type PlexConnectOptions,
  PlexError,
  PlexResource,
  PlexResources,
  type PlexServerConnection
} from "@effect-plex/core"
import { FakeAccount, FakeMediaServer, type FakeMediaServerOptions, PlexTvFake } from "@effect-plex/core/testing"

const OWNER_TOKEN = "FAKEtokenOwner000001"
const SENTINEL = "SENTINEL-connect-7f3a"

const stack = (mediaServers: ReadonlyArray<FakeMediaServerOptions>) =>
  PlexResources.layer.pipe(
    Layer.provide(PlexConfig.layer({ client: { clientIdentifier: "connect-test-client" } })),
    Layer.provideMerge(
      PlexTvFake.layer({ accounts: [FakeAccount.owner], settings: { rateLimit: undefined }, mediaServers })
    )
  )

/** The "Fake Media Server" resource, as plex.tv lists it. */
const listed = Effect.gen(function*() {
  const resources = yield* PlexResources
  const all = yield* resources.list(Redacted.make(OWNER_TOKEN))
  return all.find((resource) => resource.name === "Fake Media Server") ?? assert.fail("not listed")
})

/** The same resource built by hand, to change what plex.tv would say about it. */
const resourceOf = (servers: ReadonlyArray<FakeMediaServerOptions>, changes: Record<string, unknown> = {}) =>
  Schema.decodeUnknownSync(PlexResource)({
    ...FakeMediaServer.resource(servers.map((server, i) => ({ uri: FakeMediaServer.memoryUri(i, server), server }))),
    ...changes
  })

const connectListed = (options?: PlexConnectOptions) =>
  Effect.flatMap(listed, (resource) => PlexResources.connect(resource, options))

const failureOf = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit)) return assert.fail("expected a failure")
  const failure = Cause.failureOption(exit.cause)
  return failure._tag === "Some" ? failure.value : assert.fail(Cause.pretty(exit.cause))
}

/** Forks `connect`, lets `millis` pass on the TestClock, and waits for it. */
const after = <A, E, R>(effect: Effect.Effect<A, E, R>, millis: number) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    yield* TestClock.adjust(millis)
    return yield* Fiber.await(fiber)
  })

const printed = (error: unknown) => [String(error), JSON.stringify(error), inspect(error, { depth: 10 })]

describe("PlexResources.connect: which connection", () => {
  it.effect("takes the one that answers as the resource's machine, past every kind of failure", () =>
    Effect.gen(function*() {
      const connected = yield* connectListed()
      assert.strictEqual(connected.index, 4)
      assert.strictEqual(connected.connection.uri, FakeMediaServer.memoryUri(4, {}))
      assert.strictEqual(connected.identity.machineIdentifier, FakeMediaServer.machineIdentifier)
      assert.strictEqual(connected.resource.clientIdentifier, FakeMediaServer.machineIdentifier)
      const fake = yield* PlexTvFake
      // refused and TLS-failing servers saw no request; the others one GET /identity each, the
      // resource's token in the header, JSON asked for
      const requests = yield* fake.mediaRequests
      assert.deepStrictEqual(requests.map((r) => r.server).sort(), [1, 3, 4])
      for (const request of requests) {
        assert.deepInclude(request, {
          method: "GET",
          path: "/identity",
          tokenIn: "header",
          tokenMatches: true,
          accept: "application/json"
        })
      }
    }).pipe(Effect.provide(stack([
      FakeMediaServer.refusing(),
      FakeMediaServer.otherMachine(),
      FakeMediaServer.httpsOnly(),
      FakeMediaServer.status(401),
      FakeMediaServer.answering()
    ]))))

  it.effect("prefer best: a better connection answering within the grace wins over the first answer", () =>
    Effect.gen(function*() {
      const exit = yield* after(connectListed(), 300)
      assert.isTrue(Exit.isSuccess(exit))
      if (Exit.isSuccess(exit)) assert.strictEqual(exit.value.index, 1) // the local one, 300 ms later
      assert.deepStrictEqual(yield* Effect.flatMap(PlexTvFake, (fake) => fake.mediaAborted), [])
    }).pipe(Effect.provide(stack([
      FakeMediaServer.answering(),
      FakeMediaServer.slow({ local: true, delayMillis: 300 })
    ]))))

  it.effect("prefer best: past the grace the first answer wins, and the slower probe is interrupted", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(connectListed())
      yield* TestClock.adjust(499)
      assert.isNull(fiber.unsafePoll()) // still within the grace: the local one may yet answer
      yield* TestClock.adjust(1)
      const connected = yield* Fiber.join(fiber)
      assert.strictEqual(connected.index, 0)
      assert.deepStrictEqual(yield* Effect.flatMap(PlexTvFake, (fake) => fake.mediaAborted), [1])
    }).pipe(Effect.provide(stack([
      FakeMediaServer.answering({ relay: true }),
      FakeMediaServer.slow({ local: true, delayMillis: 2_000 })
    ]))))

  it.effect("prefer best: remote before relay; an equal one that answered first is not waited for", () =>
    Effect.gen(function*() {
      const exit = yield* after(connectListed(), 100)
      assert.isTrue(Exit.isSuccess(exit) && exit.value.index === 1) // the remote one, 100 ms after the relay
    }).pipe(Effect.provide(stack([
      FakeMediaServer.answering({ relay: true }),
      FakeMediaServer.slow({ delayMillis: 100 }),
      FakeMediaServer.slow({ relay: true, delayMillis: 50 })
    ]))))

  it.effect("prefer best: a connection of the same kind that answers later is not waited for", () =>
    Effect.gen(function*() {
      const connected = yield* connectListed() // no clock moves: nothing is waited for
      assert.strictEqual(connected.index, 1)
      assert.deepStrictEqual([...(yield* Effect.flatMap(PlexTvFake, (fake) => fake.mediaAborted))].sort(), [0, 2])
    }).pipe(Effect.provide(stack([
      FakeMediaServer.slow({ delayMillis: 100 }),
      FakeMediaServer.answering(),
      FakeMediaServer.slow({ relay: true, delayMillis: 50 })
    ]))))

  it.effect("the grace is settable: a long one waits for the local connection, zero takes the first", () =>
    Effect.gen(function*() {
      const long = yield* after(connectListed({ grace: "5 seconds" }), 2_000)
      assert.isTrue(Exit.isSuccess(long) && long.value.index === 1)
      const none = yield* connectListed({ grace: 0 })
      assert.strictEqual(none.index, 0)
    }).pipe(Effect.provide(stack([
      FakeMediaServer.answering(),
      FakeMediaServer.slow({ local: true, delayMillis: 2_000 })
    ]))))

  it.effect("prefer first: the first answer, the better but slower probe interrupted at once", () =>
    Effect.gen(function*() {
      const connected = yield* connectListed({ prefer: "first" })
      assert.strictEqual(connected.index, 0)
      assert.deepStrictEqual(yield* Effect.flatMap(PlexTvFake, (fake) => fake.mediaAborted), [1])
    }).pipe(Effect.provide(stack([
      FakeMediaServer.answering({ relay: true }),
      FakeMediaServer.slow({ local: true, delayMillis: 10 })
    ]))))

  it.effect("skips the local connections of a server not owned, unless asked", () =>
    Effect.gen(function*() {
      const shared = resourceOf([FakeMediaServer.answering({ local: true }), FakeMediaServer.refusing()], {
        owned: false,
        ownerId: 20000001
      })
      const error = yield* Effect.flip(PlexResources.connect(shared))
      assert.strictEqual(error._tag, "PlexConnectError")
      if (error._tag === "PlexConnectError") {
        assert.deepStrictEqual(error.failures.map((f) => [f.index, f.kind, f.reason]), [
          [0, "local", "Skipped"],
          [1, "remote", "Refused"]
        ])
      }
      const allowed = yield* PlexResources.connect(shared, { allowUnownedLocal: true })
      assert.strictEqual(allowed.index, 0)
    }).pipe(Effect.provide(stack([FakeMediaServer.answering({ local: true }), FakeMediaServer.refusing()]))))
})

describe("PlexResources.connect: failures", () => {
  it.effect("lists why each connection failed, by index and kind, never a token", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(connectListed())
      if (error._tag !== "PlexConnectError") return assert.fail(error._tag)
      assert.deepStrictEqual(
        error.failures.map((f) => [f.index, f.kind, f.protocol, f.reason, f.status]),
        [
          [0, "remote", "http", "Refused", undefined],
          [1, "local", "http", "WrongMachine", undefined],
          [2, "remote", "https", "Tls", undefined],
          [3, "relay", "http", "HttpStatus", 401],
          [4, "remote", "http", "HttpStatus", 503]
        ]
      )
      assert.strictEqual(
        error.message,
        "no connection of Fake Media Server answered: #0 (remote, http) Refused; #1 (local, http) WrongMachine; " +
          "#2 (remote, https) Tls; #3 (relay, http) HTTP 401; #4 (remote, http) HTTP 503"
      )
      assert.isTrue(PlexError.is(error))
      assert.isTrue(PlexError.isRetryable(error)) // refused and 503 may mend
      for (const text of printed(error)) assert.notInclude(text, FakeMediaServer.accessToken)
    }).pipe(Effect.provide(stack([
      FakeMediaServer.refusing(),
      FakeMediaServer.otherMachine({ local: true }),
      FakeMediaServer.httpsOnly(),
      FakeMediaServer.status(401, { relay: true }),
      FakeMediaServer.status(503)
    ]))))

  it.effect("a failure decided on purpose (another machine, TLS, 401) is not retryable", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(connectListed())
      assert.strictEqual(error._tag, "PlexConnectError")
      assert.isFalse(PlexError.isRetryable(error))
    }).pipe(Effect.provide(stack([
      FakeMediaServer.otherMachine(),
      FakeMediaServer.httpsOnly(),
      FakeMediaServer.status(401)
    ]))))

  it.effect("a redirect is a failure, never followed", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(connectListed())
      if (error._tag !== "PlexConnectError") return assert.fail(error._tag)
      assert.deepStrictEqual(error.failures.map((f) => [f.reason, f.status]), [["HttpStatus", 302]])
    }).pipe(Effect.provide(stack([FakeMediaServer.status(302)]))))

  it.effect("each probe times out after `timeout` (default 5 seconds), the others still counted", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(connectListed())
      yield* TestClock.adjust(4_999)
      assert.isNull(fiber.unsafePoll())
      yield* TestClock.adjust(1)
      const error = failureOf(yield* Fiber.await(fiber))
      if (error._tag !== "PlexConnectError") return assert.fail(error._tag)
      assert.deepStrictEqual(error.failures.map((f) => f.reason), ["Timeout", "Refused"])
      assert.isTrue(PlexError.isRetryable(error))
      const short = failureOf(yield* after(connectListed({ timeout: "2 seconds" }), 2_000))
      assert.strictEqual(short._tag, "PlexConnectError")
      assert.deepStrictEqual(yield* Effect.flatMap(PlexTvFake, (fake) => fake.mediaAborted), [0, 0])
    }).pipe(Effect.provide(stack([FakeMediaServer.slow(), FakeMediaServer.refusing()]))))

  it.effect("a resource without connections", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(PlexResources.connect(resourceOf([])))
      if (error._tag !== "PlexConnectError") return assert.fail(error._tag)
      assert.deepStrictEqual(error.failures, [])
      assert.strictEqual(error.message, "Fake Media Server lists no connection")
      assert.isFalse(PlexError.isRetryable(error))
    }).pipe(Effect.provide(stack([]))))

  it.effect("options of the wrong kind and unusable tokens are refused before anything is sent", () =>
    Effect.gen(function*() {
      const resource = resourceOf([FakeMediaServer.answering()])
      const refused = (options: unknown, changed = resource) =>
        Effect.map(
          Effect.flip(PlexResources.connect(changed, options as PlexConnectOptions)),
          (error) => error._tag === "PlexInvalidInputError" ? error.argument : error._tag
        )
      assert.strictEqual(yield* refused({ prefer: "fastest" }), "prefer")
      assert.strictEqual(yield* refused({ timeout: "soon" }), "timeout")
      assert.strictEqual(yield* refused({ timeout: 0 }), "timeout")
      assert.strictEqual(yield* refused({ grace: -1 }), "grace")
      assert.strictEqual(yield* refused({ allowUnownedLocal: "yes" }), "allowUnownedLocal")
      assert.strictEqual(yield* refused("best"), "options")
      const badToken = resourceOf([FakeMediaServer.answering()], { accessToken: `${SENTINEL}\r\nX-Evil: 1` })
      assert.strictEqual(yield* refused(undefined, badToken), "accessToken")
      assert.deepStrictEqual(yield* Effect.flatMap(PlexTvFake, (fake) => fake.mediaRequests), [])
    }).pipe(Effect.provide(stack([FakeMediaServer.answering()]))))

  it.effect("interrupting connect interrupts every probe", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(connectListed())
      yield* TestClock.adjust(100)
      yield* Fiber.interrupt(fiber)
      const fake = yield* PlexTvFake
      assert.strictEqual((yield* fake.mediaRequests).length, 2)
      assert.deepStrictEqual([...(yield* fake.mediaAborted)].sort(), [0, 1])
    }).pipe(Effect.provide(stack([FakeMediaServer.slow(), FakeMediaServer.slow({ local: true })]))))
})

describe("PlexResources.connect: the server client", () => {
  it.effect("sends each request to the chosen URI with the resource's token in X-Plex-Token", () =>
    Effect.gen(function*() {
      const connected: PlexServerConnection = yield* connectListed()
      const response = yield* HttpClient.get("/identity").pipe(Effect.provide(connected.layer))
      assert.strictEqual(response.status, 200)
      const missing = yield* connected.client.get("/library/sections")
      assert.strictEqual(missing.status, 404)
      const requests = yield* Effect.flatMap(PlexTvFake, (fake) => fake.mediaRequests)
      assert.deepStrictEqual(
        requests.slice(-2).map((r) => [r.server, r.path, r.tokenIn, r.tokenMatches]),
        [[1, "/identity", "header", true], [1, "/library/sections", "header", true]]
      )
    }).pipe(Effect.provide(stack([FakeMediaServer.refusing(), FakeMediaServer.answering()]))))

  it.effect("its transport errors print no token, even outside a fiber", () =>
    Effect.gen(function*() {
      const resource = resourceOf([FakeMediaServer.answering()], { accessToken: SENTINEL })
      const connected = yield* PlexResources.connect(resource)
      const fake = yield* PlexTvFake
      // the server goes away after the connection was chosen
      yield* fake.update((state) => ({
        ...state,
        resources: {
          ...state.resources,
          media: state.resources.media.map((e) => ({ ...e, server: { refuses: true } }))
        }
      }))
      const error = yield* Effect.flip(connected.client.get("/identity"))
      assert.strictEqual(error._tag, "RequestError")
      for (const text of [...printed(error), Cause.pretty(Cause.fail(error))]) assert.notInclude(text, SENTINEL)
    }).pipe(Effect.provide(stack([FakeMediaServer.answering()]))))

  it.effect("connect's own failures print no token", () =>
    Effect.gen(function*() {
      const resource = resourceOf([FakeMediaServer.otherMachine(), FakeMediaServer.status(401)], {
        accessToken: SENTINEL
      })
      const error = yield* Effect.flip(PlexResources.connect(resource))
      for (const text of [...printed(error), Cause.pretty(Cause.fail(error))]) assert.notInclude(text, SENTINEL)
    }).pipe(Effect.provide(stack([FakeMediaServer.otherMachine(), FakeMediaServer.status(401)]))))
})

/** One arbitrary fake server: a behaviour, flags, a delay. */
const serverArb: FastCheck.Arbitrary<FakeMediaServerOptions> = FastCheck.record({
  behaviour: FastCheck.constantFrom("answer", "answer", "refuse", "other", "tls", "status"),
  local: FastCheck.boolean(),
  relay: FastCheck.boolean(),
  delayMillis: FastCheck.integer({ min: 0, max: 400 })
}).map(({ behaviour, ...flags }) => {
  switch (behaviour) {
    case "refuse":
      return FakeMediaServer.refusing(flags)
    case "other":
      return FakeMediaServer.otherMachine(flags)
    case "tls":
      return FakeMediaServer.httpsOnly(flags)
    case "status":
      return FakeMediaServer.status(503, flags)
    default:
      return FakeMediaServer.answering(flags)
  }
})

const answers = (server: FakeMediaServerOptions) =>
  server.refuses !== true && server.tls !== true && server.status === undefined &&
  server.machineIdentifier === undefined
const scoreOf = (server: FakeMediaServerOptions) =>
  (server.relay === true ? 2 : server.local === true ? 0 : 1) * 2 + (server.tls === true ? 0 : 1)

describe("PlexResources.connect: any set of servers", () => {
  it.effect.prop(
    "with a grace longer than every delay, the best kind that answers wins; else every connection is listed",
    [FastCheck.array(serverArb, { minLength: 1, maxLength: 6 })],
    ([servers]) =>
      Effect.gen(function*() {
        const exit = yield* after(connectListed({ grace: "1 second" }), 2_000)
        const answering = servers.filter(answers)
        if (answering.length === 0) {
          const error = failureOf(exit)
          if (error._tag !== "PlexConnectError") return assert.fail(error._tag)
          assert.deepStrictEqual(error.failures.map((f) => f.index), servers.map((_, i) => i))
        } else {
          if (!Exit.isSuccess(exit)) return assert.fail(Cause.pretty(exit.cause))
          const best = Math.min(...answering.map(scoreOf))
          assert.strictEqual(scoreOf(servers[exit.value.index]!), best)
          assert.isTrue(answers(servers[exit.value.index]!))
        }
      }).pipe(Effect.provide(stack(servers))),
    { fastCheck: { numRuns: 15 } }
  )
})

/** A client that answers every request with the same response, recording the requests. */
const answering = (answer: () => Response) => {
  const seen: Array<{ readonly url: string; readonly token: string | undefined }> = []
  const client = HttpClient.make((request) =>
    Effect.sync(() => {
      seen.push({ url: request.url, token: request.headers["x-plex-token"] })
      return HttpClientResponse.fromWeb(request, answer())
    })
  )
  return { seen, layer: Layer.succeed(HttpClient.HttpClient, client) }
}

const identity = { MediaContainer: { machineIdentifier: FakeMediaServer.machineIdentifier } }

describe("PlexResources.connect: odd answers", () => {
  const cases: ReadonlyArray<readonly [string, () => Response]> = [
    ["not JSON", () => new Response("<html>hello</html>", { status: 200 })],
    ["JSON without a machine identifier", () => Response.json({ MediaContainer: { size: 0 } })],
    ["a machine identifier of the wrong type", () => Response.json({ MediaContainer: { machineIdentifier: 7 } })],
    ["a body past 16 KiB", () => Response.json({ ...identity, padding: "x".repeat(20_000) })]
  ]
  for (const [name, answer] of cases) {
    it.effect(`${name}: Unrecognized`, () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(PlexResources.connect(resourceOf([FakeMediaServer.answering()])))
        if (error._tag !== "PlexConnectError") return assert.fail(error._tag)
        assert.deepStrictEqual(error.failures.map((f) => f.reason), ["Unrecognized"])
      }).pipe(Effect.provide(answering(answer).layer)))
  }

  it.effect("a version or claimed flag of another type is left out, the identity still taken", () =>
    Effect.gen(function*() {
      const connected = yield* PlexResources.connect(resourceOf([FakeMediaServer.answering()]))
      assert.deepStrictEqual(connected.identity, {
        machineIdentifier: FakeMediaServer.machineIdentifier,
        claimed: true
      })
    }).pipe(Effect.provide(
      answering(() =>
        Response.json({ MediaContainer: { ...identity.MediaContainer, version: 1.41, claimed: true, size: 0 } })
      ).layer
    )))

  it.effect("a trailing slash in the URI, and a resource without a token: no X-Plex-Token sent", () => {
    const { layer, seen } = answering(() => Response.json(identity))
    return Effect.gen(function*() {
      const base = resourceOf([FakeMediaServer.answering()])
      const resource = PlexResource.make({
        ...base,
        accessToken: undefined,
        connections: [PlexConnection.make({ ...base.connections[0]!, uri: "http://127.0.0.1:32400/" })]
      })
      const connected = yield* PlexResources.connect(resource)
      yield* connected.client.get("/library")
      assert.deepStrictEqual(seen, [
        { url: "http://127.0.0.1:32400/identity", token: undefined },
        { url: "http://127.0.0.1:32400/library", token: undefined }
      ])
      const empty = yield* PlexResources.connect(resourceOf([FakeMediaServer.answering()], { accessToken: "" }))
      assert.strictEqual(empty.index, 0)
      assert.isUndefined(seen[2]!.token)
    }).pipe(Effect.provide(layer))
  })
})
