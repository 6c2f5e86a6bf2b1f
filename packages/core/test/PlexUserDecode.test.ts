import { assert, describe, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { inspect } from "node:util"
import { PlexUser, PlexUserSetting } from "@effect-plex/core"
import { issuePaths } from "../src/internal/issues.js"
import { decodeUserFast, fastClass, fastUser, miss, nullable, required, string } from "../src/internal/userDecode.js"

// The two sample payloads of plex-tv-api.md §3, verbatim.
const ownerPayload = `{ "id": 10000001, "uuid": "0f0f0f0f0f0f0f0f", "username": "fake-owner", "title": "fake-owner",
  "email": "owner@example.invalid", "friendlyName": "Fake Owner", "locale": null,
  "confirmed": true, "joinedAt": 1600000000, "emailOnlyAuth": false, "hasPassword": true,
  "protected": false, "thumb": "https://plex.tv/users/0f0f0f0f0f0f0f0f/avatar?c=1600000000",
  "authToken": "FAKEtokenOwner000001", "mailingListStatus": "active", "mailingListActive": true,
  "scrobbleTypes": "", "country": "ZZ",
  "subscription": { "active": true, "subscribedAt": "2021-01-01T00:00:00Z", "status": "Active",
    "paymentService": "braintree", "plan": "lifetime", "features": ["hardware_transcoding", "sync"] },
  "subscriptionDescription": "Lifetime Plex Pass",
  "subscriptions": [ { "id": null, "mode": "lifetime", "renewsAt": null, "endsAt": null,
    "type": "plexpass", "transfer": null, "state": "active" } ],
  "pastSubscriptions": [], "trials": [],
  "restricted": false, "anonymous": null, "home": true, "guest": false, "homeSize": 2,
  "homeAdmin": true, "maxHomeSize": 15, "rememberExpiresAt": 1790000000,
  "profile": { "autoSelectAudio": true, "defaultAudioLanguage": "en", "defaultAudioLanguages": null,
    "defaultSubtitleLanguage": "en", "defaultSubtitleLanguages": null, "autoSelectSubtitle": 0,
    "defaultSubtitleAccessibility": 0, "defaultSubtitleForced": 1, "watchedIndicator": 1 },
  "entitlements": ["all"], "roles": ["plexpass"],
  "services": [ { "identifier": "fake-service", "endpoint": "https://service.example.invalid",
    "token": null, "secret": null, "status": "online" } ],
  "adsConsent": null, "adsConsentSetAt": null, "adsConsentReminderAt": null,
  "experimentalFeatures": false, "twoFactorEnabled": true, "backupCodesCreated": true,
  "attributionPartner": null }`

const managedPayload = `{ "id": 10000002, "uuid": "1e1e1e1e1e1e1e1e", "username": "", "title": "Kid Profile",
  "email": "", "friendlyName": "", "locale": null, "confirmed": false, "joinedAt": 1650000000,
  "emailOnlyAuth": false, "hasPassword": false, "protected": true,
  "thumb": "https://plex.tv/users/1e1e1e1e1e1e1e1e/avatar?c=1650000000",
  "authToken": "FAKEtokenManaged0002", "mailingListStatus": null, "mailingListActive": false,
  "scrobbleTypes": "", "country": "ZZ",
  "subscription": { "active": false, "subscribedAt": null, "status": "Inactive",
    "paymentService": null, "plan": null, "features": [] },
  "subscriptionDescription": null, "restricted": true, "anonymous": null, "home": true,
  "guest": false, "homeSize": 2, "homeAdmin": false, "maxHomeSize": 15, "rememberExpiresAt": null,
  "profile": { "autoSelectAudio": true, "defaultAudioLanguage": null,
    "defaultSubtitleLanguage": null, "autoSelectSubtitle": 0 },
  "entitlements": [], "services": [], "adsConsent": null, "adsConsentSetAt": null,
  "adsConsentReminderAt": null, "experimentalFeatures": false, "twoFactorEnabled": false,
  "backupCodesCreated": false, "restrictionProfile": "older_kid",
  "customRestrictions": { "all": null, "movies": null, "music": null, "photos": null,
    "television": null },
  "providers": [], "settings": [] }`

const owner = (): Record<string, unknown> => JSON.parse(ownerPayload)
/** The owner sample with every optional part present: past subscriptions, services with secrets, a PIN… */
const full = (): Record<string, unknown> => ({
  ...owner(),
  pastSubscriptions: [{
    id: null,
    mode: "monthly",
    renewsAt: null,
    endsAt: 1582893108,
    type: "plexpass",
    transfer: null,
    state: "ended",
    canceled: true,
    gracePeriod: false,
    onHold: false,
    canReactivate: false,
    canUpgrade: false,
    canDowngrade: false,
    canConvert: false,
    billing: { internalPaymentMethod: {}, paymentMethodId: null }
  }],
  trials: [{ id: 1 }],
  services: [
    { identifier: "s", endpoint: "https://e.invalid", token: "FAKEservice", secret: "FAKEsecret", status: "online" }
  ],
  pin: "FAKEpinHash",
  restrictionProfile: "older_kid",
  customRestrictions: { all: null, movies: "PG", music: null, photos: null, television: "TV-PG" },
  providers: [{ x: 1 }],
  settings: [{ id: "experience", type: "json", value: "{}", hidden: false }],
  profile: { ...(owner().profile as object), defaultAudioLanguages: ["en"], mediaReviewsVisibility: 2 }
})
const managed = (): Record<string, unknown> => JSON.parse(managedPayload)

/** The decode the call path used before: the reference the fast path must match exactly. */
const reference = Schema.decodeUnknownEither(PlexUser, { errors: "all", onExcessProperty: "ignore" })
const encodeUser = Schema.encodeSync(PlexUser)

/** Every object reachable from the input: a result shares a node with it only where Schema does (`Unknown` values). */
const nodesOf = (input: unknown): Set<unknown> => {
  const nodes = new Set<unknown>()
  const stack = [input]
  while (stack.length > 0) {
    const node = stack.pop()
    if (typeof node !== "object" || node === null || nodes.has(node)) continue
    nodes.add(node)
    for (const key of Reflect.ownKeys(node)) stack.push((node as Record<PropertyKey, unknown>)[key])
  }
  return nodes
}

/**
 * The first difference between two decoded values, by path (never by value: tokens stay
 * unprinted): prototypes, own keys in order, property descriptors, `Redacted` contents, and which
 * nodes are the input's own.
 */
const difference = (a: unknown, b: unknown, inputNodes: Set<unknown>, path = "$"): string | undefined => {
  if (Object.is(a, b)) return undefined
  if (Redacted.isRedacted(a) || Redacted.isRedacted(b)) {
    if (!(Redacted.isRedacted(a) && Redacted.isRedacted(b))) return `${path}: Redacted on one side only`
    return difference(Redacted.value(a), Redacted.value(b), inputNodes, `${path}(redacted)`)
  }
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return `${path}: values differ`
  if (inputNodes.has(a) || inputNodes.has(b)) return `${path}: one side shares the input's object`
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return `${path}: prototypes differ`
  const keysA = Reflect.ownKeys(a)
  const keysB = Reflect.ownKeys(b)
  if (keysA.length !== keysB.length || keysA.some((key, i) => key !== keysB[i])) {
    return `${path}: keys differ (${keysA.map(String).join(",")} / ${keysB.map(String).join(",")})`
  }
  for (const key of keysA) {
    const da = Object.getOwnPropertyDescriptor(a, key)!
    const db = Object.getOwnPropertyDescriptor(b, key)!
    const at = `${path}.${String(key)}`
    if (da.enumerable !== db.enumerable || da.writable !== db.writable || da.configurable !== db.configurable) {
      return `${at}: descriptors differ`
    }
    if (da.get !== undefined || db.get !== undefined || da.set !== undefined || db.set !== undefined) {
      return `${at}: an accessor`
    }
    const inner = difference(da.value, db.value, inputNodes, at)
    if (inner !== undefined) return inner
  }
  return undefined
}

/** A ParseError's message (it formats the input, which throws for an array with an own `constructor` key). */
const messageOf = (error: { readonly message: string }): string => {
  try {
    return error.message
  } catch (cause) {
    return `(message throws ${cause instanceof Error ? cause.name : typeof cause})`
  }
}

/**
 * Both succeed with indistinguishable users, or both fail with the same error (the same paths and,
 * unless `messages` is false, the same message: formatting one is slow on a large input).
 */
const agree = (input: unknown, messages = true) => {
  const fast = decodeUserFast(input)
  const full = reference(input)
  assert.strictEqual(fast._tag, full._tag)
  if (Either.isRight(fast) && Either.isRight(full)) {
    const diff = difference(fast.right, full.right, nodesOf(input))
    assert.isUndefined(diff)
  } else if (Either.isLeft(fast) && Either.isLeft(full)) {
    assert.deepStrictEqual(issuePaths(fast.left), issuePaths(full.left))
    if (messages) assert.strictEqual(messageOf(fast.left), messageOf(full.left))
  }
  return fast
}

// ---------------------------------------------------------------------------------------------
// inputs: encoded arbitrary users and the samples, then mutated at random places
// ---------------------------------------------------------------------------------------------

type Path = ReadonlyArray<string | number>

/** Every [container path, key] of a JSON-like value, the root's own keys first. */
const slots = (root: unknown): Array<readonly [Path, string | number]> => {
  const out: Array<readonly [Path, string | number]> = []
  const seen = new Set<unknown>()
  const stack: Array<readonly [unknown, Path]> = [[root, []]]
  while (stack.length > 0) {
    const [node, path] = stack.shift()!
    if (typeof node !== "object" || node === null || seen.has(node) || path.length > 4) continue
    seen.add(node)
    // by index, not `map`: an edited array may have an own `constructor` key
    const keys: ReadonlyArray<string | number> = Array.isArray(node)
      ? Array.from({ length: node.length }, (_, i) => i)
      : Object.keys(node)
    for (const key of keys) {
      out.push([path, key])
      stack.push([(node as Record<string | number, unknown>)[key], [...path, key]])
    }
  }
  return out
}

type Edit =
  | { readonly _tag: "delete" }
  | { readonly _tag: "set"; readonly value: unknown }
  | { readonly _tag: "extra"; readonly key: string; readonly value: unknown }

/** A copy of `root` with `edit` applied at `key` of the container at `path`; containers on the way are copied. */
const applyAt = (root: unknown, path: Path, key: string | number, edit: Edit): unknown => {
  // own keys as they are (an own `__proto__` or `constructor` key stays an own key)
  const copy = (node: unknown): Record<string | number, unknown> =>
    Object.defineProperties(
      Array.isArray(node) ? [] : Object.create(Object.getPrototypeOf(node)),
      Object.getOwnPropertyDescriptors(node)
    )
  const go = (node: unknown, depth: number): unknown => {
    const out = copy(node)
    if (depth < path.length) {
      out[path[depth]!] = go((node as Record<string | number, unknown>)[path[depth]!], depth + 1)
      return out
    }
    switch (edit._tag) {
      case "delete":
        if (Array.isArray(out)) out.copyWithin(Number(key), Number(key) + 1).length -= 1
        else delete out[key]
        break
      case "set":
        out[key] = edit.value
        break
      case "extra":
        Object.defineProperty(out, edit.key, {
          value: edit.value,
          enumerable: true,
          writable: true,
          configurable: true
        })
    }
    return out
  }
  return go(root, 0)
}

const wrongValue = FastCheck.oneof(
  FastCheck.constantFrom<unknown>(
    null,
    undefined,
    1.5,
    -1,
    0,
    2 ** 53,
    Number.NaN,
    "",
    "x",
    true,
    false,
    [],
    ["x"],
    [1],
    [null],
    {},
    { active: "yes" },
    { id: 1 }
  ),
  FastCheck.anything()
)

const edit: FastCheck.Arbitrary<Edit> = FastCheck.oneof(
  FastCheck.constant({ _tag: "delete" } as const),
  FastCheck.constant({ _tag: "set", value: null } as const),
  wrongValue.map((value) => ({ _tag: "set", value } as const)),
  FastCheck.record({
    _tag: FastCheck.constant("extra" as const),
    key: FastCheck.oneof(
      FastCheck.constantFrom("brandNewField", "__proto__", "constructor", "toString", "hasOwnProperty"),
      FastCheck.string()
    ),
    value: wrongValue
  })
)

const encodedUser = Arbitrary.make(PlexUser).map((user) => encodeUser(user) as unknown)
const base = FastCheck.oneof(encodedUser, FastCheck.constant(null).map(owner), FastCheck.constant(null).map(managed))

const edits = FastCheck.array(FastCheck.tuple(FastCheck.nat(), edit), { minLength: 1, maxLength: 4 })
const mutated = FastCheck.tuple(base, edits)
  .map(([input, edits]) =>
    edits.reduce((current, [seed, e]) => {
      const all = slots(current)
      if (all.length === 0) return current
      const [path, key] = all[seed % all.length]!
      return applyAt(current, path, key, e)
    }, input)
  )

describe("decodeUserFast", () => {
  it.prop("agrees with the Schema decode on encoded arbitrary users, and takes the fast path", [
    encodedUser
  ], ([input]) => {
    assert.isTrue(Either.isRight(agree(input)))
    assert.notStrictEqual(fastUser(input), miss)
  })

  it.prop("agrees with the Schema decode on users with fields nulled, dropped, mistyped or added", [
    mutated
  ], ([input]) => {
    agree(input)
  }, { fastCheck: { numRuns: 500 } })

  it.prop("agrees on anything at all", [FastCheck.anything()], ([input]) => {
    agree(input)
  })

  it("every field of a full account, deleted or set to each edge value, agrees", () => {
    const edges: ReadonlyArray<unknown> = [
      null,
      undefined,
      1.5,
      2 ** 53,
      Number.NaN,
      "",
      "x",
      true,
      [],
      ["x"],
      [1],
      {},
      Object.assign(["x"], { constructor: 1 })
    ]
    let fast = 0
    const base = full()
    for (const [path, key] of slots(base)) {
      for (const edit of [{ _tag: "delete" } as const, ...edges.map((value) => ({ _tag: "set", value } as const))]) {
        const input = applyAt(base, path, key, edit)
        agree(input, false)
        if (fastUser(input) !== miss) fast++
      }
    }
    assert.isAbove(fast, 300) // the edits that keep the common shape stay on the fast path
  })

  it("decodes the samples of the API reference on the fast path, to the Schema decode's users", () => {
    for (const input of [owner(), managed(), { ...managed(), username: null, email: null }]) {
      assert.notStrictEqual(fastUser(input), miss)
      const user = agree(input)
      assert.isTrue(Either.isRight(user))
    }
    const user = Either.getOrThrow(decodeUserFast(owner()))
    assert.instanceOf(user, PlexUser)
    assert.strictEqual(user.subscription?.plan, "lifetime")
    assert.strictEqual(user.profile?.watchedIndicator, 1)
    assert.isUndefined(user.locale)
    assert.isUndefined(user.services?.[0]?.token)
    assert.notProperty(user, "anonymous")
  })

  it("keeps the token Redacted: it never prints", () => {
    const user = Either.getOrThrow(decodeUserFast(owner()))
    assert.isTrue(Redacted.isRedacted(user.authToken))
    assert.strictEqual(Redacted.value(user.authToken), "FAKEtokenOwner000001")
    for (const text of [String(user), JSON.stringify(user), inspect(user, { depth: 10 })]) {
      assert.notInclude(text, "FAKEtokenOwner000001")
    }
  })

  it("null and missing are a missing key; a present undefined stays, as in the Schema decode", () => {
    const input: Record<string, unknown> = { ...owner(), email: null, title: undefined, subscription: undefined }
    delete input.username
    const user = Either.getOrThrow(agree(input))
    assert.notProperty(user, "email")
    assert.notProperty(user, "username")
    assert.property(user, "title")
    assert.property(user, "subscription")
  })

  it("an inherited optional field is not the account's", () => {
    const { email: _email, ...withoutEmail } = owner()
    const input = Object.assign(Object.create({ email: "inherited@example.invalid", id: 2 }), withoutEmail)
    assert.notStrictEqual(fastUser(input), miss)
    assert.notProperty(Either.getOrThrow(agree(input)), "email")
    // an inherited required field is read by the Schema decode (it is not `exact`): left to it
    const { id: _, ...withoutId } = owner()
    const inheritedId = Object.assign(Object.create({ id: 2 }), withoutId)
    assert.strictEqual(fastUser(inheritedId), miss)
    assert.strictEqual(Either.getOrThrow(agree(inheritedId)).id, 2)
  })

  it("an array with an own constructor key decodes as in the Schema decode", () => {
    const entitlements = Object.assign(["all"], { constructor: 1 })
    const input = { ...owner(), entitlements, subscriptions: Object.assign([], { constructor: null }) }
    assert.notStrictEqual(fastUser(input), miss)
    agree(input)
  })

  it("a record with an own __proto__ key is left to the Schema decode", () => {
    const input = JSON.parse(`{ "id": 1, "uuid": "u", "authToken": "t",
      "trials": [{ "__proto__": { "x": 1 }, "a": 1 }] }`)
    assert.strictEqual(fastUser(input), miss)
    agree(input)
  })

  it("failures are the Schema decode's, with every failing path", () => {
    const input = { ...owner(), id: "1", uuid: "", subscription: { active: "yes" }, services: [{ token: 1 }] }
    const result = agree(input)
    assert.isTrue(Either.isLeft(result))
    if (Either.isLeft(result)) {
      assert.includeMembers([...issuePaths(result.left)], ["id", "uuid", "subscription.active", "services.0.token"])
    }
  })

  it("a class the fast path cannot build as its constructor would is refused at once", () => {
    class WithDefault extends Schema.Class<WithDefault>("WithDefault")({
      a: Schema.optionalWith(Schema.String, { default: () => "a" })
    }) {}
    assert.throws(() => fastClass(WithDefault, { a: required(string) }), /not supported/)
    class Renamed extends Schema.Class<Renamed>("Renamed")({
      a: Schema.optionalWith(Schema.String, { nullable: true }).pipe(Schema.fromKey("b"))
    }) {}
    assert.throws(() => fastClass(Renamed, { a: nullable(string) }), /not supported/)
    class Plain extends Schema.Class<Plain>("Plain")({ a: Schema.optionalWith(Schema.String, { nullable: true }) }) {}
    assert.deepStrictEqual(fastClass(Plain, { a: nullable(string) })({ a: "x" }), new Plain({ a: "x" }))
  })

  it("a class spec must name every field of its class", () => {
    // @ts-expect-error `hidden` is missing
    const partial = fastClass(PlexUserSetting, {
      id: nullable(string),
      type: nullable(string),
      value: nullable(string)
    })
    assert.isFunction(partial)
  })
})
