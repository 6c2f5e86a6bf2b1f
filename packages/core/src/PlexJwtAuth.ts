/**
 * @since 0.1.0
 */
import * as HttpBody from "@effect/platform/HttpBody"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Redacted from "effect/Redacted"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { isRevokedToken } from "./internal/statusErrors.js"
import {
  BACKOFF_BASE_MILLIS,
  backoffMillis,
  decodeJwt,
  estimateSkew,
  type HeldToken,
  isValid,
  refreshDueIn,
  SHORT_REFRESH_MILLIS,
  signJwt
} from "./internal/jwt.js"
import { KeyStore, type KeyStoreService } from "./KeyStore.js"
import { PlexClient } from "./PlexClient.js"
import type { PlexConfig } from "./PlexConfig.js"
import { PlexDeviceKey, PlexPublicJwk } from "./PlexDeviceKey.js"
import type { PlexAuthError } from "./PlexAuth.js"
import { PlexEndpoint, type PlexFailure } from "./PlexEndpoint.js"
import {
  PlexDecodeError,
  PlexJwtRejectedError,
  type PlexKeyStoreError,
  PlexPinExpiredError,
  PlexUnauthorizedError
} from "./PlexError.js"
import { PlexPin } from "./PlexPin.js"
import { plexAuthAppUrl } from "./PlexPinAuth.js"
import { checkInterval, refuse, waitForLink } from "./internal/pinWait.js"

/**
 * What a `PlexJwtAuth` call can fail with.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import type { PlexJwtError } from "@effect-plex/core"
 *
 * const isRefused = (error: PlexJwtError) => error._tag === "PlexJwtRejectedError"
 * console.log(isRefused)
 */
export type PlexJwtError = PlexAuthError | PlexJwtRejectedError

/**
 * A Plex JWT: used exactly like a classic token (`X-Plex-Token`), valid for about 7 days.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { PlexJwtToken } from "@effect-plex/core"
 * import * as Redacted from "effect/Redacted"
 *
 * const token = new PlexJwtToken({ token: Redacted.make("eyJ…"), issuedAt: 0, expiresAt: 604_800_000 })
 * console.log(String(token.token)) // "<redacted>"
 */
export class PlexJwtToken extends Schema.Class<PlexJwtToken>("@effect-plex/core/PlexJwtToken")({
  token: Schema.Redacted(Schema.NonEmptyString),
  /** Unix millis, from the JWT's `iat`. */
  issuedAt: Schema.Number,
  /** Unix millis, from the JWT's `exp`. */
  expiresAt: Schema.Number
}) {}

/**
 * A source of always-valid Plex JWTs, refreshed in the background (see
 * `PlexJwtAuth.refreshing`).
 *
 * @since 0.1.0
 * @category models
 * @example
 * import type { PlexTokenSource } from "@effect-plex/core"
 * import { PlexAuth } from "@effect-plex/core"
 * import * as Effect from "effect/Effect"
 *
 * const whoAmI = (source: PlexTokenSource) =>
 *   Effect.flatMap(source.get, (token) => Effect.flatMap(PlexAuth, (auth) => auth.getTokenDetails(token)))
 */
export interface PlexTokenSource {
  /**
   * A valid token (in plex.tv's time: the local clock corrected by the estimated skew). When the
   * held token has expired, refreshes first (one caller at a time; after a refresh that failed once
   * the token had expired, no sooner than its backoff). Fails only when the current token has
   * expired and refreshing it failed: with the refresh's last error (a `PlexUnauthorizedError` with
   * reason `InvalidToken` when plex.tv answered with an expired token).
   */
  readonly get: Effect.Effect<Redacted.Redacted<string>, PlexJwtError>
  /** The token held now, valid or not. */
  readonly current: Effect.Effect<PlexJwtToken>
}

/**
 * Options of {@link PlexJwtAuthService.exchange}.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import type { PlexJwtExchangeOptions } from "@effect-plex/core"
 *
 * const options: PlexJwtExchangeOptions = { scope: ["username", "email"] }
 * console.log(options.scope)
 */
