/**
 * PlexResources over the in-memory fake plex.tv, and `bestConnection` as a pure function
 * (examples and properties).
 */
import * as HttpClient from "@effect/platform/HttpClient"
import { assert, describe, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import { inspect } from "node:util"
import {
  type PlexBestConnectionOptions,
  PlexConfig,
  PlexConnection,
  PlexResource,
  PlexResources,
  type PlexResourcesListOptions
} from "@effect-plex/core"
import { FakeAccount, PlexTvFake, type PlexTvOptions } from "@effect-plex/core/testing"
import { spanText, withRecordedSpans } from "../../../test-support/spans.js"

const CLIENT = "resources-test-client"
const OWNER_TOKEN = "FAKEtokenOwner000001"
const MANAGED_TOKEN = "FAKEtokenManaged0002"
const SHARED_TOKEN = "FAKEtokenSharedSrv01"
const HOME_SERVER_TOKEN = "FAKEtokenHomeSrv0001"
const accounts = [FakeAccount.owner, FakeAccount.managed]
/** The made-up hash in the fake's plex.direct names. */
const HASH = "0123456789abcdef0123456789abcdef"

/** The URL parameters of every request that reached the fake. */
const sentParams: Array<Record<string, string>> = []

const recording = Layer.effect(
  HttpClient.HttpClient,
  Effect.map(HttpClient.HttpClient, (client) =>
    client.pipe(
      HttpClient.tapRequest((request) => Effect.sync(() => sentParams.push(Object.fromEntries(request.urlParams))))
    ))
)

/**
 * The library turns the platform's `http.client` span off; a user's own client can turn it back on
 * (its setting is closer to the request). Spans are scanned with it on: the worst case.
 */
const tracedClient = Layer.effect(
  HttpClient.HttpClient,
  Effect.map(HttpClient.HttpClient, HttpClient.withTracerDisabledWhen(() => false))
)

const stack = (options?: Omit<PlexTvOptions, "accounts">) =>
  PlexResources.layer.pipe(
    Layer.provide(PlexConfig.layer({ client: { clientIdentifier: CLIENT } })),
    Layer.provide(Layer.provide(tracedClient, recording)),
    Layer.provideMerge(PlexTvFake.layer({ accounts, settings: { rateLimit: undefined }, ...options }))
  )

const list = (token: string, options?: PlexResourcesListOptions) =>
  Effect.flatMap(PlexResources, (resources) => resources.list(Redacted.make(token), options))

const all = { includeHttps: true, includeRelay: true, includeIPv6: true } as const

const byName = (resources: ReadonlyArray<PlexResource>, name: string) => {
  const found = resources.find((resource) => resource.name === name)
  return found ?? assert.fail(`no resource named ${name}`)
}

const uriOf = (resource: PlexResource, options?: PlexBestConnectionOptions) =>
  Option.getOrUndefined(Option.map(PlexResources.bestConnection(resource, options), (c) => c.uri))

describe("PlexResources.list over the fake plex.tv", () => {
  it.effect("lists the owned server, the shared server and the player, with every connection", () =>
    Effect.gen(function*() {
      const resources = yield* list(OWNER_TOKEN, all)
      assert.deepStrictEqual(resources.map((r) => r.name), ["Fake Server", "Friend's Server", "Fake Player"])

      const owned = byName(resources, "Fake Server")
      assert.isTrue(owned.hasCapability("server"))
      assert.isFalse(owned.hasCapability("player"))
      assert.isTrue(owned.isOwned)
      assert.strictEqual(owned.ownerId, undefined)
      assert.strictEqual(owned.product, "Plex Media Server")
      assert.strictEqual(Redacted.value(owned.accessToken!), OWNER_TOKEN) // an owned server: the account's token
      assert.strictEqual(String(owned.accessToken), "<redacted>")
      assert.deepStrictEqual(owned.connections.map((c) => [c.protocol, c.local, c.relay, c.IPv6]), [
        ["http", true, false, false],
        ["https", true, false, false],
        ["https", false, false, false],
        ["https", false, false, true],
        ["https", false, true, false]
      ])
      assert.strictEqual(owned.connections[0]!.uri, "http://192.168.1.10:32400")
      assert.strictEqual(owned.connections[0]!.port, 32400)

      const shared = byName(resources, "Friend's Server")
      assert.isFalse(shared.isOwned)
      assert.strictEqual(shared.ownerId, 20000001)
      assert.strictEqual(shared.sourceTitle, "fake-friend")
      assert.strictEqual(Redacted.value(shared.accessToken!), SHARED_TOKEN) // its own token

      const player = byName(resources, "Fake Player")
      assert.isTrue(player.hasCapability("player"))
      assert.isTrue(player.hasCapability("client"))
      assert.isFalse(player.hasCapability("server"))
      assert.strictEqual(player.accessToken, undefined) // null on the wire
      assert.strictEqual(player.platformVersion, undefined)
      assert.strictEqual(player.device, undefined)
      assert.deepStrictEqual(player.connections, [])

      const log = yield* Effect.flatMap(PlexTvFake, (fake) => fake.requests)
      assert.deepStrictEqual(log.map((e) => [e.method, e.path, e.status, e.tokenIn, e.clientIdentifier]), [
        ["GET", "/api/v2/resources", 200, "header", CLIENT]
      ])
    }).pipe(Effect.provide(stack())))

  it.effect("asks for https, relay and IPv6 connections unless told otherwise, as real clients do", () =>
    Effect.gen(function*() {
      sentParams.length = 0
      const count = (resources: ReadonlyArray<PlexResource>) => byName(resources, "Fake Server").connections.length
      assert.strictEqual(count(yield* list(OWNER_TOKEN)), 5) // every kind
      assert.strictEqual(count(yield* list(OWNER_TOKEN, {})), 5)
      assert.strictEqual(
        count(yield* list(OWNER_TOKEN, { includeHttps: false, includeRelay: false, includeIPv6: false })),
        1
      )
      assert.deepStrictEqual(sentParams, [
        { includeHttps: "1", includeRelay: "1", includeIPv6: "1" },
        { includeHttps: "1", includeRelay: "1", includeIPv6: "1" },
        { includeHttps: "0", includeRelay: "0", includeIPv6: "0" }
      ])
    }).pipe(Effect.provide(stack())))

  it.effect.prop(
    "sends each flag as 1 unless it is false; plex.tv filters the connections by them",
    [
      FastCheck.constantFrom(true, false, undefined),
      FastCheck.constantFrom(true, false, undefined),
      FastCheck.constantFrom(true, false, undefined)
    ],
    ([includeHttps, includeRelay, includeIPv6]) =>
      Effect.gen(function*() {
        sentParams.length = 0
        const options = { includeHttps, includeRelay, includeIPv6 }
        const server = byName(yield* list(OWNER_TOKEN, options), "Fake Server")
        const on = (value: boolean | undefined) => value !== false
        assert.deepStrictEqual(sentParams, [{
          includeHttps: on(includeHttps) ? "1" : "0",
          includeRelay: on(includeRelay) ? "1" : "0",
          includeIPv6: on(includeIPv6) ? "1" : "0"
        }])
        for (const connection of server.connections) {
          if (connection.relay) assert.isTrue(on(includeRelay))
          if (connection.IPv6) assert.isTrue(on(includeIPv6))
          if (connection.protocol === "https") assert.isTrue(on(includeHttps))
        }
        // the local http connection is always listed
        assert.isTrue(server.connections.some((c) => c.local && c.protocol === "http"))
      }).pipe(Effect.provide(stack()))
  )

  it.effect("a Home member sees the admin's server as not owned, with a token of its own", () =>
    Effect.gen(function*() {
      const server = byName(yield* list(MANAGED_TOKEN, all), "Fake Server")
      assert.isFalse(server.isOwned)
      assert.isTrue(server.home)
      assert.strictEqual(server.ownerId, 10000001)
      assert.strictEqual(server.sourceTitle, "fake-owner")
      assert.strictEqual(Redacted.value(server.accessToken!), HOME_SERVER_TOKEN)
    }).pipe(Effect.provide(stack())))

  it.effect("a bad token fails with InvalidToken (401, code 1001), without a retry", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(list("not-a-token", all))
      assert.strictEqual(error._tag, "PlexUnauthorizedError")
      if (error._tag !== "PlexUnauthorizedError") return
      assert.strictEqual(error.reason, "InvalidToken")
      assert.strictEqual(error.status, 401)
      assert.deepStrictEqual(error.errors.map((e) => e.code), [1001])
      assert.strictEqual((yield* Effect.flatMap(PlexTvFake, (fake) => fake.requests)).length, 1)
      for (const text of [String(error), JSON.stringify(error), inspect(error), Cause.pretty(Cause.fail(error))]) {
        assert.notInclude(text, "not-a-token")
      }
    }).pipe(Effect.provide(stack())))

  it.effect("is idempotent: a 429 is waited out and retried", () =>
    Effect.gen(function*() {
      yield* list(OWNER_TOKEN) // uses up the window
      const fiber = yield* Effect.fork(list(OWNER_TOKEN, all))
      yield* TestClock.adjust("2 seconds")
      yield* TestClock.adjust("2 seconds")
      const resources = yield* Fiber.join(fiber)
      assert.strictEqual(resources.length, 3)
      const statuses = (yield* Effect.flatMap(PlexTvFake, (fake) => fake.requests)).map((e) => e.status)
      assert.deepStrictEqual(statuses, [200, 429, 200])
    }).pipe(Effect.provide(stack({ settings: { rateLimit: { limit: 1, windowMillis: 1000, retryAfterSeconds: 1 } } }))))

  it.effect("decodes what old servers send (nulls, no connections) from a list the test supplies", () =>
    Effect.gen(function*() {
      const [old, empty] = yield* list(OWNER_TOKEN, all)
      assert.strictEqual(old!.name, "Old Server")
      assert.strictEqual(old!.platform, undefined)
      assert.strictEqual(old!.accessToken, undefined)
      assert.deepStrictEqual(old!.connections, [])
      assert.isTrue(old!.isOwned) // no ownerId, no owned flag
      assert.isTrue(old!.hasCapability("SERVER"))
      assert.deepStrictEqual(empty!.connections.map((c) => [c.local, c.relay, c.IPv6]), [[false, false, false]])
      assert.isTrue(Option.isSome(PlexResources.bestConnection(empty!)))
    }).pipe(Effect.provide(stack({
      resources: {
        resources: [
          {
            name: "Old Server",
            clientIdentifier: "old-1",
            provides: "server, player",
            platform: null,
            platformVersion: null,
            device: null,
            accessToken: null,
            connections: null
          },
          { name: "Bare", clientIdentifier: "bare-1", connections: [{ uri: "http://10.1.1.1:32400" }] }
        ]
      }
    }))))

  it.effect("an entry without its essential fields is left out with a warning naming paths only", () =>
    Effect.gen(function*() {
      const logs: Array<string> = []
      const logger = Logger.make(({ logLevel, message }) => {
        logs.push(`${logLevel.label} ${Array.isArray(message) ? message.join(" ") : String(message)}`)
      })
      const resources = yield* Effect.provide(list(OWNER_TOKEN), Logger.add(logger))
      assert.deepStrictEqual(resources, [])
      assert.deepStrictEqual(logs, [
        "WARN plex.tv answer: resources[0].connections[0] skipped (missing or invalid: uri)",
        "WARN plex.tv answer: resources[0] skipped (missing or invalid: clientIdentifier)"
      ])
      for (const line of logs) assert.notInclude(line, "SENTINEL")
    }).pipe(Effect.provide(stack({
      resources: { resources: [{ name: "x", connections: [{ uri: 7, address: "SENTINEL" }] }] }
    }))))

  it.effect("an account without resources gets []", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* list(OWNER_TOKEN, all), [])
    }).pipe(Effect.provide(stack({ resources: { resources: [] } }))))

  it.effect("no token appears in any span, and the span is PlexResources.list", () =>
    Effect.gen(function*() {
      const { exit, spans } = yield* withRecordedSpans(list(OWNER_TOKEN, all))
      assert.isTrue(exit._tag === "Success")
      assert.include(spans.map((s) => s.name), "PlexResources.list")
      const http = spans.find((s) => s.name.startsWith("http.client"))
      assert.isDefined(http) // the platform client's span is there (see tracedClient): the scan below is not vacuous
      assert.strictEqual(String(http!.attributes.get("http.request.header.x-plex-token")), "<redacted>")
      assert.include(String(http!.attributes.get("url.full")), "includeHttps=1")
      for (const span of spans) {
        const text = spanText(span)
        for (const secret of [OWNER_TOKEN, SHARED_TOKEN]) assert.notInclude(text, secret, span.name)
      }
    }).pipe(Effect.provide(stack())))
})

