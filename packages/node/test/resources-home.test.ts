/**
 * PlexResources and PlexHome over real HTTP: undici against the fake plex.tv served by PlexTvServer
 * on 127.0.0.1. Each scenario also runs against the in-memory PlexTvFake, and both must answer the
 * same.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import {
  PlexAuth,
  PlexConfig,
  PlexHome,
  PlexResource,
  PlexResources,
  type PlexResourcesListOptions,
  PlexUser
} from "@effect-plex/core"
import { FakeAccount, PlexTvFake, type PlexTvOptions } from "@effect-plex/core/testing"
import { PlexNode } from "@effect-plex/node"
import { PlexTvServer } from "@effect-plex/node/testing"
import { assertNoSecrets, CLIENT_ID, tokens } from "./support.js"
import { spanText, withRecordedSpans } from "../../../test-support/spans.js"

const PIN_SENTINEL = "47110938255"
const WRONG_PIN_SENTINEL = "08156620977"
const MANAGED_PIN = "2580"
const SHARED_TOKEN = "FAKEtokenSharedSrv01"

const sentinelKid = FakeAccount.make({
  id: 10000010,
  uuid: "5e5e5e5e5e5e5e5e",
  username: "",
  email: "",
  kind: "managed",
  homeAdminId: 10000001,
  homePin: PIN_SENTINEL
})
const openKid = FakeAccount.make({
  id: 10000011,
  uuid: "6f6f6f6f6f6f6f6f",
  username: "",
  email: "",
  kind: "managed",
  homeAdminId: 10000001
})
const accounts = [FakeAccount.owner, FakeAccount.twoFactor, FakeAccount.managed, sentinelKid, openKid]

type FakeOptions = Omit<PlexTvOptions, "accounts">

const services = Layer.mergeAll(PlexResources.layer, PlexHome.layer, PlexAuth.layer)

/** The library turns the platform's `http.client` span off; a user's own client can turn it back on. */
const traced = <E, R>(client: Layer.Layer<HttpClient.HttpClient, E, R>) =>
  Layer.effect(HttpClient.HttpClient, Effect.map(HttpClient.HttpClient, HttpClient.withTracerDisabledWhen(() => false)))
    .pipe(Layer.provide(client))

/** The services over undici, talking to a fresh PlexTvServer on 127.0.0.1. */
const overHttp = (options?: FakeOptions) =>
  services.pipe(
    Layer.provide(PlexTvServer.layerConfig({ clientIdentifier: CLIENT_ID })),
    Layer.provide(traced(PlexNode.layerPlatformHttpClient)), // the worst case: the platform client, its span on
    Layer.provideMerge(PlexTvServer.layer({ accounts, settings: { rateLimit: undefined }, ...options }))
  )

/** The same services over the in-memory fake. */
const inMemory = (options?: FakeOptions) =>
  services.pipe(
    Layer.provide(PlexConfig.layer({ client: { clientIdentifier: CLIENT_ID } })),
    Layer.provideMerge(PlexTvFake.layer({ accounts, settings: { rateLimit: undefined }, ...options }))
  )

/** Runs a scenario over HTTP and in memory; both must give the same result, which is returned. */
const bothAgree = <A, E>(
  scenario: Effect.Effect<A, E, PlexResources | PlexHome | PlexAuth | PlexTvFake>,
  options?: FakeOptions
) =>
  Effect.gen(function*() {
    const http = yield* Effect.provide(scenario, overHttp(options))
    const memory = yield* Effect.provide(scenario, inMemory(options))
    assert.deepStrictEqual(http, memory)
    return http
  })

const everything = { includeHttps: true, includeRelay: true, includeIPv6: true } as const

const listResources = (token: string, options: PlexResourcesListOptions = everything) =>
  Effect.flatMap(PlexResources, (resources) => resources.list(Redacted.make(token), options))

const switchTo = (token: string, uuid: string, pin?: string) =>
  Effect.flatMap(
    PlexHome,
    (home) => home.switchTo(Redacted.make(token), { uuid }, pin === undefined ? {} : { pin: Redacted.make(pin) })
  )

/** The request log without times. */
const log = Effect.flatMap(PlexTvFake, (fake) => fake.requests).pipe(
  Effect.map((entries) => entries.map(({ at: _, ...entry }) => entry))
)

const encodeResources = Schema.encodeSync(Schema.Array(PlexResource))
const encodeUser = Schema.encodeSync(PlexUser)