export interface PlexJwtExchangeOptions {
  /**
   * Which user fields the Plex JWT carries (not permissions): `username`, `email`,
   * `friendly_name`, `restricted`, `anonymous`, `joinedAt`. Default: username, email,
   * friendly_name.
   */
  readonly scope?: ReadonlyArray<string> | undefined
  /** Lifetime of the signed device JWT; default 5 minutes. */
  readonly deviceJwtLifetime?: Duration.DurationInput | undefined
}

/**
 * Options of {@link PlexJwtAuthService.refreshing}.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import type { PlexTokenSourceOptions } from "@effect-plex/core"
 *
 * const options: PlexTokenSourceOptions = { refreshBefore: "1 day" }
 * console.log(options.refreshBefore)
 */
export interface PlexTokenSourceOptions extends PlexJwtExchangeOptions {
  /**
   * Refresh when this much validity remains (at most half the token's life); default 1 day. Times
   * are plex.tv's: the local clock is corrected by the skew estimated from each token's `iat`.
   */
  readonly refreshBefore?: Duration.DurationInput | undefined
  /**
   * Backoff between unhealthy refreshes in a row (failed, answered with an already expired token,
   * or due again within a minute): exponential from 1 second, jittered, capped at this (never below
   * 1 second); default 5 minutes.
   */
  readonly maxBackoff?: Duration.DurationInput | undefined
}

/**
 * Options of {@link PlexJwtAuthService.linkWithPin}: `strong` (default `true`) asks for a
 * 25-character code for the browser page (`authAppUrl`), `false` for a 4-character code to type at
 * `https://plex.tv/link`; `interval` is the pause between polls (default 1 second, at least 100
 * milliseconds); `forwardUrl` goes into `authAppUrl`; `deviceJwtLifetime` is the lifetime of the
 * device JWT signed for each poll (default 5 minutes).
 *
 * @since 0.2.0
 * @category models
 * @example
 * import type { PlexJwtPinOptions } from "@effect-plex/core"
 *
 * const options: PlexJwtPinOptions = { strong: false, interval: "2 seconds" }
 * console.log(options.strong)
 */
export interface PlexJwtPinOptions {
  readonly strong?: boolean | undefined
  readonly interval?: Duration.DurationInput | undefined
  readonly forwardUrl?: string | undefined
  readonly deviceJwtLifetime?: Duration.DurationInput | undefined
}

/**
 * A PIN created for a device key (see {@link PlexJwtAuthService.linkWithPin}): show `pin.code` (at
 * `https://plex.tv/link` for a 4-character code) or send the user to `authAppUrl`, then run `token`,
 * which polls until the user linked the PIN and gives the Plex JWT plex.tv issued to the key.
 *
 * @since 0.2.0
 * @category models
 * @example
 * import type { PlexJwtPinLink } from "@effect-plex/core"
 * import * as Console from "effect/Console"
 * import * as Effect from "effect/Effect"
 *
 * const finish = (link: PlexJwtPinLink) =>
 *   Console.log(`Open ${link.authAppUrl}`).pipe(Effect.zipRight(link.token))
 */
export interface PlexJwtPinLink {
  readonly pin: PlexPin
  /** The `https://app.plex.tv/auth#?…` page where the user approves this PIN. */
  readonly authAppUrl: string
  /**
   * Polls `GET /api/v2/pins/{id}?deviceJWT=…` (a device JWT signed with the key for each poll) by
   * the rules of `PlexPinAuth.waitForToken`: every `interval`, slower on 429, transient failures
   * retried per `PlexConfig.retry`, `PlexPinExpiredError` at the PIN's `expiresAt`, interruptible
   * at once. Succeeds with the Plex JWT once the user linked the PIN.
   */
  readonly token: Effect.Effect<PlexJwtToken, PlexJwtError | PlexPinExpiredError>
}

/**
 * JWT device authentication on `clients.plex.tv`: the device keeps an Ed25519 key, registers it
 * (by linking a PIN created with it, or once with a classic token), then exchanges signed nonces
 * for Plex JWTs.
 *
 * Which token a caller holds: before the first exchange, a classic token (from sign-in or a plain
 * PIN), good for `registerDevice` and `deviceKey`; from the first exchange (or a PIN + JWT link)
 * on, only the Plex JWT: plex.tv expires the device's classic token then, so `registerDevice` and
 * `rotateKey` take the current Plex JWT. `exchange` and `refreshing` take no token at all (the key
 * proves the device), so a Plex JWT can be refreshed after it expired.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { PlexDeviceKey, PlexJwtAuth } from "@effect-plex/core"
 * import * as Effect from "effect/Effect"
 * import * as Redacted from "effect/Redacted"
 *
 * const program = Effect.gen(function*() {
 *   const jwt = yield* PlexJwtAuth
 *   const key = yield* PlexDeviceKey.generate
 *   yield* jwt.registerDevice(Redacted.make("classic-token"), key)
 *   const token = yield* jwt.exchange(key)
 *   return token.expiresAt
 * })
 */
