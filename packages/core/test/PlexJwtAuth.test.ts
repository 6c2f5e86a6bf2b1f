import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { inspect } from "node:util"
import {
  KeyStore,
  PasswordCredentials,
  PlexAuth,
  PlexConfig,
  PlexDeviceKey,
  PlexJwtAuth,
  type PlexJwtToken
} from "@effect-plex/core"
import { FakeAccount, InMemoryKeyStore, PlexTvFake } from "@effect-plex/core/testing"
import { decodeJwt, signJwt, verifyJwt } from "../src/internal/jwt.js"

const CLIENT = "jwt-test-client"

const layerFor = (clientIdentifier: string) =>
  Layer.mergeAll(PlexAuth.layer, PlexJwtAuth.layer).pipe(
    Layer.provide(PlexConfig.layer({ client: { clientIdentifier }, retry: { times: 0 } }))
  )

const TestLayer = layerFor(CLIENT).pipe(
  Layer.provideMerge(PlexTvFake.layer({ accounts: [FakeAccount.owner], settings: { rateLimit: undefined } })),
  Layer.provideMerge(InMemoryKeyStore.layer)
)

/** A classic token issued to this client, as plex.tv requires for key registration. */
const classicToken = Effect.flatMap(
  PlexAuth,
  (auth) => auth.signIn(PasswordCredentials.make({ login: "fake-owner", password: Redacted.make("owner-password") }))
)
  .pipe(Effect.map((user) => user.authToken))

const registered = Effect.gen(function*() {
  const jwt = yield* PlexJwtAuth
  const key = yield* PlexDeviceKey.generate
  yield* jwt.registerDevice(yield* classicToken, key)
  return key
})

/** Sends a hand-made device JWT to the exchange endpoint of the fake. */
const exchangeRaw = (payload: Record<string, unknown>, key: PlexDeviceKey, kid = key.kid) =>
  Effect.gen(function*() {
    const fake = yield* PlexTvFake
    const jwt = yield* Effect.promise(() =>
      signJwt({ alg: "EdDSA", kid }, payload, { x: key.publicKey, d: Redacted.value(key.privateKey) })
    )
    return yield* fake.handle({
      method: "POST",
      url: "/api/v2/auth/token",
      headers: { "x-plex-client-identifier": CLIENT, accept: "application/json", "content-type": "application/json" },
      body: JSON.stringify({ jwt })
    })
  })

/** Waits (in real time, bounded) for background work that involves async WebCrypto to settle. */
const eventually = (check: Effect.Effect<boolean>) =>
  Effect.gen(function*() {
    for (const until = Date.now() + 20_000; Date.now() < until;) {
      if (yield* check) return
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5)))
    }
    assert.fail("condition not reached")
  })

const freshNonce = Effect.flatMap(PlexJwtAuth, (jwt) => jwt.nonce())

