/**
 * The plex.tv account object, as `/api/v2/user` and sign-in answer it.
 *
 * Tolerant where plex.tv is loose: unknown fields are ignored, every documented field but `id`,
 * `uuid` and `authToken` may be missing or `null` (managed Home users have many nulls and empty
 * strings), and open-ended values (statuses, plans, restriction profiles) are plain strings.
 * Strict where it matters: `id` is an integer, `uuid` and `authToken` are non-empty strings.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/** Missing and `null` both decode to a missing key. */
const loose = <S extends Schema.Schema.Any>(schema: S) => Schema.optionalWith(schema, { nullable: true })

const Strings = Schema.Array(Schema.String)
const Scalar = Schema.Union(Schema.String, Schema.Number, Schema.Boolean)
const AnyObject = Schema.Record({ key: Schema.String, value: Schema.Unknown })

/**
 * The account's Plex Pass state (`user.subscription`).
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { PlexSubscription } from "@effect-plex/core"
 *
 * const subscription = PlexSubscription.make({ active: true, status: "Active", plan: "lifetime" })
 * console.log(subscription.plan) // "lifetime"
 */
export class PlexSubscription extends Schema.Class<PlexSubscription>("@effect-plex/core/PlexSubscription")({
  active: loose(Schema.Boolean),
  subscribedAt: loose(Schema.String),
  status: loose(Schema.String),
  paymentService: loose(Schema.String),
  plan: loose(Schema.String),
  features: loose(Strings)
}) {}

/**
 * One entry of `user.subscriptions`.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { PlexSubscriptionEntry } from "@effect-plex/core"
 *
 * const entry = PlexSubscriptionEntry.make({ mode: "lifetime", type: "plexpass", state: "active" })
 * console.log(entry.state) // "active"
 */
export class PlexSubscriptionEntry
  extends Schema.Class<PlexSubscriptionEntry>("@effect-plex/core/PlexSubscriptionEntry")({
    id: loose(Schema.Int),
    mode: loose(Schema.String),
    renewsAt: loose(Scalar),
    endsAt: loose(Scalar),
    type: loose(Schema.String),
    transfer: loose(Scalar),
    state: loose(Schema.String)
  })
{}

/**
 * One entry of `user.pastSubscriptions`: a subscription entry plus its billing state. Its `id` is
 * a string in Plex's spec (`string | null`), and an integer is read too (since 0.2.0; `0.1.0` took
 * only integers, which failed a sign-in after plex.tv had issued the token); `endsAt` is Unix
 * seconds (`1582893108`).
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { PlexPastSubscription } from "@effect-plex/core"
 *
 * const past = PlexPastSubscription.make({ id: "sub-1", type: "plexpass", endsAt: 1582893108, canceled: true })
 * console.log(past.canceled) // true
 */
export class PlexPastSubscription extends Schema.Class<PlexPastSubscription>("@effect-plex/core/PlexPastSubscription")({
  ...PlexSubscriptionEntry.fields,
  id: loose(Schema.Union(Schema.String, Schema.Int)),
  canceled: loose(Schema.Boolean),
  gracePeriod: loose(Schema.Boolean),
  onHold: loose(Schema.Boolean),
  canReactivate: loose(Schema.Boolean),
  canUpgrade: loose(Schema.Boolean),
  canDowngrade: loose(Schema.Boolean),
  canConvert: loose(Schema.Boolean),
  billing: loose(AnyObject)
}) {}

/**
 * The account's playback preferences (`user.profile`). All members are optional.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { PlexUserProfile } from "@effect-plex/core"
 *
 * const profile = PlexUserProfile.make({ autoSelectAudio: true, defaultAudioLanguage: "en" })
 * console.log(profile.defaultAudioLanguage) // "en"
 */
export class PlexUserProfile extends Schema.Class<PlexUserProfile>("@effect-plex/core/PlexUserProfile")({
  autoSelectAudio: loose(Schema.Boolean),
  defaultAudioLanguage: loose(Schema.String),
  defaultAudioLanguages: loose(Strings),
  defaultSubtitleLanguage: loose(Schema.String),
  defaultSubtitleLanguages: loose(Strings),
  autoSelectSubtitle: loose(Schema.Int),
  defaultSubtitleAccessibility: loose(Schema.Int),
  defaultSubtitleForced: loose(Schema.Int),
  defaultAudioAccessibility: loose(Schema.Int),
  watchedIndicator: loose(Schema.Int),
  mediaReviewsVisibility: loose(Schema.Int),
  mediaReviewsLanguages: loose(Strings),
  mediaPostsVisibility: loose(Schema.Int)
}) {}

/**
 * One entry of `user.services`. Its `token` and `secret` are credentials and stay `Redacted`.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { PlexUserService } from "@effect-plex/core"
 *
 * const service = PlexUserService.make({
 *   identifier: "metadata",
 *   endpoint: "https://example.invalid",
 *   status: "online"
 * })
 * console.log(service.status) // "online"
 */