export interface PlexJwtAuthService {
  /**
   * `POST /api/v2/auth/jwk`: registers the device's public key, with a token issued to this client
   * identifier: its classic token before the first exchange, the current Plex JWT after it.
   */
  readonly registerDevice: (
    token: Redacted.Redacted<string>,
    key: PlexDeviceKey
  ) => Effect.Effect<void, PlexJwtError>
  /** `GET /api/v2/auth/nonce`: a fresh single-use nonce, valid 5 minutes. */
  readonly nonce: () => Effect.Effect<string, PlexJwtError>
  /** Signs a new nonce with the device key and exchanges it (`POST /api/v2/auth/token`) for a Plex JWT. */
  readonly exchange: (key: PlexDeviceKey, options?: PlexJwtExchangeOptions) => Effect.Effect<PlexJwtToken, PlexJwtError>
  /** `GET /api/v2/auth/keys`: the public keys plex.tv signs its JWTs with. */
  readonly listKeys: (token?: Redacted.Redacted<string>) => Effect.Effect<ReadonlyArray<PlexPublicJwk>, PlexJwtError>
  /**
   * A token source that exchanges once now, then refreshes in the background before expiry; the
   * refresh fiber lives as long as the scope. Times are plex.tv's: the local clock is corrected by
   * the skew estimated from each token's `iat`, so a clock days off still works. It never spins: a
   * failed refresh, a token that arrives already expired and one due again within a minute all back
   * off (see `maxBackoff`). A first token that arrives expired is no failure here: `get` fails until
   * a refresh brings a valid one. After a long sleep (a laptop lid, a paused container: the clock
   * jumps past the token's expiry while the refresh timer, which does not run during a suspend,
   * still waits), the first `get` refreshes at once, since plex.tv refreshes expired Plex JWTs
   * while the key is registered: no new link is needed. Readers meanwhile share that refresh.
   */
  readonly refreshing: (
    key: PlexDeviceKey,
    options?: PlexTokenSourceOptions
  ) => Effect.Effect<PlexTokenSource, PlexJwtError, Scope.Scope>
  /**
   * The device key of the `KeyStore`; on first use, a new key registered with the classic token
   * and kept. Single-flight per store: concurrent callers share one creation and registration (and
   * its failure, which is not kept: the next call tries again); during a `rotateKey` it waits and
   * returns the key kept after it.
   */
  readonly deviceKey: (
    token: Redacted.Redacted<string>
  ) => Effect.Effect<PlexDeviceKey, PlexJwtError | PlexKeyStoreError, KeyStore>
  /**
   * Replaces the kept key: registers a new one, proves it with an exchange, and only then keeps it.
   * If any step fails the old key stays. Concurrent rotations of one store share one new key, and
   * never overlap a `deviceKey` creating the first one. Pass the current Plex JWT (say, from
   * `refreshing`'s `get`): after a device's first exchange plex.tv no longer accepts its classic
   * token.
   */
  readonly rotateKey: (
    token: Redacted.Redacted<string>
  ) => Effect.Effect<PlexDeviceKey, PlexJwtError | PlexKeyStoreError, KeyStore>
  /**
   * The PIN + JWT flow, Plex's recommended login for new apps: `POST /api/v2/pins` on
   * `clients.plex.tv` with the key's public JWK (`{"jwk": …, "strong": true}`). Once the user links
   * the PIN, plex.tv registers the key for the account and the PIN's `authToken` is a Plex JWT: no
   * classic token is ever issued, and `exchange`/`refreshing` work with the key from then on. The
   * PIN is created here; waiting is the returned `token`. Never retried once plex.tv answered.
   */
  readonly linkWithPin: (key: PlexDeviceKey, options?: PlexJwtPinOptions) => Effect.Effect<PlexJwtPinLink, PlexJwtError>
  /**
   * `linkWithPin` with a new key, kept in the `KeyStore` (replacing the one kept before) only once
   * the PIN is linked, so the next start refreshes with it (`refreshing`) without a new link.
   */
  readonly linkDeviceWithPin: (
    options?: PlexJwtPinOptions
  ) => Effect.Effect<
    {
      readonly pin: PlexPin
      readonly authAppUrl: string
      readonly token: Effect.Effect<PlexJwtToken, PlexJwtError | PlexPinExpiredError | PlexKeyStoreError>
      readonly key: PlexDeviceKey
    },
    PlexJwtError,
    KeyStore
  >
}