describe("PlexResources over HTTP", () => {
  it.live("lists the owned server, the shared server and the player, as the in-memory fake does", () =>
    Effect.gen(function*() {
      const result = yield* bothAgree(Effect.gen(function*() {
        const resources = yield* listResources(tokens.owner)
        return { resources: encodeResources(resources), log: yield* log }
      }))
      assert.deepStrictEqual(result.resources.map((r) => [r.name, r.provides, r.owned, r.ownerId]), [
        ["Fake Server", "server", true, undefined],
        ["Friend's Server", "server", false, 20000001],
        ["Fake Player", "client,player,pubsub-player", true, undefined]
      ])
      assert.strictEqual(result.resources[0]!.accessToken, tokens.owner)
      assert.strictEqual(result.resources[1]!.accessToken, SHARED_TOKEN)
      assert.strictEqual(result.resources[2]!.accessToken, undefined)
      assert.strictEqual(result.resources[0]!.connections?.length, 5)
      assert.deepStrictEqual(result.log, [{
        method: "GET",
        path: "/api/v2/resources",
        status: 200,
        clientIdentifier: CLIENT_ID,
        tokenIn: "header",
        accept: "application/json"
      }])
    }))

  it.live("the flags filter the connections; bestConnection picks the same URIs", () =>
    Effect.gen(function*() {
      const result = yield* bothAgree(Effect.gen(function*() {
        const counts: Array<number> = []
        for (
          const options of [
            { includeHttps: false, includeRelay: false, includeIPv6: false },
            { includeHttps: true, includeRelay: false, includeIPv6: false },
            { includeHttps: true, includeRelay: true, includeIPv6: false },
            { includeHttps: true, includeIPv6: true, includeRelay: false },
            {} // every kind, as real clients ask
          ]
        ) {
          counts.push((yield* listResources(tokens.owner, options))[0]!.connections.length)
        }
        const resources = yield* listResources(tokens.owner)
        const best = resources.map((r) =>
          [
            Option.getOrNull(Option.map(PlexResources.bestConnection(r), (c) => c.uri)),
            Option.getOrNull(Option.map(PlexResources.bestConnection(r, { preferHttps: true }), (c) => c.uri))
          ] as const
        )
        return { counts, best }
      }))
      assert.deepStrictEqual(result.counts, [1, 3, 4, 4, 5])
      assert.deepStrictEqual(result.best, [
        ["http://192.168.1.10:32400", "https://192-168-1-10.0123456789abcdef0123456789abcdef.plex.direct:32400"],
        ["http://198.51.100.7:32400", "https://198-51-100-7.0123456789abcdef0123456789abcdef.plex.direct:32400"],
        [null, null]
      ])
    }))

  it.live("a bad token fails with InvalidToken (401, code 1001)", () =>
    Effect.gen(function*() {
      const scenario = Effect.flip(listResources("not-a-token"))
      const http = yield* Effect.provide(scenario, overHttp())
      const memory = yield* Effect.provide(scenario, inMemory())
      for (const error of [http, memory]) {
        assert.strictEqual(error._tag === "PlexUnauthorizedError" && error.reason, "InvalidToken")
        assert.deepStrictEqual(error._tag === "PlexUnauthorizedError" && error.errors.map((e) => e.code), [1001])
        assertNoSecrets(error, ["not-a-token"])
      }
      // each names the host it was configured with: the local server, or clients.plex.tv
      assert.match(http._tag === "PlexUnauthorizedError" ? http.host ?? "" : "", /^127\.0\.0\.1:\d+$/)
      assert.strictEqual(memory._tag === "PlexUnauthorizedError" && memory.host, "clients.plex.tv")
    }))
})

