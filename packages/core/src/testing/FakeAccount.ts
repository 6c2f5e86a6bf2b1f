/**
 * @since 0.1.0
 */

/**
 * A plex.tv account of the fake plex.tv: who can sign in, with what, and the account object
 * `/api/v2/user` answers for it. Plain data.
 *
 * @since 0.1.0
 * @category testing
 * @example
 * import { FakeAccount } from "@effect-plex/core/testing"
 *
 * const bob: FakeAccount = FakeAccount.make({
 *   id: 20000001,
 *   username: "bob",
 *   email: "bob@example.invalid",
 *   password: "hunter2"
 * })
 * console.log(bob.uuid.length) // 16
 */
export interface FakeAccount {
  readonly id: number
  readonly uuid: string
  readonly username: string
  readonly email: string
  /** Absent for managed Home users, who cannot sign in with a password. */
  readonly password?: string | undefined
  /** For two-factor accounts: the one 6-digit code the fake accepts. */
  readonly verificationCode?: string | undefined
  /** Tokens that are valid from the start (issued to `tokenClientIdentifier`). */
  readonly tokens: ReadonlyArray<string>
  /** The rest of the account object, as plex.tv sends it: nulls and empty strings included. */
  readonly payload: Readonly<Record<string, unknown>>
  /**
   * The Plex Home this account belongs to, by the id of the Home's admin. Absent: the account is
   * the admin of its own Home (alone, unless other accounts name it here).
   */
  readonly homeAdminId?: number | undefined
  /** The Home PIN: switching to this account needs it (the account is then `protected`). */
  readonly homePin?: string | undefined
}

/**
 * The options of {@link FakeAccount.make}.
 *
 * @since 0.1.0
 * @category testing
 * @example
 * import type { FakeAccountOptions } from "@effect-plex/core/testing"
 *
 * const options: FakeAccountOptions = { id: 1, username: "carol", email: "carol@example.invalid", password: "pw" }
 * console.log(options.username)
 */
export interface FakeAccountOptions {
  readonly id: number
  readonly uuid?: string | undefined
  readonly username: string
  readonly email: string
  readonly password?: string | undefined
  readonly verificationCode?: string | undefined
  readonly tokens?: ReadonlyArray<string> | undefined
  /** `"owner"` (default) fills in an owner's account object, `"managed"` a managed Home user's. */
  readonly kind?: "owner" | "managed" | undefined
  /** Fields that replace or add to the filled-in account object. */
  readonly payload?: Readonly<Record<string, unknown>> | undefined
  /** See {@link FakeAccount.homeAdminId}. */
  readonly homeAdminId?: number | undefined
  /** See {@link FakeAccount.homePin}; also sets `protected` in the account object. */
  readonly homePin?: string | undefined
}

const ownerPayload = (id: number, uuid: string, username: string, email: string): Record<string, unknown> => ({
  title: username,
  friendlyName: username,
  locale: null,
  confirmed: true,
  joinedAt: 1600000000,
  emailOnlyAuth: false,
  hasPassword: true,
  protected: false,
  thumb: `https://plex.tv/users/${uuid}/avatar?c=1600000000`,
  mailingListStatus: "active",
  mailingListActive: true,
  scrobbleTypes: "",
  country: "ZZ",
  subscription: {
    active: true,
    subscribedAt: "2021-01-01T00:00:00Z",
    status: "Active",
    paymentService: "braintree",
    plan: "lifetime",
    features: ["hardware_transcoding", "sync"]
  },
  subscriptionDescription: "Lifetime Plex Pass",
  subscriptions: [{
    id: null,
    mode: "lifetime",
    renewsAt: null,
    endsAt: null,
    type: "plexpass",
    transfer: null,
    state: "active"
  }],
  pastSubscriptions: [],
  trials: [],
  restricted: false,
  anonymous: null,
  home: true,
  guest: false,
  homeSize: 2,
  homeAdmin: true,
  maxHomeSize: 15,
  rememberExpiresAt: 1790000000,
  profile: {
    autoSelectAudio: true,
    defaultAudioLanguage: "en",
    defaultAudioLanguages: null,
    defaultSubtitleLanguage: "en",
    defaultSubtitleLanguages: null,
    autoSelectSubtitle: 0,
    defaultSubtitleAccessibility: 0,
    defaultSubtitleForced: 1,
    watchedIndicator: 1
  },
  entitlements: ["all"],
  roles: ["plexpass"],
  services: [{
    identifier: "fake-service",
    endpoint: "https://service.example.invalid",
    token: null,
    secret: null,
    status: "online"
  }],
  adsConsent: null,
  adsConsentSetAt: null,
  adsConsentReminderAt: null,
  experimentalFeatures: false,
  twoFactorEnabled: false,
  backupCodesCreated: false,
  attributionPartner: null,
  id,
  uuid,
  username,
  email
})

