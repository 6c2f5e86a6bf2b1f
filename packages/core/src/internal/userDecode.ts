import * as Either from "effect/Either"
import type * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import {
  PlexCustomRestrictions,
  PlexPastSubscription,
  PlexSubscription,
  PlexSubscriptionEntry,
  PlexUser,
  PlexUserProfile,
  PlexUserService,
  PlexUserSetting
} from "../PlexUser.js"

/**
 * A fast path for decoding the account. The `PlexUser` Schema decode checks each of its ~70
 * `optionalWith(…, { nullable: true })` fields twice (the encoded side, then the type side after
 * the null-stripping transformation), and builds each nested class the same way: about 4× an
 * exact `Schema.Struct` of the same fields. Here each field is checked once against the common
 * shape, and the same class instances are built directly. On any mismatch (a wrong type, a
 * missing or inherited required field, a record with an own `__proto__` key, anything not
 * foreseen) the fast path gives up and the full Schema decode decides, so odd inputs and failures
 * behave exactly as before.
 */

/** What a fast parser answers when the input is not the common shape: the full decode decides. */
export const miss: unique symbol = Symbol("@effect-plex/core/internal/userDecode/miss")

/** A fast parser: the decoded value, or `miss`. Never fails otherwise, never decides a failure. */
export type Fast<A> = (u: unknown) => A | typeof miss

// ---------------------------------------------------------------------------------------------
// primitives, as the Schema filters check them
// ---------------------------------------------------------------------------------------------

/** `Schema.String` */
export const string: Fast<string> = (u) => typeof u === "string" ? u : miss

/** `Schema.NonEmptyString` */
export const nonEmptyString: Fast<string> = (u) => typeof u === "string" && u.length >= 1 ? u : miss

/** `Schema.Boolean` */
export const boolean: Fast<boolean> = (u) => typeof u === "boolean" ? u : miss

/** `Schema.Int` (`Number.isSafeInteger`) */
export const int: Fast<number> = (u) => typeof u === "number" && Number.isSafeInteger(u) ? u : miss

/** `Schema.Union(Schema.String, Schema.Int)` */
export const stringOrInt: Fast<string | number> = (u) =>
  typeof u === "string" || (typeof u === "number" && Number.isSafeInteger(u)) ? u : miss

/** `Schema.Union(Schema.String, Schema.Number, Schema.Boolean)` */
export const scalar: Fast<string | number | boolean> = (u) =>
  typeof u === "string" || typeof u === "number" || typeof u === "boolean" ? u : miss

/** `Schema.Redacted(schema)`: a fresh `Redacted` around the decoded value. */
export const redacted = <A>(parse: Fast<A>): Fast<Redacted.Redacted<A>> => (u) => {
  const a = parse(u)
  return a === miss ? miss : Redacted.make(a)
}

/**
 * `Schema.Array(schema)`: always a fresh plain array, as the Schema decode gives (built by hand:
 * `slice` and `map` would honour an own `constructor` key of the input).
 */
export const array = <A>(parse: Fast<A>): Fast<ReadonlyArray<A>> => (u) => {
  if (!Array.isArray(u)) return miss
  const length = u.length
  const out: Array<A> = []
  for (let i = 0; i < length; i++) {
    const a = parse(u[i])
    if (a === miss) return miss
    out.push(a)
  }
  return out
}

/** `Schema.Array(Schema.String)` */
export const strings: Fast<ReadonlyArray<string>> = array(string)