describe("PlexResources.bestConnection", () => {
  it.effect("on the fake's resources: local, then remote, never the owner's LAN of a shared server", () =>
    Effect.gen(function*() {
      const resources = yield* list(OWNER_TOKEN, all)
      const owned = byName(resources, "Fake Server")
      assert.strictEqual(uriOf(owned), "http://192.168.1.10:32400")
      assert.strictEqual(uriOf(owned, { preferHttps: true }), `https://192-168-1-10.${HASH}.plex.direct:32400`)

      const shared = byName(resources, "Friend's Server")
      assert.strictEqual(uriOf(shared), "http://198.51.100.7:32400")
      assert.strictEqual(uriOf(shared, { preferHttps: true }), `https://198-51-100-7.${HASH}.plex.direct:32400`)
      assert.strictEqual(uriOf(shared, { allowUnownedLocal: true }), `https://10-0-0-5.${HASH}.plex.direct:32400`)

      assert.isTrue(Option.isNone(PlexResources.bestConnection(byName(resources, "Fake Player"))))
    }).pipe(Effect.provide(stack())))

  it("falls back to a relay only when nothing else is left", () => {
    const relay = PlexConnection.make({ uri: "https://relay.invalid:8443", protocol: "https", relay: true })
    const lan = PlexConnection.make({ uri: "http://10.0.0.9:32400", protocol: "http", local: true })
    const shared = PlexResource.make({ name: "s", clientIdentifier: "s", owned: false, connections: [relay, lan] })
    assert.strictEqual(uriOf(shared), "https://relay.invalid:8443")
    assert.strictEqual(uriOf(shared, { allowUnownedLocal: true }), "http://10.0.0.9:32400")
  })

  it("reads https from the uri when protocol is missing", () => {
    const http = PlexConnection.make({ uri: "http://203.0.113.1:32400" })
    const https = PlexConnection.make({ uri: "HTTPS://203-0-113-1.x.plex.direct:32400" })
    const resource = PlexResource.make({ name: "r", clientIdentifier: "r", connections: [http, https] })
    assert.strictEqual(uriOf(resource, { preferHttps: true }), https.uri)
  })

  // Arbitrary resources, with protocols drawn from http/https so that the https preference is exercised
  const resources = Arbitrary.make(PlexResource).chain((resource) =>
    FastCheck.array(FastCheck.constantFrom("http", "https", "HTTPS", undefined), {
      minLength: resource.connections.length,
      maxLength: resource.connections.length
    }).map((protocols) =>
      PlexResource.make({
        ...resource,
        connections: resource.connections.map((c, i) => {
          const { protocol: _, ...rest } = c
          const protocol = protocols[i]
          return PlexConnection.make(protocol === undefined ? rest : { ...rest, protocol })
        })
      })
    )
  )
  const options = FastCheck.record({ preferHttps: FastCheck.boolean(), allowUnownedLocal: FastCheck.boolean() })

  const kind = (c: PlexConnection) => (c.relay ? 2 : c.local ? 0 : 1)
  const https = (c: PlexConnection) =>
    c.protocol === undefined ? c.uri.toLowerCase().startsWith("https:") : c.protocol.toLowerCase() === "https"
  const eligible = (r: PlexResource, o: PlexBestConnectionOptions) =>
    r.connections.filter((c) => !(kind(c) === 0 && !r.isOwned && o.allowUnownedLocal !== true))

  it.prop("the choice is one of the resource's connections, and there is one iff one is eligible", [
    resources,
    options
  ], ([resource, o]) => {
    const best = PlexResources.bestConnection(resource, o)
    assert.strictEqual(Option.isSome(best), eligible(resource, o).length > 0)
    if (Option.isSome(best)) assert.include(resource.connections, best.value)
  })

  it.prop("never a relay while a non-relay connection is eligible", [resources, options], ([resource, o]) => {
    const best = PlexResources.bestConnection(resource, o)
    if (eligible(resource, o).some((c) => !c.relay)) assert.isFalse(Option.getOrThrow(best).relay)
  })

  it.prop("local first on an owned resource; never local on someone else's unless allowed", [
    resources,
    options
  ], ([resource, o]) => {
    const best = PlexResources.bestConnection(resource, o)
    if (resource.isOwned && resource.connections.some((c) => kind(c) === 0)) {
      assert.strictEqual(kind(Option.getOrThrow(best)), 0)
    }
    if (!resource.isOwned && !o.allowUnownedLocal && Option.isSome(best)) assert.notStrictEqual(kind(best.value), 0)
  })

  it.prop("the best kind wins; within it https when asked, else plex.tv's order", [
    resources,
    options
  ], ([resource, o]) => {
    const candidates = eligible(resource, o)
    const best = PlexResources.bestConnection(resource, o)
    if (candidates.length === 0) return
    const top = Math.min(...candidates.map(kind))
    const sameKind = candidates.filter((c) => kind(c) === top)
    const chosen = Option.getOrThrow(best)
    assert.strictEqual(kind(chosen), top)
    const expected = o.preferHttps ? sameKind.find(https) ?? sameKind[0] : sameKind[0]
    assert.strictEqual(chosen, expected)
  })

  it.prop("PlexResource encode → decode round-trips", [Arbitrary.make(PlexResource)], ([resource]) => {
    const encoded = Schema.encodeSync(PlexResource)(resource)
    assert.deepStrictEqual(Schema.encodeSync(PlexResource)(Schema.decodeSync(PlexResource)(encoded)), encoded)
  })
})