const DEFAULT_SCOPE = ["username", "email", "friendly_name"]

const NonceBody = Schema.Struct({ nonce: Schema.NonEmptyString })
const TokenBody = Schema.Struct({ auth_token: Schema.NonEmptyString })
const KeysBody = Schema.Struct({ keys: Schema.Array(PlexPublicJwk) })

/** `iat` and `exp` of a Plex JWT, in millis; a token we cannot read is a decode error. */
const readToken = (raw: string): Effect.Effect<PlexJwtToken, PlexDecodeError> => {
  const jwt = decodeJwt(raw)
  const iat = jwt?.payload.iat
  const exp = jwt?.payload.exp
  if (typeof exp !== "number" || !Number.isFinite(exp)) {
    return Effect.fail(new PlexDecodeError({ paths: ["auth_token.exp"] }))
  }
  const issuedAt = typeof iat === "number" && Number.isFinite(iat) ? iat * 1000 : exp * 1000
  return Effect.succeed(new PlexJwtToken({ token: Redacted.make(raw), issuedAt, expiresAt: exp * 1000 }))
}

/** The refresher's state: the token held, the skew estimated when it arrived, the last refresh error. */
interface Refresher {
  readonly held: { readonly token: PlexJwtToken; readonly skew: number }
  readonly error: Option.Option<PlexJwtError>
  /** Local time the last exchange started, and how many failed in a row: they pace `get`'s own refresh. */
  readonly attemptedAt: number
  readonly failures: number
}

const view = (held: Refresher["held"]): HeldToken => ({
  issuedAt: held.token.issuedAt,
  expiresAt: held.token.expiresAt,
  skew: held.skew
})

/** What `get` fails with for a token expired in plex.tv's time, as plex.tv answers it (498). */
const expiredToken = (): PlexJwtError => new PlexUnauthorizedError({ status: 498, errors: [], reason: "InvalidToken" })

type KeyError = PlexJwtError | PlexKeyStoreError
type FlightKind = "deviceKey" | "rotateKey"

/** Per store: one run at a time, and the run of each kind in flight. */
interface StoreFlights {
  readonly lock: Effect.Semaphore
  readonly running: Map<FlightKind, Deferred.Deferred<Option.Option<PlexDeviceKey>, KeyError>>
}

const hasNonceMessage = (failure: PlexFailure) => failure.errors.some((error) => /nonce/i.test(error.message ?? ""))

/** A 422 on the JWT endpoints is a refused key or JWT, unless it is the revoked-token answer. */
const rejected = (reason: (failure: PlexFailure) => PlexJwtRejectedError["reason"]) => (failure: PlexFailure) =>
  failure.status === 422 && !isRevokedToken(failure.errors)
    ? new PlexJwtRejectedError({ status: failure.status, errors: failure.errors, reason: reason(failure) })
    : undefined

const registerEndpoint = PlexEndpoint.make({
  name: "PlexJwtAuth.registerDevice",
  method: "POST",
  path: "/api/v2/auth/jwk",
  host: "clients",
  idempotent: false,
  credential: "none",
  rules: [rejected((failure) => hasNonceMessage(failure) ? "InvalidNonce" : "KeyInUse")]
})

const nonceEndpoint = PlexEndpoint.make({
  name: "PlexJwtAuth.nonce",
  method: "GET",
  path: "/api/v2/auth/nonce",
  host: "clients",
  idempotent: true,
  success: NonceBody
})

