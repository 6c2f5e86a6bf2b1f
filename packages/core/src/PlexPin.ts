/**
 * The PIN object of plex.tv's PIN linking flow (`POST /api/v2/pins`, `GET /api/v2/pins/{id}`).
 *
 * Tolerant where plex.tv is loose: unknown fields are ignored, `qr`, `product`, `trusted`,
 * `createdAt`, `location`, `authToken` and `newRegistration` may be missing or `null`, and
 * `location` (informational) never fails a PIN, whatever its members hold. Strict where the
 * library relies on a value: `id` and `expiresIn` are integers, `code` is a non-empty string,
 * `expiresAt` is a date.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/** Missing and `null` both decode to a missing key. */
const loose = <S extends Schema.Schema.Any>(schema: S) => Schema.optionalWith(schema, { nullable: true })

/**
 * Where plex.tv thinks the device that created a PIN is (`pin.location`). Informational only, and
 * read leniently: every member is optional, and a member of an unexpected type never fails the PIN.
 *
 * - the text members (`code`, `country`, `city`, `postal_code`, …) are kept when plex.tv sends a
 *   string or a number (Plex's own spec example has `postal_code` as the integer `802`), as a string;
 * - the privacy flags (`european_union_member`, `in_privacy_restricted_country`,
 *   `in_privacy_restricted_region`) are kept when they are booleans; plex.tv's `"Unknown"` (or any
 *   other value) reads as `undefined`: not known.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { PlexPinLocation } from "@effect-plex/core"
 *
 * const location = PlexPinLocation.make({ country: "Nowhere", time_zone: "Etc/UTC" })
 * console.log(location.country) // "Nowhere"
 */
export class PlexPinLocation extends Schema.Class<PlexPinLocation>("@effect-plex/core/PlexPinLocation")({
  code: loose(Schema.String),
  european_union_member: loose(Schema.Boolean),
  continent_code: loose(Schema.String),
  country: loose(Schema.String),
  city: loose(Schema.String),
  time_zone: loose(Schema.String),
  postal_code: loose(Schema.String),
  in_privacy_restricted_country: loose(Schema.Boolean),
  /** @since 0.2.0 */
  in_privacy_restricted_region: loose(Schema.Boolean),
  subdivisions: loose(Schema.String),
  coordinates: loose(Schema.String)
}) {}

const locationFlags = [
  "european_union_member",
  "in_privacy_restricted_country",
  "in_privacy_restricted_region"
] as const
const locationTexts = [
  "code",
  "continent_code",
  "country",
  "city",
  "time_zone",
  "postal_code",
  "subdivisions",
  "coordinates"
] as const

/** Keeps what has the expected type (a number as text), drops the rest: the location never fails a PIN. */
const readLocation = (u: unknown): PlexPinLocation => {
  // a member that was sent keeps its key (`undefined` when unreadable), so encode → decode round-trips
  const fields: Record<string, string | boolean | undefined> = {}
  if (typeof u === "object" && u !== null && !Array.isArray(u)) {
    const record = u as Record<string, unknown>
    for (const key of locationTexts) {
      if (!Object.hasOwn(record, key)) continue
      const value = record[key]
      fields[key] = typeof value === "string"
        ? value
        : typeof value === "number" && Number.isFinite(value)
        ? String(value)
        : undefined
    }
    for (const key of locationFlags) {
      if (!Object.hasOwn(record, key)) continue
      const value = record[key]
      fields[key] = typeof value === "boolean" ? value : undefined
    }
  }
  return PlexPinLocation.make(fields as ConstructorParameters<typeof PlexPinLocation>[0])
}

/** `pin.location` as sent: any JSON value (`null` is missing); decodes to what could be read of it. */
const AnyValue = Schema.Unknown.pipe(Schema.filter((u) => u !== undefined && u !== null)) // null: missing
const LenientLocation = Schema.transform(AnyValue, Schema.typeSchema(PlexPinLocation), {
  strict: true,
  decode: readLocation,
  encode: (location) => ({ ...location })
})

/**
 * A plex.tv PIN: the `code` the user approves (in the browser for a strong 25-character code, at
 * `https://plex.tv/link` for a 4-character one), and, once approved, the `authToken` issued to the
 * client identifier that created it.
 *
 * - `createdAt` and `expiresAt` arrive as ISO-8601 strings and decode to `DateTime.Utc`, so they
 *   compare directly with the Effect `Clock` (`DateTime.now`); they encode back to ISO strings.
 * - `expiresIn` is the number of seconds left when plex.tv answered; it counts down on later reads.
 * - `authToken` is missing (or was `null`) until the PIN is linked, then a `Redacted` token that
 *   never prints. `newRegistration` is missing while `authToken` is.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { PlexPin } from "@effect-plex/core"
 * import * as DateTime from "effect/DateTime"
 * import * as Schema from "effect/Schema"
 *
 * const pin = Schema.decodeUnknownSync(PlexPin)({
 *   id: 900000001,
 *   code: "7RQZ",
 *   clientIdentifier: "00000000-0000-4000-8000-000000000001",
 *   product: "my-app",
 *   trusted: false,
 *   expiresIn: 900,
 *   createdAt: "2026-01-02T03:04:05Z",
 *   expiresAt: "2026-01-02T03:19:05Z",
 *   authToken: null,
 *   newRegistration: null
 * })
 * console.log(DateTime.formatIso(pin.expiresAt)) // "2026-01-02T03:19:05.000Z"
 * console.log(pin.authToken) // undefined
 */
export class PlexPin extends Schema.Class<PlexPin>("@effect-plex/core/PlexPin")({
  id: Schema.Int,
  code: Schema.NonEmptyString,
  clientIdentifier: Schema.String,
  expiresIn: Schema.Int,
  expiresAt: Schema.DateTimeUtc,
  createdAt: loose(Schema.DateTimeUtc),
  product: loose(Schema.String),
  trusted: loose(Schema.Boolean),
  qr: loose(Schema.String),
  location: loose(LenientLocation),
  authToken: loose(Schema.Redacted(Schema.String)),
  newRegistration: loose(Schema.Boolean)
}) {}
