/**
 * The PIN object of plex.tv's PIN linking flow (`POST /api/v2/pins`, `GET /api/v2/pins/{id}`).
 *
 * Tolerant where plex.tv is loose: unknown fields are ignored, `qr`, `product`, `trusted`,
 * `createdAt`, `location` (and each of its members), `authToken` and `newRegistration` may be
 * missing or `null`. Strict where the library relies on a value: `id` and `expiresIn` are integers,
 * `code` is a non-empty string, `expiresAt` is a date.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/** Missing and `null` both decode to a missing key. */
const loose = <S extends Schema.Schema.Any>(schema: S) => Schema.optionalWith(schema, { nullable: true })

/**
 * Where plex.tv thinks the device that created a PIN is (`pin.location`). Every member is optional.
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
  subdivisions: loose(Schema.String),
  coordinates: loose(Schema.String)
}) {}

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
  location: loose(PlexPinLocation),
  authToken: loose(Schema.Redacted(Schema.String)),
  newRegistration: loose(Schema.Boolean)
}) {}