const tokenEndpoint = PlexEndpoint.make({
  name: "PlexJwtAuth.token",
  method: "POST",
  path: "/api/v2/auth/token",
  host: "clients",
  idempotent: false,
  credential: "none",
  success: TokenBody,
  rules: [rejected((failure) => hasNonceMessage(failure) ? "InvalidNonce" : "InvalidSignature")]
})

const PinPoll = Schema.Struct({
  authToken: Schema.optionalWith(Schema.String, { nullable: true })
})

const createPinEndpoint = PlexEndpoint.make({
  name: "PlexJwtAuth.linkWithPin",
  method: "POST",
  path: "/api/v2/pins",
  host: "clients",
  idempotent: false,
  credential: "none",
  success: PlexPin
})

/** `GET /api/v2/pins/{id}?deviceJWT=…`: a 404 means the PIN expired, a 422 a refused device JWT. */
const pinPollEndpoint = (id: number) =>
  PlexEndpoint.make({
    name: "PlexJwtAuth.checkPin",
    method: "GET",
    path: "/api/v2/pins/{id}",
    host: "clients",
    idempotent: false, // the wait's own schedule retries
    credential: "none",
    success: PinPoll,
    rules: [
      (failure: PlexFailure): PlexPinExpiredError | PlexJwtRejectedError | undefined =>
        failure.status === 404 ? new PlexPinExpiredError({ pinId: id }) : undefined,
      rejected(() => "InvalidSignature")
    ]
  })

const keysEndpoint = PlexEndpoint.make({
  name: "PlexJwtAuth.listKeys",
  method: "GET",
  path: "/api/v2/auth/keys",
  host: "clients",
  idempotent: true,
  success: KeysBody
})

