/**
 * Decoding real payloads without losing the call: samples built from the facts of plex-tv-api.md
 * (§2.4, §2.6, §2.7, §3), each decoded here.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { assert, describe, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import {
  PasswordCredentials,
  PlexAuth,
  PlexConfig,
  PlexHome,
  PlexHomeInfo,
  PlexPin,
  PlexPinAuth,
  PlexPinLocation,
  PlexResources,
  PlexUser
} from "@effect-plex/core"
import { FakeAccount, PlexTvFake } from "@effect-plex/core/testing"
import { decodeUserFast } from "../src/internal/userDecode.js"

const decodePin = Schema.decodeUnknownEither(PlexPin)

/** The members that are set (an arbitrary may hold a key whose value is `undefined`). */
const defined = (o: object | undefined) =>
  Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined))

const pinWith = (location: unknown) => ({
  id: 900000001,
  code: "7RQZ",
  clientIdentifier: "00000000-0000-4000-8000-000000000001",
  product: "effect-plex",
  trusted: false,
  expiresIn: 900,
  createdAt: "2026-01-02T03:04:05Z",
  expiresAt: "2026-01-02T03:19:05Z",
  authToken: null,
  newRegistration: null,
  location
})

describe("PlexPin.location is read leniently", () => {
  it("the spec's integer postal_code (802) is kept as text", () => {
    const pin = Schema.decodeUnknownSync(PlexPin)(pinWith({ code: "US", postal_code: 802, city: "Boulder" }))
    assert.strictEqual(pin.location?.postal_code, "802")
    assert.strictEqual(pin.location?.city, "Boulder")
  })

  it("\"Unknown\" privacy flags read as not known; in_privacy_restricted_region is kept", () => {
    const pin = Schema.decodeUnknownSync(PlexPin)(pinWith({
      european_union_member: "Unknown",
      in_privacy_restricted_country: "Unknown",
      in_privacy_restricted_region: true,
      country: "Nowhere"
    }))
    assert.strictEqual(pin.location?.european_union_member, undefined)
    assert.strictEqual(pin.location?.in_privacy_restricted_country, undefined)
    assert.strictEqual(pin.location?.in_privacy_restricted_region, true)
    assert.strictEqual(pin.location?.country, "Nowhere")
    assert.instanceOf(pin.location, PlexPinLocation)
  })

  it("booleans and strings as plex.tv usually sends them are unchanged", () => {
    const location = {
      code: "ZZ",
      european_union_member: false,
      continent_code: "ZZ",
      country: "Nowhere",
      city: "Faketown",
      time_zone: "Etc/UTC",
      postal_code: "00000",
      in_privacy_restricted_country: false,
      in_privacy_restricted_region: false,
      subdivisions: "Nowhere",
      coordinates: "0.0, 0.0"
    }
    const pin = Schema.decodeUnknownSync(PlexPin)(pinWith(location))
    assert.deepStrictEqual({ ...pin.location }, location)
  })

  it.prop("whatever location holds, the PIN decodes", [FastCheck.jsonValue()], ([location]) => {
    assert.isTrue(Either.isRight(decodePin(pinWith(location))))
  })

  it.prop(
    "whatever each member holds, the PIN decodes",
    [FastCheck.dictionary(
      FastCheck.constantFrom(
        "code",
        "european_union_member",
        "postal_code",
        "in_privacy_restricted_country",
        "in_privacy_restricted_region",
        "coordinates"
      ),
      FastCheck.jsonValue()
    )],
    ([location]) => {
      assert.isTrue(Either.isRight(decodePin(pinWith(location))))
    }
  )

  it.prop("PlexPin encode → decode round-trips", [Arbitrary.make(PlexPin)], ([pin]) => {
    const again = Schema.decodeUnknownSync(PlexPin)(Schema.encodeSync(PlexPin)(pin))
    assert.deepStrictEqual(defined(again.location), defined(pin.location))
    assert.strictEqual(again.code, pin.code)
  })
})

// ---------------------------------------------------------------------------------------------
// the account: pastSubscriptions as plex.tv sends them

const authOverFake = PlexAuth.layer.pipe(
  Layer.provide(PlexConfig.layer({ client: { clientIdentifier: "payload-test" } })),
  Layer.provideMerge(PlexTvFake.layer({ accounts: [FakeAccount.lapsed], settings: { rateLimit: undefined } }))
)

