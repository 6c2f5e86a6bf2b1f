/**
 * The types of the fake plex.tv: its requests, answers, settings and state, and the state and
 * options of each group of routes. The routes, the model and the front doors take their types from
 * here, so no route imports the model that imports it. The public names are re-exported where users
 * import them (`PlexTvModel.ts`, hence `@effect-plex/core/testing`), with their JSDoc and examples.
 *
 * Its only imports are types of `FakeAccount.ts`, `FakeFault.ts` and `FakeMediaServer.ts` (which
 * imports only types from here): a type
 * that is also a value (`FakeAccount`, `FakeFault`) must be declared next to the value, or the
 * declarations users emit could not name it (TS2742).
 */
import type { FakeMediaServerEntry, FakeMediaServerOptions } from "../FakeMediaServer.js"
import type { FakeAccount } from "../FakeAccount.js"
import type { FakeFault, FakeFaultPlan, FakeFaultTag, FakeTransport } from "../FakeFault.js"

export type { FakeAccount } from "../FakeAccount.js"
export type { FakeFault, FakeFaultPlan, FakeFaultTag, FakeTransport, FakeTransportStats } from "../FakeFault.js"

// ---------------------------------------------------------------------------------------------
// The model's requests, answers and state

/**
 * A request as the model sees it: header names in lower case, the body as text.
 */
export interface FakeRequest {
  readonly method: string
  /** Path and query, such as `/api/v2/pins/1?strong=true`. */
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/**
 * The model's answer.
 */
export interface FakeResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  /** A fault the front door performs on the connection (see `FakeFaultPlan`); absent for a plain answer. */
  readonly transport?: FakeTransport | undefined
  /** How long the front door waits before answering (the plan's latency, a `Delay` fault). */
  readonly delayMillis?: number | undefined
}

/**
 * The knobs of the fake, for the places where real plex.tv is undocumented or unsure.
 */
export interface PlexTvSettings {
  /** Consecutive failed sign-ins before every sign-in answers 401/1031 (real number unknown). */
  readonly lockoutThreshold: number
  /** How long the 1031 lock lasts. */
  readonly lockoutMillis: number
  /** Requests per route and window before 429/1003; `undefined` turns the limiter off. */
  readonly rateLimit:
    | {
      readonly limit: number
      readonly windowMillis: number
      /** Seconds sent as `Retry-After`; `undefined` sends none (as in the only real 429s seen). */
      readonly retryAfterSeconds?: number | undefined
    }
    | undefined
  /** A revoked token answers 422 with this body: XML as observed, or a JSON `errors` list. */
  readonly revokedTokenBody: "xml" | "json"
  /** How XML bodies write booleans (`1`/`0` or `true`/`false`: open in the API reference). */
  readonly xmlBooleans: "numeric" | "words"
  /** How many requests the log keeps (the newest). */
  readonly logLimit: number
}

/**
 * What the fake knows about a token.
 */
export interface FakeToken {
  readonly accountId: number
  /** The client identifier that obtained it: one device entry on the account. */
  readonly clientIdentifier: string
  readonly state: "active" | "revoked" | "signedOut"
  /** A classic token, or a Plex JWT issued by the JWT exchange. */
  readonly kind: "classic" | "jwt"
  /** Unix millis after which it answers 498 (Plex JWTs). */
  readonly expiresAt?: number | undefined
}

/**
 * One request the fake answered. The token itself is not kept, only where it was sent.
 */
export interface FakeLogEntry {
  readonly at: number
  readonly method: string
  readonly path: string
  readonly status: number
  readonly clientIdentifier: string | undefined
  readonly tokenIn: "header" | "query" | "none"
  readonly accept: string | undefined
  /** The fault of the plan this request got, if any. */
  readonly fault?: FakeFaultTag | undefined
}

/**
 * The whole state of the fake plex.tv.
 */
