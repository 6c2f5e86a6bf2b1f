/**
 * Real payload shapes over HTTP: the samples of the fake's fixtures, served by PlexTvServer and
 * read through undici, decode as they do in memory.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Logger from "effect/Logger"
import { PasswordCredentials, PlexAuth, PlexConfig, PlexHome, PlexPinAuth, PlexResources } from "@effect-plex/core"
import { FakeAccount, PlexTvFake } from "@effect-plex/core/testing"
import { PlexNode } from "@effect-plex/node"
import { PlexTvServer } from "@effect-plex/node/testing"

const client = { clientIdentifier: "payloads-node-test" }

const overHttp = PlexAuth.layer.pipe(
  Layer.provide(PlexTvServer.layerConfig(client)),
  Layer.provide(PlexNode.layerHttpClient),
  Layer.provideMerge(PlexTvServer.layer({ accounts: [FakeAccount.lapsed], settings: { rateLimit: undefined } }))
)

describe("account payloads over PlexTvServer", () => {
  it.live("a lapsed Plex Pass (pastSubscriptions with a string id) never fails the sign-in", () =>
    Effect.gen(function*() {
      const auth = yield* PlexAuth
      const user = yield* auth.signIn(
        PasswordCredentials.make({ login: "fake-lapsed", password: Redacted.make("lapsed-password") })
      )
      assert.strictEqual(user.pastSubscriptions?.[0]?.id, "7d3e5a1c-past-0001")
      assert.strictEqual(user.pastSubscriptions?.[0]?.endsAt, 1582893108)
      assert.strictEqual(user.subscription?.status, "Lapsed")
    }).pipe(Effect.provide(overHttp)))
})

/** Runs `effect` with a logger that keeps every line, and returns the lines too. */
const withLogs = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const logs: Array<string> = []
    const logger = Logger.make(({ logLevel, message }) => {
      logs.push(`${logLevel.label} ${Array.isArray(message) ? message.join(" ") : String(message)}`)
    })
    const value = yield* Effect.provide(effect, Logger.replace(Logger.defaultLogger, logger))
    return [value, logs] as const
  })

const fakeOptions = {
  accounts: [FakeAccount.owner, FakeAccount.managed],
  settings: { rateLimit: undefined },
  resources: { oddEntries: true },
  home: { oddEntries: true, guestEnabled: true }
} as const

const lists = Layer.mergeAll(PlexResources.layer, PlexHome.layer)
const listsOverHttp = lists.pipe(
  Layer.provide(PlexTvServer.layerConfig(client)),
  Layer.provide(PlexNode.layerHttpClient),
  Layer.provideMerge(PlexTvServer.layer(fakeOptions))
)
const listsInMemory = lists.pipe(
  Layer.provide(PlexConfig.layer({ client })),
  Layer.provideMerge(PlexTvFake.layer(fakeOptions))
)

const token = Redacted.make(FakeAccount.owner.tokens[0]!)

/** What both front doors must agree on: the entries kept, the fields read, the warnings logged. */
const scenario = Effect.gen(function*() {
  const [resources, resourceLogs] = yield* withLogs(Effect.flatMap(PlexResources, (r) => r.list(token)))
  const [home, homeLogs] = yield* withLogs(Effect.flatMap(PlexHome, (h) => h.home(token)))
  return {
    resources: resources.map((r) => [r.name, r.connections.map((c) => c.uri)] as const),
    members: home.users.map((u) => [u.id, u.hasPin, u.updatedAt] as const),
    guest: [home.guestEnabled, home.guestUserID, home.guestUserUUID],
    logs: [...resourceLogs, ...homeLogs]
  }
})

describe("odd list entries over PlexTvServer", () => {
  it.live("are left out with the same warnings as in memory; the rest of each list is returned", () =>
    Effect.gen(function*() {
      const http = yield* Effect.provide(scenario, listsOverHttp)
      const memory = yield* Effect.provide(scenario, listsInMemory)
      assert.deepStrictEqual(http, memory)
      assert.deepStrictEqual(http.resources.map(([name]) => name), [
        "Fake Server",
        "Friend's Server",
        "Fake Player",
        "Odd Server",
        "Bare Player"
      ])
      assert.deepStrictEqual(http.resources[3]![1], ["http://192.168.1.30:32400"])
      assert.deepStrictEqual(http.members, [[10000001, false, 1650000000], [10000002, true, 1650000000]])
      assert.deepStrictEqual(http.guest, [true, 10000099, "9a9a9a9a9a9a9a9a"])
      assert.deepStrictEqual(http.logs, [
        "WARN plex.tv answer: resources[3].connections[0] skipped (missing or invalid: uri)",
        "WARN plex.tv answer: resources[4] skipped (missing or invalid: clientIdentifier)",
        "WARN plex.tv answer: users[2] skipped (missing or invalid: uuid)",
        "WARN plex.tv answer: users[3] skipped (missing or invalid: id, uuid)"
      ])
    }))
})

describe("PIN location over PlexTvServer", () => {
  it.live("the loose location (postal_code 802, \"Unknown\" flags) never fails createPin", () =>
    Effect.gen(function*() {
      const pin = yield* Effect.flatMap(PlexPinAuth, (pins) => pins.createPin())
      assert.strictEqual(pin.location?.postal_code, "802")
      assert.strictEqual(pin.location?.european_union_member, undefined)
      assert.strictEqual(pin.location?.in_privacy_restricted_region, false)
    }).pipe(Effect.provide(PlexPinAuth.layer.pipe(
      Layer.provide(PlexTvServer.layerConfig(client)),
      Layer.provide(PlexNode.layerHttpClient),
      Layer.provideMerge(PlexTvServer.layer({ accounts: [FakeAccount.owner], pins: { location: "loose" } }))
    ))))
})