describe("PlexHome over HTTP", () => {
  it.live("lists the Home in the object form and in the bare-array form alike", () =>
    Effect.gen(function*() {
      const scenario = Effect.flatMap(PlexHome, (home) => home.users(Redacted.make(tokens.owner))).pipe(
        Effect.map((users) => users.map((u) => [u.id, u.username ?? null, u.email ?? null, u.admin, u.protected]))
      )
      const expected = [
        [10000001, "fake-owner", "owner@example.invalid", true, false],
        [10000002, null, null, false, true],
        [10000010, null, null, false, true],
        [10000011, null, null, false, false]
      ]
      assert.deepStrictEqual(yield* bothAgree(scenario), expected)
      assert.deepStrictEqual(yield* bothAgree(scenario, { home: { usersForm: "array" } }), expected)
    }))

  it.live("switches with the right PIN to the member's account and a new token that works", () =>
    Effect.gen(function*() {
      const result = yield* bothAgree(Effect.gen(function*() {
        const account = yield* switchTo(tokens.owner, "1e1e1e1e1e1e1e1e", MANAGED_PIN)
        const me = yield* Effect.flatMap(PlexAuth, (auth) => auth.getTokenDetails(account.authToken))
        const record = yield* Effect.flatMap(PlexTvFake, (fake) => fake.token(Redacted.value(account.authToken)))
        return { account: encodeUser(account), me: me.id, record, log: (yield* log).map((e) => [e.path, e.status]) }
      }))
      assert.strictEqual(result.account.id, 10000002)
      assert.notStrictEqual(result.account.authToken, tokens.managed)
      assert.strictEqual(result.me, 10000002)
      assert.deepStrictEqual(result.record, {
        accountId: 10000002,
        clientIdentifier: CLIENT_ID,
        state: "active",
        kind: "classic"
      })
      assert.deepStrictEqual(result.log, [["/api/v2/home/users/1e1e1e1e1e1e1e1e/switch", 201], ["/api/v2/user", 200]])
    }))

  it.live("a wrong or missing PIN fails with PlexHomePinRequiredError; an unprotected member needs none", () =>
    Effect.gen(function*() {
      const result = yield* bothAgree(Effect.gen(function*() {
        const wrong = yield* Effect.flip(switchTo(tokens.owner, "1e1e1e1e1e1e1e1e", "0000"))
        const missing = yield* Effect.flip(switchTo(tokens.owner, "1e1e1e1e1e1e1e1e"))
        const open = yield* switchTo(tokens.owner, openKid.uuid)
        return { wrong, missing, open: open.id, statuses: (yield* log).map((e) => e.status) }
      }))
      for (const error of [result.wrong, result.missing]) {
        assert.strictEqual(error._tag, "PlexHomePinRequiredError")
        if (error._tag !== "PlexHomePinRequiredError") return
        assert.strictEqual(error.status, 403)
        assert.deepStrictEqual(error.errors.map((e) => [e.code, e.status]), [[1041, undefined]])
      }
      assert.strictEqual(result.open, 10000011)
      assert.deepStrictEqual(result.statuses, [403, 403, 201]) // nothing retried
    }))

  it.live("a burst of switches draws 429, not retried", () =>
    Effect.gen(function*() {
      const statuses = yield* bothAgree(
        Effect.gen(function*() {
          yield* switchTo(tokens.owner, openKid.uuid)
          const error = yield* Effect.flip(switchTo(tokens.owner, openKid.uuid))
          assert.strictEqual(error._tag, "PlexRateLimitError")
          return (yield* log).map((e) => e.status)
        }),
        { settings: { rateLimit: { limit: 1, windowMillis: 60_000 } } }
      )
      assert.deepStrictEqual(statuses, [201, 429])
    }))

  it.live("the Home PIN and the tokens never reach a span, an error or the request log", () =>
    Effect.gen(function*() {
      const { exit, spans } = yield* withRecordedSpans(
        Effect.gen(function*() {
          const home = yield* PlexHome
          const users = yield* home.users(Redacted.make(tokens.owner))
          const target = users.find((u) => u.uuid === sentinelKid.uuid)!
          const wrong = yield* Effect.flip(
            home.switchTo(Redacted.make(tokens.owner), target, { pin: Redacted.make(WRONG_PIN_SENTINEL) })
          )
          const account = yield* home.switchTo(Redacted.make(tokens.owner), target, {
            pin: Redacted.make(PIN_SENTINEL)
          })
          yield* listResources(tokens.owner)
          return { wrong, account, log: yield* log }
        }).pipe(Effect.provide(overHttp()))
      )
      if (!Exit.isSuccess(exit)) return assert.fail(Cause.pretty(exit.cause))
      const { account, log: entries, wrong } = exit.value
      const secrets = [PIN_SENTINEL, WRONG_PIN_SENTINEL, tokens.owner, SHARED_TOKEN, Redacted.value(account.authToken)]

      assert.strictEqual(wrong._tag, "PlexHomePinRequiredError")
      assertNoSecrets(wrong, secrets)
      // spans exist for every call; the platform's HTTP span only where no PIN is in the URL
      assert.deepStrictEqual(
        spans.filter((s) => s.name.startsWith("http.client")).map((s) => s.attributes.get("url.path")),
        ["/api/v2/home/users", "/api/v2/resources"]
      )
      assert.deepStrictEqual(
        spans.filter((s) => s.name.startsWith("Plex")).map((s) => s.name),
        ["PlexHome.users", "PlexHome.switchTo", "PlexHome.switchTo", "PlexResources.list"]
      )
      for (const span of spans) {
        const text = spanText(span)
        for (const secret of secrets) assert.notInclude(text, secret, span.name)
      }
      const printedLog = JSON.stringify(entries)
      for (const secret of secrets) assert.notInclude(printedLog, secret)
      assert.isTrue(entries.every((e) => e.tokenIn === "header"))
    }))
})
