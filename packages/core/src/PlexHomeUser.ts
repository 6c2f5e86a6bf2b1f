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
 * Only `id` and `uuid` are required; every other field may be missing or `null`.
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
  protected: loose(Schema.Boolean)
}) {}
