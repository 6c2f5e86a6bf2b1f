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
  PlexUnauthorizedError
} from "./PlexError.js"

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
   * A valid token (in plex.tv's time: the local clock corrected by the estimated skew). Fails only
   * when the current token has expired and refreshing it failed: with the refresh's last error (a
   * `PlexUnauthorizedError` with reason `InvalidToken` when plex.tv answered with an expired token).
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
 * JWT device authentication on `clients.plex.tv`: the device keeps an Ed25519 key, registers it
 * once with a classic token, then exchanges signed nonces for Plex JWTs.
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
  /** `POST /api/v2/auth/jwk`: registers the device's public key, with a classic token of this client. */
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
   * a refresh brings a valid one.
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
   * never overlap a `deviceKey` creating the first one.
   */
  readonly rotateKey: (
    token: Redacted.Redacted<string>
  ) => Effect.Effect<PlexDeviceKey, PlexJwtError | PlexKeyStoreError, KeyStore>
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
        error: arrivedExpired ? Option.some(expiredToken()) : Option.none()
      })

      // One refresh: wait until due (and at least the backoff), exchange, and return the count of
      // unhealthy refreshes in a row. Every path waits: a failure, a token that arrives already
      // expired in plex.tv's time, and one due again within a minute all grow the backoff.
      const refreshOnce = (unhealthy: number) =>
        Effect.gen(function*() {
          const { held } = yield* Ref.get(state)
          const now = yield* Clock.currentTimeMillis
          const backoff = backoffMillis(unhealthy, maxBackoff, yield* Random.next)
          yield* Effect.sleep(Duration.millis(Math.max(refreshDueIn(view(held), now, refreshBefore), backoff)))
          const result = yield* Effect.either(obtain(held.skew))
          if (Either.isLeft(result)) {
            yield* Ref.update(state, (s) => ({ ...s, error: Option.some(result.left) }))
            return unhealthy + 1
          }
          const next = result.right
          if (!isValid(view(next.held), next.arrivedAt)) { // keep the old token: it may still be valid
            yield* Ref.update(state, (s) => ({ ...s, error: Option.some(expiredToken()) }))
            return unhealthy + 1
          }
          yield* Ref.set(state, { held: next.held, error: Option.none() })
          return refreshDueIn(view(next.held), next.arrivedAt, refreshBefore) < SHORT_REFRESH_MILLIS ? unhealthy + 1 : 0
        })
      yield* Effect.forkScoped(
        Effect.iterate(arrivedExpired ? 1 : 0, { while: () => true, body: refreshOnce })
      )

      const get = Effect.gen(function*() {
        const { error, held } = yield* Ref.get(state)
        if (isValid(view(held), yield* Clock.currentTimeMillis)) return held.token.token
        return yield* Effect.fail(Option.getOrElse(error, expiredToken))
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

  return { registerDevice, nonce, exchange, listKeys, refreshing, deviceKey, rotateKey }
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
