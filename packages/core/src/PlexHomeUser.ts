/**
 * A member of a Plex Home, as `GET /api/v2/home/users` lists it.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/** Missing and `null` both decode to a missing key. */
const loose = <S extends Schema.Schema.Any>(schema: S) => Schema.optionalWith(schema, { nullable: true })

/**
 * A member of the caller's Plex Home. Pass it (or just its `uuid`) to `PlexHome.switchTo`.
 *
 * - `username`, `email`: `null` (decoded as missing) or `""` for managed users, who have no
 *   plex.tv login of their own;
 * - `admin`: the Home's administrator; `guest`: the Home's guest user;
 * - `restricted`: a managed user, with a `restrictionProfile` (`"little_kid"`, `"older_kid"`,
 *   `"teen"`, or missing for custom restrictions);
 * - `protected`: has a Home PIN, so switching to it needs the `pin` option.
 *
 * - `updatedAt`: when the member last changed (Unix seconds as plex.tv sends it; a string is kept
 *   as is);
 * - `pin`: plex.tv's hashed Home PIN of a protected member, `Redacted` (never printed); its
 *   presence alone matters: {@link PlexHomeUser.hasPin}.
 *
 * Only `id` and `uuid` are required (the essential fields: `PlexHome.users` leaves out, with a
 * `Warning` log, a member without them); every other field may be missing or `null`.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { PlexHomeUser } from "@effect-plex/core"
 * import * as Schema from "effect/Schema"
 *
 * const kid = Schema.decodeUnknownSync(PlexHomeUser)({
 *   id: 10000002,
 *   uuid: "1e1e1e1e1e1e1e1e",
 *   title: "Kid Profile",
 *   username: null,
 *   email: null,
 *   restricted: true,
 *   restrictionProfile: "older_kid",
 *   protected: true
 * })
 * console.log(kid.username) // undefined
 * console.log(kid.protected) // true
 */
export class PlexHomeUser extends Schema.Class<PlexHomeUser>("@effect-plex/core/PlexHomeUser")({
  id: Schema.Int,
  uuid: Schema.NonEmptyString,
  title: loose(Schema.String),
  username: loose(Schema.String),
  email: loose(Schema.String),
  friendlyName: loose(Schema.String),
  thumb: loose(Schema.String),
  hasPassword: loose(Schema.Boolean),
  restricted: loose(Schema.Boolean),
  restrictionProfile: loose(Schema.String),
  admin: loose(Schema.Boolean),
  guest: loose(Schema.Boolean),
  protected: loose(Schema.Boolean),
  updatedAt: loose(Schema.Union(Schema.Number, Schema.String)),
  pin: loose(Schema.Redacted(Schema.String))
}) {
  /**
   * Whether switching to this member needs a Home PIN: `protected`, or a hashed `pin` in the
   * listing (plex.tv sends one only for members that have a PIN).
   *
   * @since 0.2.0
   */
  get hasPin(): boolean {
    return this.protected === true || this.pin !== undefined
  }
}

/**
 * The caller's Plex Home, as `GET /api/v2/home/users` answers it in its object form: the Home's
 * `id` and `name`, its guest user (`guestUserID`, `guestUserUUID`, `guestEnabled`), whether it has
 * a Plex Pass (`subscription`), and its members. From the bare-array form (seen once) only
 * `users` is known. Every field but `users` may be missing.
 *
 * @since 0.2.0
 * @category models
 * @example
 * import { PlexHomeInfo } from "@effect-plex/core"
 * import * as Schema from "effect/Schema"
 *
 * const home = Schema.decodeUnknownSync(PlexHomeInfo)({
 *   id: 700001,
 *   name: "fake-owner Home",
 *   guestUserID: 10000099,
 *   guestUserUUID: "9a9a9a9a9a9a9a9a",
 *   guestEnabled: true,
 *   subscription: true,
 *   users: [{ id: 10000001, uuid: "0f0f0f0f0f0f0f0f", admin: true }]
 * })
 * console.log(home.guestEnabled, home.users.length) // true 1
 */
export class PlexHomeInfo extends Schema.Class<PlexHomeInfo>("@effect-plex/core/PlexHomeInfo")({
  id: loose(Schema.Int),
  name: loose(Schema.String),
  guestUserID: loose(Schema.Int),
  guestUserUUID: loose(Schema.String),
  guestEnabled: loose(Schema.Boolean),
  subscription: loose(Schema.Boolean),
  users: Schema.Array(PlexHomeUser)
}) {}