const make: Effect.Effect<PlexJwtAuthService, never, PlexClient> = Effect.gen(function*() {
  const client = yield* PlexClient
  const clientIdentifier = client.config.client.clientIdentifier

  const registerDevice = (token: Redacted.Redacted<string>, key: PlexDeviceKey) =>
    client.execute(registerEndpoint, {
      token,
      body: HttpBody.unsafeJson({ jwk: Schema.encodeSync(PlexPublicJwk)(key.publicJwk) }),
      attributes: { "plex.kid": key.kid }
    })

  const nonce = () => Effect.map(client.execute(nonceEndpoint), (body) => body.nonce)

  /** An exchange whose device JWT is dated in plex.tv's time: the local clock minus `skew` millis. */
  const exchangeAt = Effect.fn("PlexJwtAuth.exchange")(
    function*(key: PlexDeviceKey, options: PlexJwtExchangeOptions | undefined, skew: number) {
      yield* Effect.annotateCurrentSpan({ "plex.endpoint": "POST /api/v2/auth/token", "plex.kid": key.kid })
      const value = yield* nonce()
      const now = (yield* Clock.currentTimeMillis) - skew
      const iat = Math.floor(now / 1000)
      const lifetime = Duration.toSeconds(Duration.decode(options?.deviceJwtLifetime ?? "5 minutes"))
      const jwt = yield* Effect.promise(() =>
        signJwt({ alg: "EdDSA", typ: "JWT", kid: key.kid }, {
          nonce: value,
          scope: (options?.scope ?? DEFAULT_SCOPE).join(","),
          aud: "plex.tv",
          iss: clientIdentifier,
          iat,
          exp: iat + Math.max(1, Math.floor(lifetime))
        }, { x: key.publicKey, d: Redacted.value(key.privateKey) })
      )
      const body = yield* client.execute(tokenEndpoint, {
        body: HttpBody.unsafeJson({ jwt }),
        secrets: [Redacted.make(jwt)]
      })
      return yield* readToken(body.auth_token)
    }
  )

  const exchange = (key: PlexDeviceKey, options?: PlexJwtExchangeOptions) => exchangeAt(key, options, 0)

  const listKeys = (token?: Redacted.Redacted<string>) =>
    Effect.map(client.execute(keysEndpoint, token === undefined ? undefined : { token }), (body) => body.keys)

  const refreshing = (key: PlexDeviceKey, options?: PlexTokenSourceOptions) =>
    Effect.gen(function*() {
      const refreshBefore = Duration.toMillis(Duration.decode(options?.refreshBefore ?? "1 day"))
      const maxBackoff = Duration.toMillis(Duration.decode(options?.maxBackoff ?? "5 minutes"))

      /** An exchange dated in plex.tv's time; the skew re-estimated from the new token's `iat`. */
      const obtain = (skew: number) =>
        Effect.flatMap(exchangeAt(key, options, skew), (token) =>
          Effect.map(Clock.currentTimeMillis, (arrivedAt) => ({
            held: { token, skew: estimateSkew(decodeJwt(Redacted.value(token.token))?.payload.iat, arrivedAt) ?? skew },
            arrivedAt
          })))

      const first = yield* obtain(0)
      const arrivedExpired = !isValid(view(first.held), first.arrivedAt)
      const state = yield* Ref.make<Refresher>({
        held: first.held,
        error: arrivedExpired ? Option.some(expiredToken()) : Option.none(),
        attemptedAt: first.arrivedAt,
        failures: arrivedExpired ? 1 : 0
      })
      // exchanges never overlap: the background refresh and a `get` that refreshes take turns
      const lock = yield* Effect.makeSemaphore(1)

      // One exchange, kept when it brings a valid token (else the old one stays: it may still be
      // valid); `true` when it did.
      const exchangeOnce = Effect.gen(function*() {
        const { held } = yield* Ref.get(state)
        const startedAt = yield* Clock.currentTimeMillis
        const result = yield* Effect.either(obtain(held.skew))
        if (Either.isLeft(result) || !isValid(view(result.right.held), result.right.arrivedAt)) {
          const error = Either.isLeft(result) ? result.left : expiredToken()
          yield* Ref.update(
            state,
            (s) => ({ ...s, error: Option.some(error), attemptedAt: startedAt, failures: s.failures + 1 })
          )
          return Option.none()
        }
        yield* Ref.set(state, { held: result.right.held, error: Option.none(), attemptedAt: startedAt, failures: 0 })
        return Option.some(result.right)
      })
      const attempt = lock.withPermits(1)(exchangeOnce)

      // One refresh: wait until due (and at least the backoff), exchange, and return the count of
      // unhealthy refreshes in a row. Every path waits: a failure, a token that arrives already
      // expired in plex.tv's time, and one due again within a minute all grow the backoff.
      const refreshOnce = (unhealthy: number) =>
        Effect.gen(function*() {
          const { held } = yield* Ref.get(state)
          const now = yield* Clock.currentTimeMillis
          const backoff = backoffMillis(unhealthy, maxBackoff, yield* Random.next)
          yield* Effect.sleep(Duration.millis(Math.max(refreshDueIn(view(held), now, refreshBefore), backoff)))
          const woke = yield* Ref.get(state)
          // a `get` refreshed while this one slept: wait for the new token's turn
          if (woke.held !== held && woke.error._tag === "None") return 0
          const next = yield* attempt
          if (Option.isNone(next)) return unhealthy + 1
          return refreshDueIn(view(next.value.held), next.value.arrivedAt, refreshBefore) < SHORT_REFRESH_MILLIS
            ? unhealthy + 1
            : 0
        })
      yield* Effect.forkScoped(
        Effect.iterate(arrivedExpired ? 1 : 0, { while: () => true, body: refreshOnce })
      )

      // The token expired while the refresher still sleeps: its timer missed a jump of the clock (a
      // laptop lid, a paused container; timers do not run while the machine is suspended). A `get`
      // then exchanges at once (plex.tv refreshes expired tokens while the key is registered), one
      // caller at a time; after an exchange that failed once the token had expired, no sooner than
      // the backoff of its failures.
      const recover = lock.withPermits(1)(Effect.gen(function*() {
        const s = yield* Ref.get(state)
        const now = yield* Clock.currentTimeMillis
        const pause = Math.max(BACKOFF_BASE_MILLIS, backoffMillis(s.failures, maxBackoff, 0))
        const triedSinceExpiry = !isValid(view(s.held), s.attemptedAt)
        if (isValid(view(s.held), now) || (triedSinceExpiry && now - s.attemptedAt < pause)) return
        yield* exchangeOnce
      }))

      const get = Effect.gen(function*() {
        const { held } = yield* Ref.get(state)
        if (isValid(view(held), yield* Clock.currentTimeMillis)) return held.token.token
        yield* recover
        const after = yield* Ref.get(state)
        if (isValid(view(after.held), yield* Clock.currentTimeMillis)) return after.held.token.token
        return yield* Effect.fail(Option.getOrElse(after.error, expiredToken))
      })
      return { get, current: Effect.map(Ref.get(state), (s) => s.held.token) } satisfies PlexTokenSource
    }).pipe(Effect.withSpan("PlexJwtAuth.refreshing"))

  // Creating, registering and keeping a key is single-flight per store: concurrent callers share
  // one run (and its failure); the next caller after it ends runs again. Runs on one store never
  // overlap, so `deviceKey` waits for a rotation and then finds the new key.
  const stores = new WeakMap<KeyStoreService, StoreFlights>()
  const flightsOf = (store: KeyStoreService): StoreFlights => {
    let found = stores.get(store)
    if (found === undefined) {
      found = { lock: Effect.unsafeMakeSemaphore(1), running: new Map() }
      stores.set(store, found)
    }
    return found
  }

  /** Joins the running flight of this kind or starts one; `None` when the flight joined was interrupted. */
  const joinOrRun = (store: KeyStoreService, kind: FlightKind, run: Effect.Effect<PlexDeviceKey, KeyError>) =>
    Effect.uninterruptibleMask((restore) =>
      Effect.suspend((): Effect.Effect<Option.Option<PlexDeviceKey>, KeyError> => {
        const flights = flightsOf(store)
        const running = flights.running.get(kind)
        if (running !== undefined) return restore(Deferred.await(running))
        const flight = Deferred.unsafeMake<Option.Option<PlexDeviceKey>, KeyError>(FiberId.none)
        flights.running.set(kind, flight)
        return restore(flights.lock.withPermits(1)(run)).pipe(
          Effect.onExit((exit) =>
            Effect.suspend(() => {
              flights.running.delete(kind)
              const interrupted = Exit.isFailure(exit) && Cause.isInterruptedOnly(exit.cause)
              return Deferred.done(flight, interrupted ? Exit.succeed(Option.none()) : Exit.map(exit, Option.some))
            })
          ),
          Effect.map(Option.some)
        )
      })
    )

  const singleFlight = (
    store: KeyStoreService,
    kind: FlightKind,
    run: Effect.Effect<PlexDeviceKey, KeyError>
  ): Effect.Effect<PlexDeviceKey, KeyError> =>
    Effect.flatMap(
      joinOrRun(store, kind, run),
      Option.match({ onNone: () => singleFlight(store, kind, run), onSome: Effect.succeed })
    )

  const deviceKey = Effect.fn("PlexJwtAuth.deviceKey")(function*(token: Redacted.Redacted<string>) {
    const store = yield* KeyStore
    return yield* singleFlight(
      store,
      "deviceKey",
      Effect.gen(function*() {
        const kept = yield* store.load
        if (Option.isSome(kept)) return kept.value
        const key = yield* PlexDeviceKey.generate
        yield* registerDevice(token, key)
        yield* store.save(key)
        return key
      })
    )
  })

  const rotateKey = Effect.fn("PlexJwtAuth.rotateKey")(function*(token: Redacted.Redacted<string>) {
    const store = yield* KeyStore
    return yield* singleFlight(
      store,
      "rotateKey",
      Effect.gen(function*() {
        const key = yield* PlexDeviceKey.generate
        yield* registerDevice(token, key)
        yield* exchange(key) // the new key works: only now replace the old one
        yield* store.save(key)
        return key
      })
    )
  })

  /** A device JWT for a PIN poll: `aud` plex.tv, `iss` this client, short-lived; no nonce (none is asked for). */
  const pinDeviceJwt = (key: PlexDeviceKey, lifetime: number) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const iat = Math.floor(now / 1000)
      return Effect.promise(() =>
        signJwt({ alg: "EdDSA", typ: "JWT", kid: key.kid }, {
          aud: "plex.tv",
          iss: clientIdentifier,
          iat,
          exp: iat + lifetime
        }, { x: key.publicKey, d: Redacted.value(key.privateKey) })
      )
    })

  const linkWithPin = Effect.fn("PlexJwtAuth.linkWithPin")(
    function*(key: PlexDeviceKey, options?: PlexJwtPinOptions) {
      if (!(key instanceof PlexDeviceKey)) return yield* refuse("key", "must be a PlexDeviceKey")
      const strong = options?.strong === undefined ? true : options.strong
      if (typeof strong !== "boolean") return yield* refuse("strong", "must be a boolean")
      const interval = yield* checkInterval(options?.interval)
      const lifetime = Duration.decodeUnknown(options?.deviceJwtLifetime ?? "5 minutes")
      if (Option.isNone(lifetime) || !Duration.isFinite(lifetime.value)) {
        return yield* refuse("deviceJwtLifetime", "must be a finite duration")
      }
      const seconds = Math.max(1, Math.floor(Duration.toSeconds(lifetime.value)))
      yield* Effect.annotateCurrentSpan({ "plex.endpoint": "POST /api/v2/pins", "plex.kid": key.kid })
      // the JWK as Plex's docs show it: no `use` member
      const { use: _use, ...jwk } = Schema.encodeSync(PlexPublicJwk)(key.publicJwk)
      const pin = yield* client.execute(createPinEndpoint, {
        body: HttpBody.unsafeJson(strong ? { jwk, strong } : { jwk }),
        attributes: { "plex.pin.strong": strong, "plex.kid": key.kid }
      })
      const poll = Effect.gen(function*() {
        const deviceJwt = yield* pinDeviceJwt(key, seconds)
        const body = yield* client.execute(pinPollEndpoint(pin.id), {
          path: { id: pin.id },
          urlParams: { deviceJWT: deviceJwt },
          secrets: [Redacted.make(deviceJwt)],
          attributes: { "plex.pin.id": pin.id }
        })
        const raw = body.authToken
        if (raw === undefined || raw === "") return Option.none<PlexJwtToken>()
        return Option.some(yield* readToken(raw))
      })
      const token = waitForLink(pin.id, pin.expiresAt, interval, client.config.retry, poll).pipe(
        Effect.withSpan("PlexJwtAuth.waitForPin", { attributes: { "plex.pin.id": pin.id } })
      )
      const authAppUrl = plexAuthAppUrl(client.config.client, pin, { forwardUrl: options?.forwardUrl })
      return { pin, authAppUrl, token } satisfies PlexJwtPinLink
    }
  )

  const linkDeviceWithPin = Effect.fn("PlexJwtAuth.linkDeviceWithPin")(function*(options?: PlexJwtPinOptions) {
    const store = yield* KeyStore
    const key = yield* PlexDeviceKey.generate
    const link = yield* linkWithPin(key, options)
    // kept once linked, never overlapping a `deviceKey` or `rotateKey` of the same store
    const token = Effect.tap(link.token, () => flightsOf(store).lock.withPermits(1)(store.save(key)))
    return { ...link, token, key }
  })

  return { registerDevice, nonce, exchange, listKeys, refreshing, deviceKey, rotateKey, linkWithPin, linkDeviceWithPin }
})

