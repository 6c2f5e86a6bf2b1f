/**
 * The PIN + JWT flow (plex-tv-api.md §2.4, Plex's "Option 1" for new apps): a PIN created with the
 * device's public JWK, polled with a device JWT signed by that key, linked to a Plex JWT; and the
 * fake's side of it (the device JWT checked on every poll, the key registered at link).
 */
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as UrlParams from "@effect/platform/UrlParams"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { KeyStore, PlexAuth, PlexClient, PlexConfig, PlexDeviceKey, PlexJwtAuth } from "@effect-plex/core"
import { FakeAccount, InMemoryKeyStore, PlexTvFake } from "@effect-plex/core/testing"
import { decodeJwt, signJwt } from "../src/internal/jwt.js"

const CLIENT = "pin-jwt-client"

const TestLayer = Layer.mergeAll(PlexAuth.layer, PlexJwtAuth.layer).pipe(
  Layer.provideMerge(
    PlexConfig.layer({
      client: { clientIdentifier: CLIENT, product: "pin-jwt test" },
      retry: { times: 0 },
      // a step of the TestClock may pass while a poll awaits WebCrypto: keep timeouts out of the way
      timeout: "1 hour",
      deadline: "1 hour"
    })
  ),
  Layer.provideMerge(PlexTvFake.layer({ accounts: [FakeAccount.owner], settings: { rateLimit: undefined } })),
  Layer.provideMerge(InMemoryKeyStore.layer)
)

/** Waits (in real time, bounded) for work that involves async WebCrypto to settle. */
const eventually = <R>(check: Effect.Effect<boolean, never, R>) =>
  Effect.gen(function*() {
    for (let i = 0; i < 400; i++) {
      if (yield* check) return
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5)))
    }
    assert.fail("condition not reached")
  })

const polls = (id: number) =>
  Effect.map(
    Effect.flatMap(PlexTvFake, (fake) => fake.requests),
    (log) => log.filter((entry) => entry.method === "GET" && entry.path === `/api/v2/pins/${id}`).length
  )

/** Polls the fake by hand with a device JWT of these claims, signed with `key` (header `kid` = `kid`). */
const pollRaw = (id: number, key: PlexDeviceKey, claims: Record<string, unknown> | undefined, kid = key.kid) =>
  Effect.gen(function*() {
    const fake = yield* PlexTvFake
    const jwt = claims === undefined ?
      undefined :
      yield* Effect.promise(() =>
        signJwt({ alg: "EdDSA", kid }, claims, { x: key.publicKey, d: Redacted.value(key.privateKey) })
      )
    return yield* fake.handle({
      method: "GET",
      url: `/api/v2/pins/${id}${jwt === undefined ? "" : `?deviceJWT=${jwt}`}`,
      headers: { "x-plex-client-identifier": CLIENT, accept: "application/json" },
      body: ""
    })
  })