describe("PlexUser.pastSubscriptions", () => {
  const sample = {
    id: "7d3e5a1c-past-0001",
    mode: "monthly",
    renewsAt: null,
    endsAt: 1582893108,
    type: "plexpass",
    transfer: null,
    state: "ended",
    canceled: true,
    billing: { internalPaymentMethod: {}, paymentMethodId: null }
  }
  const account = { id: 1, uuid: "3c3c3c3c3c3c3c3c", authToken: "FAKEtoken", pastSubscriptions: [sample] }

  it("a string id (Plex's spec) and an integer endsAt decode, on the fast path and the Schema path alike", () => {
    const slow = Schema.decodeUnknownSync(PlexUser)(account)
    const fast = decodeUserFast(account)
    assert.isTrue(Either.isRight(fast))
    for (const user of [slow, Either.getOrThrow(fast)]) {
      assert.strictEqual(user.pastSubscriptions?.[0]?.id, "7d3e5a1c-past-0001")
      assert.strictEqual(user.pastSubscriptions?.[0]?.endsAt, 1582893108)
      assert.deepStrictEqual(user.pastSubscriptions?.[0]?.billing, { internalPaymentMethod: {}, paymentMethodId: null })
    }
    // an integer id, as 0.1.0 expected, still decodes
    const withInt = decodeUserFast({ ...account, pastSubscriptions: [{ ...sample, id: 42 }] })
    assert.strictEqual(Either.getOrThrow(withInt).pastSubscriptions?.[0]?.id, 42)
  })

  it.effect("signing in to an account with a lapsed Plex Pass (FakeAccount.lapsed) keeps the call", () =>
    Effect.gen(function*() {
      const auth = yield* PlexAuth
      const user = yield* auth.signIn(
        PasswordCredentials.make({ login: "fake-lapsed", password: Redacted.make("lapsed-password") })
      )
      assert.strictEqual(user.username, "fake-lapsed")
      assert.strictEqual(user.pastSubscriptions?.[0]?.id, "7d3e5a1c-past-0001")
      assert.strictEqual(user.subscription?.status, "Lapsed")
      const again = yield* auth.getTokenDetails(Redacted.make(FakeAccount.lapsed.tokens[0]!))
      assert.strictEqual(again.pastSubscriptions?.[0]?.endsAt, 1582893108)
    }).pipe(Effect.provide(authOverFake)))
})

// ---------------------------------------------------------------------------------------------
// lists: one odd entry never fails a list

/** Runs `effect` with a logger that keeps every line, and returns the lines too. */
const withLogs = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const logs: Array<string> = []
    const logger = Logger.make(({ logLevel, message }) => {
      logs.push(`${logLevel.label} ${Array.isArray(message) ? message.join(" ") : String(message)}`)
    })
    const value = yield* Effect.provide(effect, Logger.add(logger))
    return [value, logs] as const
  })

const ownerToken = Redacted.make(FakeAccount.owner.tokens[0]!)

const listsOverFake = Layer.mergeAll(PlexResources.layer, PlexHome.layer).pipe(
  Layer.provide(PlexConfig.layer({ client: { clientIdentifier: "payload-test" } })),
  Layer.provideMerge(PlexTvFake.layer({
    accounts: [FakeAccount.owner, FakeAccount.managed],
    settings: { rateLimit: undefined },
    resources: { oddEntries: true },
    home: { oddEntries: true, guestEnabled: true }
  }))
)

describe("PlexResources.list keeps the rest of the list", () => {
  it.effect("the fake's odd entries: a connection with uri \"\" is dropped, an entry without clientIdentifier skipped", () =>
    Effect.gen(function*() {
      const [resources, logs] = yield* withLogs(Effect.flatMap(PlexResources, (r) => r.list(ownerToken)))
      assert.deepStrictEqual(resources.map((r) => r.name), [
        "Fake Server",
        "Friend's Server",
        "Fake Player",
        "Odd Server",
        "Bare Player"
      ])
      const odd = resources.find((r) => r.name === "Odd Server")!
      assert.deepStrictEqual(odd.connections.map((c) => c.uri), ["http://192.168.1.30:32400"])
      assert.deepStrictEqual(resources.find((r) => r.name === "Bare Player")!.connections, [])
      assert.deepStrictEqual(logs, [
        "WARN plex.tv answer: resources[3].connections[0] skipped (missing or invalid: uri)",
        "WARN plex.tv answer: resources[4] skipped (missing or invalid: clientIdentifier)"
      ])
    }).pipe(Effect.provide(listsOverFake)))

  it.effect.prop(
    "whichever entries lack clientIdentifier or have an empty connection uri, the others are returned in order",
    [FastCheck.array(FastCheck.record({ broken: FastCheck.boolean(), emptyUri: FastCheck.boolean() }), {
      maxLength: 8
    })],
    ([shapes]) =>
      Effect.gen(function*() {
        const body = shapes.map(({ broken, emptyUri }, i) => ({
          name: `r${i}`,
          ...(broken ? {} : { clientIdentifier: `id-${i}` }),
          connections: [{ uri: emptyUri ? "" : `http://10.0.0.${i}:32400` }, { uri: `https://r${i}.plex.direct:443` }]
        }))
        const client = HttpClient.make((request) =>
          Effect.succeed(HttpClientResponse.fromWeb(request, Response.json(body)))
        )
        const layer = PlexResources.layer.pipe(
          Layer.provide(PlexConfig.layer({ client: { clientIdentifier: "prop" } })),
          Layer.provide(Layer.succeed(HttpClient.HttpClient, client))
        )
        const [resources, logs] = yield* withLogs(
          Effect.provide(Effect.flatMap(PlexResources, (r) => r.list(ownerToken)), layer)
        )
        const kept = shapes.flatMap(({ broken }, i) => (broken ? [] : [`r${i}`]))
        assert.deepStrictEqual(resources.map((r) => r.name), kept)
        for (const resource of resources) {
          const i = Number(resource.name.slice(1))
          assert.strictEqual(resource.connections.length, shapes[i]!.emptyUri ? 1 : 2)
        }
        const expectedWarnings = shapes.filter((s) => s.broken).length + shapes.filter((s) => s.emptyUri).length
        assert.strictEqual(logs.filter((line) => line.startsWith("WARN")).length, expectedWarnings)
      })
  )

  it.effect("a body that is not a list is still a PlexDecodeError", () =>
    Effect.gen(function*() {
      const client = HttpClient.make((request) =>
        Effect.succeed(HttpClientResponse.fromWeb(request, Response.json({ resources: [] })))
      )
      const error = yield* Effect.flip(Effect.flatMap(PlexResources, (r) => r.list(ownerToken))).pipe(
        Effect.provide(PlexResources.layer.pipe(
          Layer.provide(PlexConfig.layer({ client: { clientIdentifier: "prop" } })),
          Layer.provide(Layer.succeed(HttpClient.HttpClient, client))
        ))
      )
      assert.strictEqual(error._tag, "PlexDecodeError")
    }))
})