/**
 * The JWT device authentication service (`clients.plex.tv`).
 *
 * @since 0.1.0
 * @category tags
 * @example
 * import { PlexJwtAuth } from "@effect-plex/core"
 * import { PlexNode } from "@effect-plex/node"
 * import * as Layer from "effect/Layer"
 *
 * const JwtLive = PlexJwtAuth.layer.pipe(Layer.provide(PlexNode.layer))
 */
export class PlexJwtAuth extends Context.Tag("@effect-plex/core/PlexJwtAuth")<PlexJwtAuth, PlexJwtAuthService>() {
  /**
   * Builds the service from the {@link PlexClient} in context.
   */
  static readonly make = make

  /**
   * The service over a {@link PlexClient} you provide.
   *
   * @since 0.2.0
   */
  static readonly layerWithoutDependencies: Layer.Layer<PlexJwtAuth, never, PlexClient> = Layer.effect(
    PlexJwtAuth,
    make
  )

  /**
   * The service as a layer, with its {@link PlexClient} built from the `HttpClient` and `PlexConfig`
   * in context (services built in the same layer share that client).
   */
  static readonly layer: Layer.Layer<PlexJwtAuth, never, HttpClient.HttpClient | PlexConfig> = PlexJwtAuth
    .layerWithoutDependencies.pipe(Layer.provide(PlexClient.layer))
}