describe("PlexJwtAuth", () => {
  it.effect("registers a device key, exchanges it for a Plex JWT that works as a token", () =>
    Effect.gen(function*() {
      const jwt = yield* PlexJwtAuth
      const key = yield* registered
      const token = yield* jwt.exchange(key)
      assert.strictEqual(token.expiresAt - token.issuedAt, 7 * 24 * 60 * 60 * 1000)
      const user = yield* (yield* PlexAuth).getTokenDetails(token.token)
      assert.strictEqual(user.username, "fake-owner")

      const decoded = decodeJwt(Redacted.value(token.token))!
      assert.strictEqual(decoded.payload.iss, "plex.tv")
      assert.deepStrictEqual(decoded.payload.aud, ["plex.tv", CLIENT])
      assert.strictEqual(decoded.payload.thumbprint, key.kid)
      assert.deepStrictEqual((decoded.payload.user as Record<string, unknown>).username, "fake-owner")
    }).pipe(Effect.provide(TestLayer)))

  it.effect("the Plex JWT verifies against the second published key, not the first", () =>
    Effect.gen(function*() {
      const jwt = yield* PlexJwtAuth
      const token = yield* jwt.exchange(yield* registered)
      const keys = yield* jwt.listKeys()
      assert.strictEqual(keys.length, 2)
      const decoded = decodeJwt(Redacted.value(token.token))!
      assert.strictEqual(decoded.header.kid, keys[1]!.kid)
      assert.isTrue(yield* Effect.promise(() => verifyJwt(decoded, keys[1]!)))
      assert.isFalse(yield* Effect.promise(() => verifyJwt(decoded, keys[0]!)))
    }).pipe(Effect.provide(TestLayer)))

  it.effect("a tampered Plex JWT is not accepted as a token", () =>
    Effect.gen(function*() {
      const token = yield* (yield* PlexJwtAuth).exchange(yield* registered)
      const [header, payload, signature] = Redacted.value(token.token).split(".")
      const forged = `${header}.${payload}.${signature!.slice(0, -4)}AAAA`
      const error = yield* Effect.flip((yield* PlexAuth).getTokenDetails(Redacted.make(forged)))
      assert.strictEqual(error._tag, "PlexUnauthorizedError")
    }).pipe(Effect.provide(TestLayer)))

  it.effect("an expired Plex JWT answers 498: InvalidToken", () =>
    Effect.gen(function*() {
      const token = yield* (yield* PlexJwtAuth).exchange(yield* registered)
      yield* TestClock.adjust("7 days")
      const error = yield* Effect.flip((yield* PlexAuth).getTokenDetails(token.token))
      assert.strictEqual(error._tag, "PlexUnauthorizedError")
      if (error._tag === "PlexUnauthorizedError") {
        assert.strictEqual(error.status, 498)
        assert.strictEqual(error.reason, "InvalidToken")
      }
    }).pipe(Effect.provide(TestLayer)))

  it.effect("an unregistered key is refused with InvalidSignature", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip((yield* PlexJwtAuth).exchange(yield* PlexDeviceKey.generate))
      assert.strictEqual(error._tag, "PlexJwtRejectedError")
      if (error._tag === "PlexJwtRejectedError") assert.strictEqual(error.reason, "InvalidSignature")
    }).pipe(Effect.provide(TestLayer)))

  it.effect("registration needs a classic token of the same client identifier", () =>
    Effect.gen(function*() {
      const key = yield* PlexDeviceKey.generate
      const error = yield* Effect.flip(
        (yield* PlexJwtAuth).registerDevice(Redacted.make(FakeAccount.owner.tokens[0]!), key)
      )
      assert.strictEqual(error._tag, "PlexHttpError")
      if (error._tag === "PlexHttpError") assert.strictEqual(error.status, 403)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("a key registered by another device is refused with KeyInUse", () =>
    Effect.gen(function*() {
      const key = yield* registered
      const other = Effect.gen(function*() {
        const token = yield* classicToken
        return yield* Effect.flip((yield* PlexJwtAuth).registerDevice(token, key))
      }).pipe(Effect.provide(layerFor("another-device")))
      const error = yield* other
      assert.strictEqual(error._tag, "PlexJwtRejectedError")
      if (error._tag === "PlexJwtRejectedError") assert.strictEqual(error.reason, "KeyInUse")
    }).pipe(Effect.provide(TestLayer)))

  it.effect("the fake rejects reused and stale nonces, wrong audience or issuer, expired and forged JWTs", () =>
    Effect.gen(function*() {
      const key = yield* registered
      const claims = (nonce: string) => ({ nonce, scope: "username", aud: "plex.tv", iss: CLIENT, iat: 0, exp: 300 })
      const nonce = yield* freshNonce
      assert.strictEqual((yield* exchangeRaw(claims(nonce), key)).status, 200)
      const reused = yield* exchangeRaw(claims(nonce), key)
      assert.strictEqual(reused.status, 422)
      assert.match(reused.body, /nonce/i)
      assert.strictEqual((yield* exchangeRaw({ ...claims(yield* freshNonce), aud: "evil" }, key)).status, 422)
      assert.strictEqual((yield* exchangeRaw({ ...claims(yield* freshNonce), iss: "other" }, key)).status, 422)
      assert.strictEqual((yield* exchangeRaw(claims("never-issued"), key)).status, 422)
      const forger = yield* PlexDeviceKey.generate
      assert.strictEqual((yield* exchangeRaw(claims(yield* freshNonce), forger, key.kid)).status, 422)
      const stale = yield* freshNonce
      yield* TestClock.adjust("6 minutes")
      assert.strictEqual((yield* exchangeRaw({ ...claims(stale), iat: 360, exp: 660 }, key)).status, 422)
      assert.strictEqual((yield* exchangeRaw({ ...claims(yield* freshNonce), iat: 0, exp: 300 }, key)).status, 422)
      const fake = yield* PlexTvFake
      const malformed = yield* fake.handle({
        method: "POST",
        url: "/api/v2/auth/token",
        headers: { "x-plex-client-identifier": CLIENT, accept: "application/json" },
        body: JSON.stringify({ jwt: "not-a-jwt" })
      })
      assert.strictEqual(malformed.status, 400)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("refreshing hands out a valid token and refreshes it in the background before expiry", () =>
    Effect.gen(function*() {
      const jwt = yield* PlexJwtAuth
      const key = yield* registered
      const source = yield* jwt.refreshing(key, { refreshBefore: "1 day" })
      const first = yield* source.get
      yield* TestClock.adjust("6 days")
      yield* eventually(Effect.map(source.current, (token) => token.issuedAt > 0))
      const second = yield* source.get
      assert.notStrictEqual(Redacted.value(second), Redacted.value(first))
      const current: PlexJwtToken = yield* source.current
      assert.strictEqual(current.issuedAt, 6 * 24 * 60 * 60 * 1000)
    }).pipe(Effect.scoped, Effect.provide(TestLayer)))

  it.effect("a failing refresh keeps the old token until it expires, then fails readers with the typed error", () =>
    Effect.gen(function*() {
      const jwt = yield* PlexJwtAuth
      const fake = yield* PlexTvFake
      const key = yield* registered
      const source = yield* jwt.refreshing(key, { refreshBefore: "1 day", maxBackoff: "1 hour" })
      const first = yield* source.get
      // plex.tv forgets the device key: every refresh now fails
      yield* fake.update((state) => ({ ...state, jwt: { ...state.jwt, deviceKeys: {} } }))
      yield* TestClock.adjust("156 hours")
      yield* eventually(
        Effect.map(
          fake.requests,
          (log) => log.some((entry) => entry.path === "/api/v2/auth/token" && entry.status === 422)
        )
      )
      assert.strictEqual(Redacted.value(yield* source.get), Redacted.value(first))
      yield* TestClock.adjust("12 hours")
      const error = yield* Effect.flip(source.get)
      assert.strictEqual(error._tag, "PlexJwtRejectedError")
    }).pipe(Effect.scoped, Effect.provide(TestLayer)))

  it.effect("refreshing stops when its scope closes: no request afterwards", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      const key = yield* registered
      yield* Effect.scoped(Effect.flatMap(PlexJwtAuth, (jwt) => jwt.refreshing(key)))
      const before = (yield* fake.requests).length
      yield* TestClock.adjust("30 days")
      assert.strictEqual((yield* fake.requests).length, before)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("deviceKey registers and keeps a key once, then reuses it", () =>
    Effect.gen(function*() {
      const jwt = yield* PlexJwtAuth
      const fake = yield* PlexTvFake
      const token = yield* classicToken
      const first = yield* jwt.deviceKey(token)
      const second = yield* jwt.deviceKey(token)
      assert.strictEqual(first.kid, second.kid)
      const registrations = (yield* fake.requests).filter((entry) => entry.path === "/api/v2/auth/jwk")
      assert.strictEqual(registrations.length, 1)
      assert.isTrue(Option.isSome(yield* Effect.flatMap(KeyStore, (store) => store.load)))
    }).pipe(Effect.provide(TestLayer)))

  it.effect("rotateKey keeps the old key when the new one cannot be registered, replaces it when it works", () =>
    Effect.gen(function*() {
      const jwt = yield* PlexJwtAuth
      const fake = yield* PlexTvFake
      const store = yield* KeyStore
      const token = yield* classicToken
      const old = yield* jwt.deviceKey(token)
      yield* fake.revokeToken(Redacted.value(token))
      const failed = yield* Effect.flip(jwt.rotateKey(token))
      assert.strictEqual(failed._tag, "PlexUnauthorizedError")
      assert.strictEqual(Option.getOrThrow(yield* store.load).kid, old.kid)

      const fresh = yield* classicToken
      const rotated = yield* jwt.rotateKey(fresh)
      assert.notStrictEqual(rotated.kid, old.kid)
      assert.strictEqual(Option.getOrThrow(yield* store.load).kid, rotated.kid)
      yield* jwt.exchange(rotated)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("keys and Plex JWTs never print their secrets", () =>
    Effect.gen(function*() {
      const key = yield* registered
      const token = yield* (yield* PlexJwtAuth).exchange(key)
      const secrets = [Redacted.value(key.privateKey), Redacted.value(token.token)]
      for (const value of [key, token]) {
        for (const text of [String(value), JSON.stringify(value), inspect(value, { depth: 10 })]) {
          for (const secret of secrets) assert.notInclude(text, secret)
        }
      }
      const error = yield* Effect.flip((yield* PlexJwtAuth).exchange(yield* PlexDeviceKey.generate))
      assert.notInclude(Cause.pretty(Cause.fail(error)), Redacted.value(key.privateKey))
    }).pipe(Effect.provide(TestLayer)))

  it.effect("a device key generated by WebCrypto has a 64-hex key id and an EdDSA public JWK", () =>
    Effect.gen(function*() {
      const key = yield* PlexDeviceKey.generate
      assert.match(key.kid, /^[0-9a-f]{64}$/)
      assert.deepStrictEqual({ ...key.publicJwk }, {
        kty: "OKP",
        crv: "Ed25519",
        x: key.publicKey,
        use: "sig",
        alg: "EdDSA",
        kid: key.kid
      })
      const fiber = yield* Effect.fork(PlexDeviceKey.generate)
      const other = yield* Fiber.join(fiber)
      assert.notStrictEqual(other.kid, key.kid)
    }))
})
