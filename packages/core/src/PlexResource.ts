/**
 * The devices of an account, as `GET /api/v2/resources` lists them: Plex Media Servers (owned,
 * shared with the account, or of its Plex Home) and players, each with the connections it can be
 * reached at.
 *
 * Tolerant where plex.tv is loose: unknown fields are ignored, and every field but `name` and
 * `clientIdentifier` may be missing or `null` (old servers send `null` platform fields; clients
 * have no `accessToken`). A connection needs only its `uri`; its `local`, `relay` and `IPv6` flags
 * read as `false` when missing.
 *
 * Essential fields (since 0.2.0 `PlexResources.list` leaves out, with a `Warning` log, an entry
 * that lacks one, instead of failing the whole list): a resource's `name` and non-empty
 * `clientIdentifier` (without them it cannot be told apart or shown), a connection's non-empty
 * `uri` (without it there is nothing to connect to; `protocol`, `address` and `port` are
 * informational). A field of an unexpected type leaves its entry out the same way.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/** Missing and `null` both decode to a missing key. */
const loose = <S extends Schema.Schema.Any>(schema: S) => Schema.optionalWith(schema, { nullable: true })

/** Missing and `null` both decode to `false`. */
const flag = Schema.optionalWith(Schema.Boolean, { nullable: true, default: () => false })

/**
 * One address a resource can be reached at (`resource.connections[]`). Its one essential field is
 * a non-empty `uri`: `PlexResources.list` drops a connection without one from its resource.
 *
 * - `uri`: what to connect to, usually `https://<dashed-ip>.<hash>.plex.direct:<port>` (or
 *   `http://<ip>:<port>`);
 * - `protocol`: `"http"` or `"https"` (kept as a string);
 * - `local`: on the same network as the device that registered it;
 * - `relay`: through Plex's relay, bandwidth-limited: a last resort;
 * - `IPv6`: an IPv6 address.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { PlexConnection } from "@effect-plex/core"
 * import * as Schema from "effect/Schema"
 *
 * const connection = Schema.decodeUnknownSync(PlexConnection)({
 *   protocol: "https",
 *   address: "192.168.1.10",
 *   port: 32400,
 *   uri: "https://192-168-1-10.0123456789abcdef.plex.direct:32400",
 *   local: true,
 *   relay: false,
 *   IPv6: null
 * })
 * console.log(connection.IPv6) // false
 */
export class PlexConnection extends Schema.Class<PlexConnection>("@effect-plex/core/PlexConnection")({
  uri: Schema.NonEmptyString,
  protocol: loose(Schema.String),
  address: loose(Schema.String),
  port: loose(Schema.Int),
  local: flag,
  relay: flag,
  IPv6: flag
}) {}

/**
 * A server or player of the account (one entry of `GET /api/v2/resources`). Essential: `name`
 * and a non-empty `clientIdentifier`; `PlexResources.list` leaves out an entry without them.
 *
 * - `provides`: the raw comma list of capabilities (`"server"`, `"client,player"`, …); test it
 *   with {@link PlexResource.hasCapability}.
 * - `accessToken`: the token to use with **this** device, `Redacted`. On a shared server it is
 *   not the account's token; on clients it is usually missing.
 * - `owned`, `ownerId`, `sourceTitle`: `ownerId` is missing when the caller owns the resource;
 *   `sourceTitle` names the owner of a shared one.
 * - `createdAt`, `lastSeenAt`: ISO-8601 strings, as plex.tv sends them.
 *
 * Pick a connection with `PlexResources.bestConnection`.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { PlexResource } from "@effect-plex/core"
 * import * as Schema from "effect/Schema"
 *
 * const resource = Schema.decodeUnknownSync(PlexResource)({
 *   name: "Living Room",
 *   clientIdentifier: "0123456789abcdef",
 *   product: "Plex Media Server",
 *   provides: "server",
 *   platform: null,
 *   accessToken: "token",
 *   owned: true,
 *   connections: [{ protocol: "http", port: 32400, uri: "http://192.168.1.10:32400", local: true }]
 * })
 * console.log(resource.hasCapability("server")) // true
 * console.log(String(resource.accessToken)) // "<redacted>"
 */
export class PlexResource extends Schema.Class<PlexResource>("@effect-plex/core/PlexResource")({
  name: Schema.String,
  clientIdentifier: Schema.NonEmptyString,
  product: loose(Schema.String),
  productVersion: loose(Schema.String),
  platform: loose(Schema.String),
  platformVersion: loose(Schema.String),
  device: loose(Schema.String),
  createdAt: loose(Schema.String),
  lastSeenAt: loose(Schema.String),
  provides: loose(Schema.String),
  ownerId: loose(Schema.Int),
  sourceTitle: loose(Schema.String),
  publicAddress: loose(Schema.String),
  accessToken: loose(Schema.Redacted(Schema.String)),
  owned: loose(Schema.Boolean),
  home: loose(Schema.Boolean),
  synced: loose(Schema.Boolean),
  relay: loose(Schema.Boolean),
  presence: loose(Schema.Boolean),
  httpsRequired: loose(Schema.Boolean),
  publicAddressMatches: loose(Schema.Boolean),
  dnsRebindingProtection: loose(Schema.Boolean),
  natLoopbackSupported: loose(Schema.Boolean),
  connections: Schema.optionalWith(Schema.Array(PlexConnection), { nullable: true, default: () => [] })
}) {
  /**
   * Whether `provides` lists the capability (`"server"`, `"player"`, `"client"`, …), ignoring
   * case and spaces.
   *
   * @since 0.1.0
   */
  hasCapability(capability: string): boolean {
    const wanted = capability.trim().toLowerCase()
    return (this.provides ?? "").split(",").some((entry) => entry.trim().toLowerCase() === wanted)
  }

  /**
   * Whether the caller owns the resource: `owned` when plex.tv sends it, otherwise the absence of
   * an `ownerId`.
   *
   * @since 0.1.0
   */
  get isOwned(): boolean {
    return this.owned ?? this.ownerId === undefined
  }
}
