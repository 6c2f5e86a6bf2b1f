import { assert, describe, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import {
  PasswordCredentials,
  plexClientHeaderNames,
  PlexClientInfo,
  PlexCustomRestrictions,
  PlexSubscription,
  PlexUser,
  PlexUserProfile
} from "@effect-plex/core"
import { getTokenDetails, jsonResponse, scripted } from "./utils.js"

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

const decodeUser = Schema.decodeUnknownEither(PlexUser)
const encodeUser = Schema.encodeSync(PlexUser)
const required = { id: 1, uuid: "0f0f0f0f0f0f0f0f", authToken: "token" }

const decodes = (input: unknown) => {
  const result = decodeUser(input)
  if (Either.isLeft(result)) return assert.fail(`expected a PlexUser: ${result.left.message}`)
  return result.right
}

const rejects = (input: unknown) => assert.isTrue(Either.isLeft(decodeUser(input)))

describe("PlexUser", () => {
  it.prop("encode → decode → encode gives the same encoded user", [PlexUser], ([user]) => {
    const encoded = encodeUser(user)
    // some fields are Unknown (trials, providers, billing): compare encoded forms, not instances
    assert.deepStrictEqual(encodeUser(Schema.decodeUnknownSync(PlexUser)(encoded)), encoded)
  })

  it("decodes the owner sample of the API reference", () => {
    const user = decodes(JSON.parse(ownerPayload))
    assert.strictEqual(user.id, 10000001)
    assert.strictEqual(user.uuid, "0f0f0f0f0f0f0f0f")
    assert.strictEqual(Redacted.value(user.authToken), "FAKEtokenOwner000001")
    assert.strictEqual(user.friendlyName, "Fake Owner")
    assert.strictEqual(user.joinedAt, 1600000000)
    assert.isTrue(user.twoFactorEnabled)
    assert.strictEqual(user.subscription?.plan, "lifetime")
    assert.deepStrictEqual(user.subscription?.features, ["hardware_transcoding", "sync"])
    assert.strictEqual(user.subscriptions?.[0]?.mode, "lifetime")
    assert.isUndefined(user.subscriptions?.[0]?.id)
    assert.strictEqual(user.profile?.defaultSubtitleForced, 1)
    assert.strictEqual(user.profile?.watchedIndicator, 1)
    assert.deepStrictEqual(user.roles, ["plexpass"])
    assert.strictEqual(user.services?.[0]?.status, "online")
    assert.isUndefined(user.services?.[0]?.token)
    assert.strictEqual(user.maxHomeSize, 15)
    assert.isUndefined(user.locale)
    assert.isUndefined(user.anonymous)
  })

  it("decodes the managed-user sample of the API reference", () => {
    const user = decodes(JSON.parse(managedPayload))
    assert.strictEqual(user.id, 10000002)
    assert.strictEqual(Redacted.value(user.authToken), "FAKEtokenManaged0002")
    assert.strictEqual(user.username, "")
    assert.strictEqual(user.email, "")
    assert.strictEqual(user.friendlyName, "")
    assert.strictEqual(user.title, "Kid Profile")
    assert.isTrue(user.restricted)
    assert.isTrue(user.protected)
    assert.isFalse(user.hasPassword)
    assert.isUndefined(user.mailingListStatus)
    assert.isUndefined(user.rememberExpiresAt)
    assert.isUndefined(user.subscriptionDescription)
    assert.isFalse(user.subscription?.active)
    assert.isUndefined(user.subscription?.subscribedAt)
    assert.deepStrictEqual(user.subscription?.features, [])
    assert.isUndefined(user.profile?.defaultAudioLanguage)
    assert.strictEqual(user.restrictionProfile, "older_kid")
    assert.isUndefined(user.customRestrictions?.television)
    assert.deepStrictEqual(user.providers, [])
    assert.deepStrictEqual(user.settings, [])
  })

  it("the Home-users form (username and email null) decodes too", () => {
    const user = decodes({ ...JSON.parse(managedPayload), username: null, email: null })
    assert.isUndefined(user.username)
    assert.isUndefined(user.email)
  })

  it("ignores unknown fields, at the top and nested", () => {
    const user = decodes({
      ...required,
      brandNewField: { deep: [1, 2, 3] },
      subscription: { active: true, newFlag: "x" },
      profile: { autoSelectAudio: false, mediaFuture: 3 }
    })
    const encoded = encodeUser(user) as Record<string, unknown>
    assert.notProperty(encoded, "brandNewField")
    assert.notProperty(encoded.subscription, "newFlag")
    assert.isFalse(user.profile?.autoSelectAudio)
  })

  it.effect("getTokenDetails ignores unknown fields as well", () => {
    const http = scripted(() => jsonResponse(200, { ...JSON.parse(ownerPayload), somethingNew: { a: 1 } }))
    return Effect.gen(function*() {
      const user = yield* getTokenDetails("token")
      assert.strictEqual(user.id, 10000001)
    }).pipe(Effect.provide(http.layer()))
  })

  const optionalKeys = (fields: Record<string, unknown>, requiredKeys: ReadonlyArray<string> = []) =>
    Object.keys(fields).filter((key) => !requiredKeys.includes(key))

  it("every optional field accepts null and missing alike", () => {
    const keys = optionalKeys(PlexUser.fields, ["id", "uuid", "authToken"])
    assert.isAbove(keys.length, 40)
    for (const key of keys) {
      const withNull = decodes({ ...required, [key]: null })
      assert.isUndefined((withNull as unknown as Record<string, unknown>)[key], key)
      assert.deepStrictEqual(encodeUser(withNull), encodeUser(decodes(required)), key)
    }
    for (
      const [parent, schema] of [
        ["subscription", PlexSubscription],
        ["profile", PlexUserProfile],
        ["customRestrictions", PlexCustomRestrictions]
      ] as const
    ) {
      for (const key of optionalKeys(schema.fields)) {
        const user = decodes({ ...required, [parent]: { [key]: null } })
        assert.isUndefined((user[parent] as unknown as Record<string, unknown>)[key], `${parent}.${key}`)
        decodes({ ...required, [parent]: {} })
      }
    }
  })

  it("id, uuid and authToken are required", () => {
    for (const key of ["id", "uuid", "authToken"] as const) {
      const { [key]: _, ...rest } = required
      rejects(rest)
      rejects({ ...required, [key]: null })
    }
  })

  it("id is an integer, uuid and authToken non-empty strings", () => {
    for (const id of ["1", 1.5, true, Number.NaN]) rejects({ ...required, id })
    for (const uuid of ["", 1]) rejects({ ...required, uuid })
    for (const authToken of ["", 1, {}]) rejects({ ...required, authToken })
  })

  it("a field of the wrong type is rejected, not dropped", () => {
    rejects({ ...required, joinedAt: "1600000000" })
    rejects({ ...required, subscription: { active: "yes" } })
    rejects({ ...required, entitlements: "all" })
  })
})

const clientKeys = Object.keys(plexClientHeaderNames) as Array<keyof typeof plexClientHeaderNames>
const decodeClient = Schema.decodeUnknownEither(PlexClientInfo)

describe("PlexClientInfo", () => {
  it.prop(
    "rejects a CR or LF in any field",
    [
      FastCheck.constantFrom(...clientKeys),
      FastCheck.string(),
      FastCheck.constantFrom("\r", "\n", "\r\n"),
      FastCheck.string()
    ],
    ([key, before, breaker, after]) => {
      const value = `a${before}${breaker}${after}`
      assert.isTrue(Either.isLeft(decodeClient({ clientIdentifier: "id", [key]: value })), key)
    }
  )

  it.prop(
    "accepts any text without control characters",
    [
      FastCheck.constantFrom(...clientKeys),
      FastCheck.string({ unit: "grapheme", minLength: 1 }).filter((s) =>
        s.trim().length > 0 && !/[\u0000-\u001f\u007f]/.test(s)
      )
    ],
    ([key, value]) => {
      const result = decodeClient({ clientIdentifier: "id", [key]: value })
      assert.isTrue(Either.isRight(result))
      if (Either.isRight(result)) assert.strictEqual(result.right[key], value)
    }
  )

  it("rejects empty and blank values, and a missing clientIdentifier", () => {
    for (const key of clientKeys) {
      for (const value of ["", " ", "   ", "\t"]) {
        const result = decodeClient({ clientIdentifier: "id", [key]: value })
        assert.isTrue(Either.isLeft(result), `${key}: ${JSON.stringify(value)}`)
      }
    }
    assert.isTrue(Either.isLeft(decodeClient({ product: "p" })))
  })

  it("has a header name for each field", () => {
    assert.deepStrictEqual(Object.keys(PlexClientInfo.fields).sort(), [...clientKeys].sort())
    for (const key of clientKeys) assert.match(plexClientHeaderNames[key], /^X-Plex-[A-Z][A-Za-z-]+$/)
  })
})

const decodeCredentials = Schema.decodeUnknownEither(PasswordCredentials)

describe("PasswordCredentials", () => {
  it.prop(
    "rejects control characters in login and password",
    [
      FastCheck.constantFrom("login", "password"),
      FastCheck.string(),
      FastCheck.constantFrom("\r", "\n", "\u0000", "\u007f"),
      FastCheck.string()
    ],
    ([key, before, control, after]) => {
      const input = { login: "alice", password: "pw", [key]: `x${before}${control}${after}` }
      assert.isTrue(Either.isLeft(decodeCredentials(input)))
    }
  )

  it("rejects an empty login or password and a blank login", () => {
    const inputs = [{ login: "", password: "pw" }, { login: "  ", password: "pw" }, { login: "a", password: "" }]
    for (const input of inputs) {
      assert.isTrue(Either.isLeft(decodeCredentials(input)), JSON.stringify(input))
    }
  })

  it("accepts a password of spaces and unusual characters as it is", () => {
    for (const password of ["   ", "p&ss=wörd +%", "🔑 ключ"]) {
      const result = decodeCredentials({ login: "alice", password })
      assert.isTrue(Either.isRight(result))
      if (Either.isRight(result)) assert.strictEqual(Redacted.value(result.right.password), password)
    }
  })

  it.prop("a verification code is exactly 6 digits", [FastCheck.string()], ([code]) => {
    const result = decodeCredentials({ login: "alice", password: "pw", verificationCode: code })
    assert.strictEqual(Either.isRight(result), /^[0-9]{6}$/.test(code))
  })

  it.prop("every 6-digit code is accepted", [FastCheck.stringMatching(/^[0-9]{6}$/)], ([code]) => {
    assert.isTrue(Either.isRight(decodeCredentials({ login: "alice", password: "pw", verificationCode: code })))
  })

  it.prop("encode → decode round-trips, and the arbitrary makes only valid credentials", [
    Arbitrary.make(PasswordCredentials)
  ], ([credentials]) => {
    const encoded = Schema.encodeSync(PasswordCredentials)(credentials)
    assert.strictEqual(encoded.password, Redacted.value(credentials.password))
    const decoded = Schema.decodeSync(PasswordCredentials)(encoded)
    assert.strictEqual(decoded.login, credentials.login)
    assert.strictEqual(Redacted.value(decoded.password), Redacted.value(credentials.password))
    assert.strictEqual(decoded.verificationCode, credentials.verificationCode)
    assert.isTrue(Effect.runSync(Effect.either(PasswordCredentials.decode(credentials)))._tag === "Right")
  })

  it.prop("a lone surrogate in a login or a password is refused (it would be sent as U+FFFD)", [
    FastCheck.constantFrom("login", "password"),
    FastCheck.integer({ min: 0xd800, max: 0xdfff })
  ], ([key, code]) => {
    const input = { login: "alice", password: "pw", [key]: `x${String.fromCharCode(code)}y` }
    assert.isTrue(Either.isLeft(decodeCredentials(input)))
  })
})