describe("PlexHome keeps updatedAt, the PIN's presence and the guest fields", () => {
  it.effect("users: odd members skipped with a warning; updatedAt and hasPin kept, the hash redacted", () =>
    Effect.gen(function*() {
      const [users, logs] = yield* withLogs(Effect.flatMap(PlexHome, (home) => home.users(ownerToken)))
      assert.deepStrictEqual(users.map((u) => u.id), [10000001, 10000002])
      const [owner, kid] = users
      assert.isFalse(owner!.hasPin)
      assert.strictEqual(owner!.pin, undefined)
      assert.isTrue(kid!.hasPin)
      assert.isTrue(Redacted.isRedacted(kid!.pin))
      assert.notInclude(JSON.stringify(kid), "2580")
      assert.strictEqual(kid!.updatedAt, 1650000000)
      assert.deepStrictEqual(logs, [
        "WARN plex.tv answer: users[2] skipped (missing or invalid: uuid)",
        "WARN plex.tv answer: users[3] skipped (missing or invalid: id, uuid)"
      ])
    }).pipe(Effect.provide(listsOverFake)))

  it.effect("home: the Home's id, name and guest user with its members", () =>
    Effect.gen(function*() {
      const home = yield* Effect.flatMap(PlexHome, (h) => h.home(ownerToken))
      assert.instanceOf(home, PlexHomeInfo)
      assert.strictEqual(home.name, "fake-owner Home")
      assert.strictEqual(home.guestEnabled, true)
      assert.strictEqual(home.guestUserID, 10000099)
      assert.strictEqual(home.guestUserUUID, "9a9a9a9a9a9a9a9a")
      assert.strictEqual(home.subscription, true)
      assert.deepStrictEqual(home.users.map((u) => u.uuid), ["0f0f0f0f0f0f0f0f", "1e1e1e1e1e1e1e1e"])
    }).pipe(Effect.provide(listsOverFake)))

  it.effect("home from the bare-array form: only the members", () =>
    Effect.gen(function*() {
      const home = yield* Effect.flatMap(PlexHome, (h) => h.home(ownerToken))
      assert.strictEqual(home.guestEnabled, undefined)
      assert.strictEqual(home.users.length, 2)
    }).pipe(Effect.provide(
      Layer.mergeAll(PlexHome.layer).pipe(
        Layer.provide(PlexConfig.layer({ client: { clientIdentifier: "payload-test" } })),
        Layer.provide(PlexTvFake.layer({
          accounts: [FakeAccount.owner, FakeAccount.managed],
          settings: { rateLimit: undefined },
          home: { usersForm: "array" }
        }))
      )
    )))
})

describe("a PIN login starts whatever the location holds", () => {
  it.effect("the fake's loose location (postal_code 802, \"Unknown\" flags): createPin and the poll succeed", () =>
    Effect.gen(function*() {
      const pins = yield* PlexPinAuth
      const pin = yield* pins.createPin({ strong: false })
      assert.strictEqual(pin.location?.postal_code, "802")
      assert.strictEqual(pin.location?.european_union_member, undefined)
      assert.strictEqual(pin.location?.in_privacy_restricted_country, undefined)
      assert.strictEqual(pin.location?.in_privacy_restricted_region, false)
      const poll = yield* pins.checkPin(pin) // the poll decodes the same PIN body: not linked yet
      assert.isTrue(Option.isNone(poll))
    }).pipe(Effect.provide(PlexPinAuth.layer.pipe(
      Layer.provide(PlexConfig.layer({ client: { clientIdentifier: "payload-test" } })),
      Layer.provide(PlexTvFake.layer({ accounts: [FakeAccount.owner], pins: { location: "loose" } }))
    ))))
})