export interface PlexTvState {
  readonly settings: PlexTvSettings
  readonly accounts: ReadonlyArray<FakeAccount>
  readonly tokens: Readonly<Record<string, FakeToken>>
  readonly lockout: { readonly failures: number; readonly lockedUntil: number }
  /** Every sign-in request that reached the route, whatever its answer. */
  readonly signInAttempts: number
  readonly issued: number
  readonly windows: Readonly<Record<string, { readonly start: number; readonly count: number }>>
  readonly log: ReadonlyArray<FakeLogEntry>
  readonly pins: PinsState
  readonly jwt: JwtState
  readonly resources: ResourcesState
  readonly home: HomeState
  /** The fault plan, what is left of it, and the faults injected so far. */
  readonly faults: FaultState
}

/**
 * The options of `PlexTvModel.make`.
 */
export interface PlexTvOptions {
  readonly accounts: ReadonlyArray<FakeAccount>
  readonly settings?: Partial<PlexTvSettings> | undefined
  readonly pins?: PinsOptions | undefined
  readonly jwt?: JwtOptions | undefined
  readonly resources?: ResourcesOptions | undefined
  readonly home?: HomeOptions | undefined
  /**
   * Fake Plex Media Servers (see `FakeMediaServer`): plex.tv lists "Fake Media Server" after the
   * other resources, with one connection per server. Default none.
   */
  readonly mediaServers?: ReadonlyArray<FakeMediaServerOptions> | undefined
  /** Faults from the start; see `FakeFaultPlan`. */
  readonly faults?: FakeFaultPlan | undefined
}

// ---------------------------------------------------------------------------------------------
// Faults

/** One step of the fault plan, as the state keeps it. */
export interface FaultStep {
  readonly fault: FakeFault
  readonly remaining: number | undefined
  readonly forMillis: number | undefined
  /** Set when the step first answers a request, if it has `forMillis`. */
  readonly until: number | undefined
}

/** The fault plan, what is left of it, and the faults injected so far. */
export interface FaultState {
  readonly plan: FakeFaultPlan
  readonly steps: ReadonlyArray<FaultStep>
  /** The PRNG's state (mulberry32). */
  readonly rng: number
  /** Faults injected since the plan was set, by kind. */
  readonly injected: Readonly<Partial<Record<FakeFaultTag, number>>>
}

// ---------------------------------------------------------------------------------------------
// PINs

/** One PIN the fake made. Times are Unix millis. */
export interface FakePin {
  readonly id: number
  readonly code: string
  readonly strong: boolean
  /** The client identifier that created it: the only one that gets its token. */
  readonly clientIdentifier: string
  readonly product: string
  readonly createdAt: number
  readonly expiresAt: number
  /** Set once an account approved it. */
  readonly linked?: { readonly accountId: number; readonly token: string } | undefined
  /**
   * The device's public key, for a PIN created with a `jwk` (the PIN + JWT flow): each poll must
   * carry a device JWT signed with it, and linking registers it and issues a Plex JWT, not a classic
   * token (`linked.token` is then the Plex JWT's signed part, `header.payload`).
   */
  readonly jwk?: { readonly x: string; readonly kid: string } | undefined
}

/** What the fake knows about PINs. */
export interface PinsState {
  readonly strongLifetimeSeconds: number
  readonly weakLifetimeSeconds: number
  readonly location: "plain" | "loose"
  /** How many PINs were made: the source of ids and codes. */
  readonly created: number
  /** By id. */
  readonly pins: Readonly<Record<string, FakePin>>
}

/** Options for PINs: their lifetimes (plex-tv-api.md gives 1800 and 900 seconds from examples only). */
export interface PinsOptions {
  readonly strongLifetimeSeconds?: number | undefined
  readonly weakLifetimeSeconds?: number | undefined
  /**
   * The PIN's `location`: `"plain"` (default) strings and booleans; `"loose"` as real answers also
   * have it (plex-tv-api.md §2.4): `postal_code` the integer `802`, `"Unknown"` for the privacy
   * flags, `in_privacy_restricted_region` set.
   */
  readonly location?: "plain" | "loose" | undefined
}