export class PlexUserService extends Schema.Class<PlexUserService>("@effect-plex/core/PlexUserService")({
  identifier: loose(Schema.String),
  endpoint: loose(Schema.String),
  token: loose(Schema.Redacted(Schema.String)),
  secret: loose(Schema.Redacted(Schema.String)),
  status: loose(Schema.String)
}) {}

/**
 * The content restrictions of a managed Home user (`user.customRestrictions`).
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { PlexCustomRestrictions } from "@effect-plex/core"
 *
 * const restrictions = PlexCustomRestrictions.make({ movies: "PG" })
 * console.log(restrictions.movies) // "PG"
 */
export class PlexCustomRestrictions
  extends Schema.Class<PlexCustomRestrictions>("@effect-plex/core/PlexCustomRestrictions")({
    all: loose(Schema.String),
    movies: loose(Schema.String),
    music: loose(Schema.String),
    photos: loose(Schema.String),
    television: loose(Schema.String)
  })
{}

/**
 * One entry of `user.settings` (managed users); `value` is JSON text.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { PlexUserSetting } from "@effect-plex/core"
 *
 * const setting = PlexUserSetting.make({ id: "experience", type: "json", value: "{}", hidden: false })
 * console.log(setting.id) // "experience"
 */
export class PlexUserSetting extends Schema.Class<PlexUserSetting>("@effect-plex/core/PlexUserSetting")({
  id: loose(Schema.String),
  type: loose(Schema.String),
  value: loose(Schema.String),
  hidden: loose(Schema.Boolean)
}) {}

/**
 * A plex.tv account: the owner who signed in, or a managed Home user. `authToken` is the token
 * that answered (or was issued by) the call, `Redacted` so it never prints.
 *
 * Times: `joinedAt`, `rememberExpiresAt` and `adsConsent*At` are Unix seconds; subscription times
 * are ISO-8601 strings, as plex.tv sends them.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { PlexUser } from "@effect-plex/core"
 * import * as Schema from "effect/Schema"
 *
 * const user = Schema.decodeUnknownSync(PlexUser)({
 *   id: 10000002,
 *   uuid: "1e1e1e1e1e1e1e1e",
 *   username: "",
 *   email: null,
 *   authToken: "token",
 *   mailingListStatus: null
 * })
 * console.log(user.email) // undefined
 * console.log(String(user.authToken)) // "<redacted>"
 */
export class PlexUser extends Schema.Class<PlexUser>("@effect-plex/core/PlexUser")({
  id: Schema.Int,
  uuid: Schema.NonEmptyString,
  authToken: Schema.Redacted(Schema.NonEmptyString),
  username: loose(Schema.String),
  email: loose(Schema.String),
  title: loose(Schema.String),
  friendlyName: loose(Schema.String),
  locale: loose(Schema.String),
  confirmed: loose(Schema.Boolean),
  emailOnlyAuth: loose(Schema.Boolean),
  hasPassword: loose(Schema.Boolean),
  mailingListActive: loose(Schema.Boolean),
  experimentalFeatures: loose(Schema.Boolean),
  twoFactorEnabled: loose(Schema.Boolean),
  backupCodesCreated: loose(Schema.Boolean),
  protected: loose(Schema.Boolean),
  joinedAt: loose(Schema.Int),
  thumb: loose(Schema.String),
  mailingListStatus: loose(Schema.String),
  scrobbleTypes: loose(Schema.String),
  country: loose(Schema.String),
  subscription: loose(PlexSubscription),
  subscriptionDescription: loose(Schema.String),
  subscriptions: loose(Schema.Array(PlexSubscriptionEntry)),
  pastSubscriptions: loose(Schema.Array(PlexPastSubscription)),
  trials: loose(Schema.Array(AnyObject)),
  restricted: loose(Schema.Boolean),
  anonymous: loose(Schema.Boolean),
  home: loose(Schema.Boolean),
  guest: loose(Schema.Boolean),
  homeAdmin: loose(Schema.Boolean),
  homeSize: loose(Schema.Int),
  maxHomeSize: loose(Schema.Int),
  rememberExpiresAt: loose(Schema.Int),
  profile: loose(PlexUserProfile),
  entitlements: loose(Strings),
  roles: loose(Strings),
  services: loose(Schema.Array(PlexUserService)),
  adsConsent: loose(Schema.Boolean),
  adsConsentSetAt: loose(Schema.Int),
  adsConsentReminderAt: loose(Schema.Int),
  attributionPartner: loose(Schema.String),
  pin: loose(Schema.Redacted(Schema.String)),
  restrictionProfile: loose(Schema.String),
  customRestrictions: loose(PlexCustomRestrictions),
  providers: loose(Schema.Array(AnyObject)),
  settings: loose(Schema.Array(PlexUserSetting))
}) {}
