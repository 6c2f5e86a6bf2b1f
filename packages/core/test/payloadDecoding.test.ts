/**
 * Decoding real payloads without losing the call: samples built from the facts of plex-tv-api.md
 * (§2.4, §2.6, §2.7, §3), each decoded here.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { PasswordCredentials, PlexAuth, PlexConfig, PlexPin, PlexPinLocation, PlexUser } from "@effect-plex/core"
import { FakeAccount, PlexTvFake } from "@effect-plex/core/testing"
import { decodeUserFast } from "../src/internal/userDecode.js"

const decodePin = Schema.decodeUnknownEither(PlexPin)

/** The members that are set (an arbitrary may hold a key whose value is `undefined`). */
const defined = (o: object | undefined) => Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined))

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