// ---------------------------------------------------------------------------------------------
// JWT device authentication

/** A registered device key. */
export interface FakeDeviceKey {
  readonly x: string
  readonly clientIdentifier: string
  readonly accountId: number
}

/** A nonce handed out by `GET /auth/nonce`. */
export interface FakeNonce {
  readonly clientIdentifier: string
  readonly expiresAt: number
  readonly used: boolean
}

/** One of the fake plex.tv's own signing keys (published by `GET /auth/keys`). */
export interface FakeSigningKey {
  readonly kid: string
  readonly x: string
  readonly d: string
}

/** What the fake knows about device keys, nonces and its own signing keys. */
export interface JwtState {
  readonly deviceKeys: Readonly<Record<string, FakeDeviceKey>>
  readonly nonces: Readonly<Record<string, FakeNonce>>
  readonly nonceCount: number
  /** Published in this order; the fake signs with the last one (catches "first key only" bugs). */
  readonly signingKeys: ReadonlyArray<FakeSigningKey>
  readonly tokenLifetimeMillis: number
  readonly nonceLifetimeMillis: number
}

/** Options for JWT device authentication. */
export interface JwtOptions {
  /**
   * Lifetime of issued Plex JWTs; default 7 days. Zero or negative issues tokens that arrive
   * already expired (`exp` at or before `iat`), as a misbehaving plex.tv would.
   */
  readonly tokenLifetimeMillis?: number | undefined
  /** Lifetime of nonces; default 5 minutes. */
  readonly nonceLifetimeMillis?: number | undefined
}

// ---------------------------------------------------------------------------------------------
// Resources

/** One resource as plex.tv sends it (JSON members; `connections` an array of objects). */
export type FakeResource = Readonly<Record<string, unknown>>

/** What the fake knows about resources. */
export interface ResourcesState {
  /** The list every account gets; `undefined`: the default list built for the caller. */
  readonly list: ReadonlyArray<FakeResource> | undefined
  /** Whether the default list ends with the odd entries seen in other projects' fixtures. */
  readonly oddEntries: boolean
  /** The fake media servers and where their connections point (listed as "Fake Media Server"). */
  readonly media: ReadonlyArray<FakeMediaServerEntry>
}

/** Options for resources. */
export interface ResourcesOptions {
  /**
   * The resources every authenticated account gets, sent as given (connections filtered by the
   * flags). Default: `defaultResources` for the caller.
   */
  readonly resources?: ReadonlyArray<FakeResource> | undefined
  /**
   * Append to the default list the odd entries seen in other projects' fixtures (plex-tv-api.md
   * §2.6): a server with a connection whose `uri` is `""`, an entry without `clientIdentifier`, an
   * entry without `connections`. Default `false`.
   */
  readonly oddEntries?: boolean | undefined
}

// ---------------------------------------------------------------------------------------------
// Plex Home

/** What the fake knows about Plex Home. */
export interface HomeState {
  readonly usersForm: "object" | "array"
  readonly switchStatus: number
  readonly guestEnabled: boolean
  readonly oddEntries: boolean
}

/** Options for Plex Home. */
export interface HomeOptions {
  /** How `GET /api/v2/home/users` answers: plex.tv's object form (default) or a bare array (seen once). */
  readonly usersForm?: "object" | "array" | undefined
  /** The success status of a switch (default 201). */
  readonly switchStatus?: number | undefined
  /**
   * The Home has its guest user on: the object form then carries `guestUserID`, `guestUserUUID`
   * and `guestEnabled: true` (default `false`: `null`, `null`, `false`).
   */
  readonly guestEnabled?: boolean | undefined
  /**
   * Append to the members the odd entries a decoder must survive: one without a `uuid`, one with
   * an empty `uuid` and a string `id`. Default `false`.
   */
  readonly oddEntries?: boolean | undefined
}