describe("PlexJwtAuth.linkWithPin", () => {
  it.effect("creates the PIN with the key's JWK, waits, and gets a Plex JWT for that key: no classic token", () =>
    Effect.gen(function*() {
      const jwt = yield* PlexJwtAuth
      const fake = yield* PlexTvFake
      const key = yield* PlexDeviceKey.generate
      const link = yield* jwt.linkWithPin(key)
      assert.strictEqual(link.pin.code.length, 25) // strong by default
      assert.include(link.authAppUrl, `code=${link.pin.code}`)
      const kept = (yield* fake.state).pins.pins[link.pin.id]!
      assert.deepStrictEqual(kept.jwk, { x: key.publicKey, kid: key.kid })

      const waiting = yield* Effect.fork(link.token)
      yield* eventually(Effect.map(polls(link.pin.id), (n) => n >= 1))
      yield* fake.linkPin(link.pin.code, "fake-owner")
      yield* TestClock.adjust("1 second")
      const token = yield* Fiber.join(waiting)

      const claims = decodeJwt(Redacted.value(token.token))!.payload
      assert.strictEqual(claims.iss, "plex.tv")
      assert.deepStrictEqual(claims.aud, ["plex.tv", CLIENT])
      assert.strictEqual(claims.thumbprint, key.kid)
      assert.strictEqual(token.expiresAt - token.issuedAt, 7 * 24 * 60 * 60 * 1000)
      assert.strictEqual((yield* (yield* PlexAuth).getTokenDetails(token.token)).username, "fake-owner")
      const kinds = Object.values((yield* fake.state).tokens)
        .filter((record) => record.clientIdentifier === CLIENT)
        .map((record) => record.kind)
      assert.deepStrictEqual(kinds, ["jwt"])
      // the key is registered for the account: refreshes need no new link
      const refreshed = yield* jwt.exchange(key)
      assert.strictEqual((yield* (yield* PlexAuth).getTokenDetails(refreshed.token)).username, "fake-owner")
    }).pipe(Effect.provide(TestLayer)))

  it.effect("sends the JWK without `use` and `strong: true` to clients.plex.tv, a new device JWT in each poll's query", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      const recorded: Array<HttpClientRequest.HttpClientRequest> = []
      const recording = HttpClient.tapRequest(
        yield* HttpClient.HttpClient,
        (request) => Effect.sync(() => recorded.push(request))
      )
      const jwt = yield* PlexJwtAuth.make.pipe(
        Effect.provideServiceEffect(PlexClient, PlexClient.make),
        Effect.provideService(HttpClient.HttpClient, recording)
      )
      const key = yield* PlexDeviceKey.generate
      const link = yield* jwt.linkWithPin(key)
      const waiting = yield* Effect.fork(link.token)
      yield* eventually(Effect.map(polls(link.pin.id), (n) => n >= 1))
      yield* TestClock.adjust("1 second")
      yield* eventually(Effect.map(polls(link.pin.id), (n) => n >= 2))
      yield* fake.linkPin(link.pin.code, "fake-owner")
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(waiting)

      const [create, ...rest] = recorded
      assert.strictEqual(create!.method, "POST")
      assert.strictEqual(new URL(create!.url).host, "clients.plex.tv")
      const body = create!.body._tag === "Uint8Array" ? JSON.parse(new TextDecoder().decode(create!.body.body)) : {}
      assert.deepStrictEqual(body, {
        jwk: { kty: "OKP", crv: "Ed25519", x: key.publicKey, alg: "EdDSA", kid: key.kid },
        strong: true
      })
      const deviceJwts = rest.map((request) =>
        UrlParams.getFirst(request.urlParams, "deviceJWT").pipe(Option.getOrThrow)
      )
      assert.isAtLeast(deviceJwts.length, 3)
      assert.strictEqual(new Set(deviceJwts).size, deviceJwts.length)
      const first = decodeJwt(deviceJwts[0]!)!
      assert.strictEqual(first.header.kid, key.kid)
      assert.strictEqual(first.payload.aud, "plex.tv")
      assert.strictEqual(first.payload.iss, CLIENT)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("fails with PlexPinExpiredError at the PIN's expiry, and stops polling when interrupted", () =>
    Effect.gen(function*() {
      const jwt = yield* PlexJwtAuth
      const key = yield* PlexDeviceKey.generate
      const expiring = yield* jwt.linkWithPin(key, { strong: false })
      const waiting = yield* Effect.fork(Effect.flip(expiring.token))
      yield* eventually(Effect.map(polls(expiring.pin.id), (n) => n >= 1))
      yield* TestClock.adjust("15 minutes")
      assert.strictEqual((yield* Fiber.join(waiting))._tag, "PlexPinExpiredError")

      const other = yield* jwt.linkWithPin(key)
      const fiber = yield* Effect.fork(other.token)
      yield* eventually(Effect.map(polls(other.pin.id), (n) => n >= 1))
      yield* Fiber.interrupt(fiber)
      const before = yield* polls(other.pin.id)
      yield* TestClock.adjust("1 minute")
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 50)))
      assert.strictEqual(yield* polls(other.pin.id), before)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("linkDeviceWithPin keeps the new key only once linked; the next start refreshes with it", () =>
    Effect.gen(function*() {
      const jwt = yield* PlexJwtAuth
      const fake = yield* PlexTvFake
      const store = yield* KeyStore
      const link = yield* jwt.linkDeviceWithPin()
      assert.isTrue(Option.isNone(yield* store.load))
      yield* fake.linkPin(link.pin.code, "fake-owner")
      yield* link.token
      const kept = Option.getOrThrow(yield* store.load)
      assert.strictEqual(kept.kid, link.key.kid)
      // next start: no PIN, no classic token
      const source = yield* jwt.refreshing(kept)
      assert.strictEqual((yield* (yield* PlexAuth).getTokenDetails(yield* source.get)).username, "fake-owner")
    }).pipe(Effect.scoped, Effect.provide(TestLayer)))
})

describe("the fake's PIN + JWT polls", () => {
  it.effect("need a fresh device JWT signed with the PIN's key, for plex.tv, issued by this client", () =>
    Effect.gen(function*() {
      const jwt = yield* PlexJwtAuth
      const fake = yield* PlexTvFake
      const key = yield* PlexDeviceKey.generate
      const link = yield* jwt.linkWithPin(key)
      yield* fake.linkPin(link.pin.code, "fake-owner")
      const id = link.pin.id
      const good = { aud: "plex.tv", iss: CLIENT, iat: 0, exp: 300 }
      const ok = yield* pollRaw(id, key, good)
      assert.strictEqual(ok.status, 200)
      assert.isString(JSON.parse(ok.body).authToken)
      assert.strictEqual((yield* pollRaw(id, key, undefined)).status, 400)
      const forger = yield* PlexDeviceKey.generate
      assert.strictEqual((yield* pollRaw(id, forger, good, key.kid)).status, 422) // bad signature
      assert.strictEqual((yield* pollRaw(id, forger, good)).status, 422) // another key
      assert.strictEqual((yield* pollRaw(id, key, { ...good, aud: "evil" })).status, 422)
      assert.strictEqual((yield* pollRaw(id, key, { ...good, iss: "another-client" })).status, 422)
      assert.strictEqual((yield* pollRaw(id, key, { ...good, exp: 2 * 60 * 60 })).status, 422) // lives too long
      yield* TestClock.adjust("6 minutes")
      assert.strictEqual((yield* pollRaw(id, key, good)).status, 422) // expired
      assert.strictEqual((yield* pollRaw(id, key, { ...good, iat: 360, exp: 660 })).status, 200)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("a malformed JWK is refused (400); a key another device registered cannot be linked", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      const created = yield* fake.handle({
        method: "POST",
        url: "/api/v2/pins",
        headers: { "x-plex-client-identifier": CLIENT, accept: "application/json", "content-type": "application/json" },
        body: JSON.stringify({ jwk: { kty: "RSA", n: "AQAB", kid: "k" }, strong: true })
      })
      assert.strictEqual(created.status, 400)

      const key = yield* PlexDeviceKey.generate
      const link = yield* (yield* PlexJwtAuth).linkWithPin(key)
      yield* fake.update((state) => ({
        ...state,
        jwt: {
          ...state.jwt,
          deviceKeys: {
            ...state.jwt.deviceKeys,
            [key.kid]: { x: key.publicKey, clientIdentifier: "another", accountId: 1 }
          }
        }
      }))
      const refused = yield* Effect.flip(fake.linkPin(link.pin.code, "fake-owner"))
      assert.strictEqual(refused._tag, "NoSuchElementException")
    }).pipe(Effect.provide(TestLayer)))

  it.effect("a device JWT the fake refuses fails the wait with PlexJwtRejectedError, never printing it", () =>
    Effect.gen(function*() {
      const jwt = yield* PlexJwtAuth
      const fake = yield* PlexTvFake
      const key = yield* PlexDeviceKey.generate
      const link = yield* jwt.linkWithPin(key)
      // another key under the same kid: every signature the client makes is now wrong
      yield* fake.update((state) => {
        const pin = state.pins.pins[link.pin.id]!
        return {
          ...state,
          pins: {
            ...state.pins,
            pins: {
              ...state.pins.pins,
              [pin.id]: { ...pin, jwk: { ...pin.jwk!, x: "DHtJBVpXjp08lp9ktllpT2iJOo8yvydhRerYDSZXXqc" } }
            }
          }
        }
      })
      const error = yield* Effect.flip(link.token)
      assert.strictEqual(error._tag, "PlexJwtRejectedError")
      assert.notInclude(String(error) + JSON.stringify(error), "eyJ")
    }).pipe(Effect.provide(TestLayer)))
})