const managedPayload = (id: number, uuid: string, username: string, email: string): Record<string, unknown> => ({
  title: username === "" ? "Kid Profile" : username,
  friendlyName: "",
  locale: null,
  confirmed: false,
  joinedAt: 1650000000,
  emailOnlyAuth: false,
  hasPassword: false,
  protected: true,
  thumb: `https://plex.tv/users/${uuid}/avatar?c=1650000000`,
  mailingListStatus: null,
  mailingListActive: false,
  scrobbleTypes: "",
  country: "ZZ",
  subscription: {
    active: false,
    subscribedAt: null,
    status: "Inactive",
    paymentService: null,
    plan: null,
    features: []
  },
  subscriptionDescription: null,
  restricted: true,
  anonymous: null,
  home: true,
  guest: false,
  homeSize: 2,
  homeAdmin: false,
  maxHomeSize: 15,
  rememberExpiresAt: null,
  profile: { autoSelectAudio: true, defaultAudioLanguage: null, defaultSubtitleLanguage: null, autoSelectSubtitle: 0 },
  entitlements: [],
  services: [],
  adsConsent: null,
  adsConsentSetAt: null,
  adsConsentReminderAt: null,
  experimentalFeatures: false,
  twoFactorEnabled: false,
  backupCodesCreated: false,
  restrictionProfile: "older_kid",
  customRestrictions: { all: null, movies: null, music: null, photos: null, television: null },
  providers: [],
  settings: [],
  id,
  uuid,
  username,
  email
})

/** 16 lowercase hex characters derived from the id, like plex.tv's uuids. */
const uuidFor = (id: number): string => {
  let hash = 0x811c9dc5 ^ id
  let out = ""
  for (let i = 0; i < 16; i++) {
    hash = Math.imul(hash ^ (hash >>> 13), 0x5bd1e995) ^ i
    out += ((hash >>> 0) & 0xf).toString(16)
  }
  return out
}

/**
 * Constructors and the sample accounts of the API reference.
 *
 * @since 0.1.0
 * @category testing
 * @example
 * import { FakeAccount, PlexTvFake } from "@effect-plex/core/testing"
 *
 * const FakeLive = PlexTvFake.layer({ accounts: [FakeAccount.owner, FakeAccount.twoFactor, FakeAccount.managed] })
 */
export const FakeAccount = {
  /** An account from a few facts; the account object is filled in like a real one. */
  make: (options: FakeAccountOptions): FakeAccount => {
    const uuid = options.uuid ?? uuidFor(options.id)
    const base = (options.kind ?? "owner") === "owner"
      ? ownerPayload(options.id, uuid, options.username, options.email)
      : managedPayload(options.id, uuid, options.username, options.email)
    return {
      id: options.id,
      uuid,
      username: options.username,
      email: options.email,
      password: options.password,
      verificationCode: options.verificationCode,
      tokens: options.tokens ?? [],
      homeAdminId: options.homeAdminId,
      homePin: options.homePin,
      payload: {
        ...base,
        twoFactorEnabled: options.verificationCode !== undefined,
        backupCodesCreated: options.verificationCode !== undefined,
        protected: options.homePin !== undefined,
        ...options.payload
      }
    }
  },
  /** The owner of the API reference: `fake-owner` / `owner-password`, token `FAKEtokenOwner000001`. */
  get owner(): FakeAccount {
    return FakeAccount.make({
      id: 10000001,
      uuid: "0f0f0f0f0f0f0f0f",
      username: "fake-owner",
      email: "owner@example.invalid",
      password: "owner-password",
      tokens: ["FAKEtokenOwner000001"],
      payload: { friendlyName: "Fake Owner" }
    })
  },
  /**
   * The managed Home user of the API reference: no password, token `FAKEtokenManaged0002`, a
   * member of {@link FakeAccount.owner}'s Home, protected by the Home PIN `2580`.
   */
  get managed(): FakeAccount {
    return FakeAccount.make({
      id: 10000002,
      uuid: "1e1e1e1e1e1e1e1e",
      username: "",
      email: "",
      kind: "managed",
      tokens: ["FAKEtokenManaged0002"],
      homeAdminId: 10000001,
      homePin: "2580"
    })
  },
  /**
   * An account whose Plex Pass lapsed, with a `pastSubscriptions` entry as Plex's spec and a 2023
   * capture show it: a string `id`, `endsAt` in Unix seconds, a `billing` object:
   * `fake-lapsed` / `lapsed-password`, token `FAKEtokenLapsed00004`. Not in the owner's Home.
   */
  get lapsed(): FakeAccount {
    return FakeAccount.make({
      id: 10000004,
      uuid: "3c3c3c3c3c3c3c3c",
      username: "fake-lapsed",
      email: "lapsed@example.invalid",
      password: "lapsed-password",
      tokens: ["FAKEtokenLapsed00004"],
      payload: {
        subscription: {
          active: false,
          subscribedAt: null,
          status: "Lapsed",
          paymentService: null,
          plan: null,
          features: []
        },
        subscriptionDescription: null,
        subscriptions: [],
        pastSubscriptions: [{
          id: "7d3e5a1c-past-0001",
          mode: "monthly",
          renewsAt: null,
          endsAt: 1582893108,
          type: "plexpass",
          transfer: null,
          state: "ended",
          canceled: true,
          gracePeriod: false,
          onHold: false,
          canReactivate: true,
          canUpgrade: false,
          canDowngrade: false,
          canConvert: false,
          billing: { internalPaymentMethod: {}, paymentMethodId: null }
        }],
        roles: [],
        homeSize: 1
      }
    })
  },
  /** A two-factor account: `fake-2fa` / `twofactor-password`, code `123456`. */
  get twoFactor(): FakeAccount {
    return FakeAccount.make({
      id: 10000003,
      uuid: "2d2d2d2d2d2d2d2d",
      username: "fake-2fa",
      email: "twofactor@example.invalid",
      password: "twofactor-password",
      verificationCode: "123456",
      tokens: ["FAKEtokenTwoFactor03"]
    })
  }
}
