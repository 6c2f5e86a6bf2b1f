/**
 * Decoding real payloads without losing the call: samples built from the facts of plex-tv-api.md
 * (§2.4, §2.6, §2.7, §3), each decoded here.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Schema from "effect/Schema"
import { PlexPin, PlexPinLocation } from "@effect-plex/core"

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