const isRecord = (u: unknown): u is { readonly [key: string]: unknown } =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * `Schema.Record({ key: Schema.String, value: Schema.Unknown })`: a fresh object with the own
 * string keys, values as they are. An own `__proto__` key is left to the Schema decode (its
 * assignment would set the copy's prototype).
 */
export const record: Fast<{ readonly [key: string]: unknown }> = (u) => {
  if (!isRecord(u)) return miss
  const out: { [key: string]: unknown } = {}
  for (const key of Object.keys(u)) {
    if (key === "__proto__") return miss
    out[key] = u[key]
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// classes
// ---------------------------------------------------------------------------------------------

/** A required field: present, own, and of its schema's shape. */
export interface RequiredField<A> {
  readonly nullable: false
  readonly parse: Fast<A>
}

/**
 * An `optionalWith(schema, { nullable: true })` field: missing or `null` is a missing key, a
 * present `undefined` stays a present `undefined` (as the Schema decode keeps it).
 */
export interface NullableField<A> {
  readonly nullable: true
  readonly parse: Fast<A>
}

/** A required field of a fast class. */
export const required = <A>(parse: Fast<A>): RequiredField<A> => ({ nullable: false, parse })

/** An `optionalWith(…, { nullable: true })` field of a fast class. */
export const nullable = <A>(parse: Fast<A>): NullableField<A> => ({ nullable: true, parse })

/**
 * One entry per field of the class, of the field's decoded type: adding a field to the class
 * without adding it here does not compile.
 */
export type ClassSpec<F extends Schema.Struct.Fields, T = Schema.Struct.Type<F>> = {
  readonly [K in keyof F]-?: K extends keyof T ?
    ({} extends Pick<T, K> ? NullableField<Exclude<T[K], undefined>> : RequiredField<T[K]>)
    : never
}

type Field = RequiredField<unknown> | NullableField<unknown>

/** A field the fast path cannot build as the class constructor would: a constructor default, a renamed key. */
const unsupported = (field: Schema.Struct.Field): boolean => {
  if (!Schema.isPropertySignature(field)) return false
  const ast = field.ast
  return ast._tag === "PropertySignatureDeclaration"
    ? ast.defaultValue !== undefined
    : ast.to.defaultValue !== undefined || ast.from.fromKey !== undefined
}

/**
 * A fast parser for a `Schema.Class` whose fields are plain schemas or
 * `optionalWith(…, { nullable: true })`: own keys only, unknown keys ignored, the props in the
 * class's field order. The instance is the one the Schema decode builds with
 * `new Class(props, true)`: for a class without constructor defaults that constructor only copies
 * the props onto a fresh instance, so the props are written straight onto
 * `Object.create(Class.prototype)`, which costs a fifth as much and is indistinguishable (same
 * prototype, same own properties in the same order, same `Equal`/`Hash`). Throws at once for a
 * class with constructor defaults, renamed or symbol keys; a class with a custom constructor body
 * must not use it.
 */
export const fastClass = <Self extends object, F extends Schema.Struct.Fields>(
  Class: { readonly fields: F; readonly prototype: Self },
  spec: ClassSpec<F>
): Fast<Self> => {
  const classFields: Schema.Struct.Fields = Class.fields
  const keys = Object.keys(classFields)
  if (Reflect.ownKeys(classFields).length !== keys.length || keys.some((key) => unsupported(classFields[key]!))) {
    throw new Error("fastClass: constructor defaults, renamed and symbol keys are not supported")
  }
  const specs = spec as unknown as Record<string, Field>
  const fields: ReadonlyArray<Field> = keys.map((key) => specs[key]!)
  const length = keys.length
  const proto = Class.prototype
  const hasOwn = Object.prototype.hasOwnProperty
  return (u) => {
    if (!isRecord(u)) return miss
    const self: Record<string, unknown> = Object.create(proto)
    for (let i = 0; i < length; i++) {
      const key = keys[i]!
      const field = fields[i]!
      if (!hasOwn.call(u, key)) {
        if (field.nullable) continue
        return miss
      }
      const value = u[key]
      if (field.nullable) {
        if (value === null) continue
        if (value === undefined) {
          self[key] = undefined
          continue
        }
      }
      const a = field.parse(value)
      if (a === miss) return miss
      self[key] = a
    }
    return self as Self
  }
}

/**
 * A decoder with the contract of `Schema.decodeUnknownEither(schema, { errors: "all",
 * onExcessProperty: "ignore" })`: the fast parser's value when it has one, else the full decode.
 */
export const withFastPath = <A, I>(
  schema: Schema.Schema<A, I>,
  fast: Fast<A>
): (u: unknown) => Either.Either<A, ParseResult.ParseError> => {
  const decode = Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "ignore" })
  return (u) => {
    const a = fast(u)
    return a === miss ? decode(u) : Either.right(a)
  }
}

// ---------------------------------------------------------------------------------------------
// the account
// ---------------------------------------------------------------------------------------------

const str = nullable(string)
const bool = nullable(boolean)
const integer = nullable(int)
const scalarField = nullable(scalar)
const stringList = nullable(strings)
const records = nullable(array(record))

const subscription = fastClass(PlexSubscription, {
  active: bool,
  subscribedAt: str,
  status: str,
  paymentService: str,
  plan: str,
  features: stringList
})

const entryFields = {
  id: integer,
  mode: str,
  renewsAt: scalarField,
  endsAt: scalarField,
  type: str,
  transfer: scalarField,
  state: str
}

const subscriptionEntry = fastClass(PlexSubscriptionEntry, entryFields)

const pastSubscription = fastClass(PlexPastSubscription, {
  ...entryFields,
  id: nullable(stringOrInt), // a string in Plex's spec
  canceled: bool,
  gracePeriod: bool,
  onHold: bool,
  canReactivate: bool,
  canUpgrade: bool,
  canDowngrade: bool,
  canConvert: bool,
  billing: nullable(record)
})

const profile = fastClass(PlexUserProfile, {
  autoSelectAudio: bool,
  defaultAudioLanguage: str,
  defaultAudioLanguages: stringList,
  defaultSubtitleLanguage: str,
  defaultSubtitleLanguages: stringList,
  autoSelectSubtitle: integer,
  defaultSubtitleAccessibility: integer,
  defaultSubtitleForced: integer,
  defaultAudioAccessibility: integer,
  watchedIndicator: integer,
  mediaReviewsVisibility: integer,
  mediaReviewsLanguages: stringList,
  mediaPostsVisibility: integer
})

const secret = nullable(redacted(string))

const service = fastClass(PlexUserService, {
  identifier: str,
  endpoint: str,
  token: secret,
  secret,
  status: str
})

const customRestrictions = fastClass(PlexCustomRestrictions, {
  all: str,
  movies: str,
  music: str,
  photos: str,
  television: str
})

const setting = fastClass(PlexUserSetting, { id: str, type: str, value: str, hidden: bool })

/** The fast parser of the account alone: `miss` for anything but the common shape. */
export const fastUser: Fast<PlexUser> = fastClass(PlexUser, {
  id: required(int),
  uuid: required(nonEmptyString),
  authToken: required(redacted(nonEmptyString)),
  username: str,
  email: str,
  title: str,
  friendlyName: str,
  locale: str,
  confirmed: bool,
  emailOnlyAuth: bool,
  hasPassword: bool,
  mailingListActive: bool,
  experimentalFeatures: bool,
  twoFactorEnabled: bool,
  backupCodesCreated: bool,
  protected: bool,
  joinedAt: integer,
  thumb: str,
  mailingListStatus: str,
  scrobbleTypes: str,
  country: str,
  subscription: nullable(subscription),
  subscriptionDescription: str,
  subscriptions: nullable(array(subscriptionEntry)),
  pastSubscriptions: nullable(array(pastSubscription)),
  trials: records,
  restricted: bool,
  anonymous: bool,
  home: bool,
  guest: bool,
  homeAdmin: bool,
  homeSize: integer,
  maxHomeSize: integer,
  rememberExpiresAt: integer,
  profile: nullable(profile),
  entitlements: stringList,
  roles: stringList,
  services: nullable(array(service)),
  adsConsent: bool,
  adsConsentSetAt: integer,
  adsConsentReminderAt: integer,
  attributionPartner: str,
  pin: secret,
  restrictionProfile: str,
  customRestrictions: nullable(customRestrictions),
  providers: records,
  settings: nullable(array(setting))
})

/**
 * Decodes an account (the answer of sign-in, `GET /api/v2/user`, a Home switch) with the
 * contract of `Schema.decodeUnknownEither(PlexUser, { errors: "all", onExcessProperty: "ignore" })`:
 * the same instances, the same `Redacted` token, the same failures.
 */
export const decodeUserFast: (u: unknown) => Either.Either<PlexUser, ParseResult.ParseError> = withFastPath(
  PlexUser,
  fastUser
)
