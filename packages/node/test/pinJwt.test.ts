/**
 * The PIN + JWT flow and the documented token lifecycle through both front doors: the in-memory
 * fake and `PlexTvServer` over real HTTP must answer alike.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { KeyStore, PasswordCredentials, PlexAuth, PlexConfig, PlexJwtAuth } from "@effect-plex/core"
import { FakeAccount, InMemoryKeyStore, PlexTvFake } from "@effect-plex/core/testing"
import { FileKeyStore, PlexNode } from "@effect-plex/node"
import { PlexTvServer } from "@effect-plex/node/testing"

const client = { clientIdentifier: "pin-jwt-node-test", product: "pin-jwt node test" }
const accounts = [FakeAccount.owner]
const settings = { rateLimit: undefined }
const jwt = { tokenLifetimeMillis: 1500 } // short, so a real wait outlives a Plex JWT

const services = Layer.mergeAll(PlexAuth.layer, PlexJwtAuth.layer)

const overHttp = services.pipe(
  Layer.provide(PlexTvServer.layerConfig(client, { retry: { times: 0 } })),
  Layer.provide(PlexNode.layerHttpClient),
  Layer.provideMerge(PlexTvServer.layer({ accounts, settings, jwt }))
)

const inMemory = services.pipe(
  Layer.provide(PlexConfig.layer({ client, retry: { times: 0 } })),
  Layer.provideMerge(PlexTvFake.layer({ accounts, settings, jwt }))
)

const realSleep = (millis: number) => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, millis)))

const outcome = <A, E extends { readonly _tag: string }, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.match(effect, {
    onFailure: (error) => "status" in error ? `${error._tag} ${String(error.status)}` : error._tag,
    onSuccess: () => "ok"
  })

/** The whole story, as plain facts: PIN + JWT link, refresh after expiry, rotation with the JWT, classic expiry. */
const scenario = Effect.gen(function*() {
  const auth = yield* PlexAuth
  const jwtAuth = yield* PlexJwtAuth
  const fake = yield* PlexTvFake
  const store = yield* KeyStore

  const link = yield* jwtAuth.linkDeviceWithPin({ interval: "100 millis" })
  const waiting = yield* Effect.fork(link.token)
  yield* realSleep(150)
  yield* fake.linkPin(link.pin.code, "fake-owner")
  const linked = yield* waiting.await.pipe(Effect.flatten)
  const user = (yield* auth.getTokenDetails(linked.token)).username
  const kept = Option.getOrThrow(yield* store.load)
  const tokenKinds = Object.values((yield* fake.state).tokens)
    .filter((record) => record.clientIdentifier === client.clientIdentifier)
    .map((record) => record.kind)

  yield* realSleep(1600) // the Plex JWT expires
  const expired = yield* outcome(auth.getTokenDetails(linked.token))
  const refreshed = yield* jwtAuth.exchange(kept) // a refresh after expiry, with the kept key
  const afterRefresh = yield* outcome(auth.getTokenDetails(refreshed.token))
  const rotated = yield* jwtAuth.rotateKey(refreshed.token) // authenticated with the current Plex JWT
  const rotatedKept = Option.getOrThrow(yield* store.load).kid === rotated.kid

  // a device that starts with a classic token loses it at its first exchange
  const classic = (yield* auth.signIn(
    PasswordCredentials.make({ login: "fake-owner", password: Redacted.make("owner-password") })
  )).authToken
  const classicBefore = yield* outcome(auth.getTokenDetails(classic))
  yield* jwtAuth.exchange(rotated)
  const classicAfter = yield* outcome(auth.getTokenDetails(classic))
  return {
    codeLength: link.pin.code.length,
    keyIsTheLinkedOne: kept.kid === link.key.kid,
    user,
    tokenKinds,
    expired,
    afterRefresh,
    rotatedKept,
    classicBefore,
    classicAfter
  }
})

describe("PIN + JWT login and the token lifecycle", () => {
  it.live("behave the same over HTTP and in memory", () =>
    Effect.gen(function*() {
      const viaHttp = yield* scenario.pipe(Effect.provide(Layer.merge(overHttp, InMemoryKeyStore.layer)))
      const viaMemory = yield* scenario.pipe(Effect.provide(Layer.merge(inMemory, InMemoryKeyStore.layer)))
      assert.deepStrictEqual(viaHttp, viaMemory)
      assert.deepStrictEqual(viaHttp, {
        codeLength: 25,
        keyIsTheLinkedOne: true,
        user: "fake-owner",
        tokenKinds: ["jwt"],
        expired: "PlexUnauthorizedError 498",
        afterRefresh: "ok",
        rotatedKept: true,
        classicBefore: "ok",
        classicAfter: "PlexUnauthorizedError 498"
      })
    }), 30_000)

  it.live("the server refuses a PIN + JWT poll without a device JWT (400) or with a forged one (422)", () =>
    Effect.gen(function*() {
      const link = yield* Effect.flatMap(PlexJwtAuth, (j) => j.linkDeviceWithPin())
      const config = yield* PlexConfig
      const url = (query: string) => `${config.clientsBaseUrl}/api/v2/pins/${link.pin.id}${query}`
      const headers = { "x-plex-client-identifier": client.clientIdentifier, accept: "application/json" }
      const missing = yield* Effect.promise(() => fetch(url(""), { headers }))
      assert.strictEqual(missing.status, 400)
      const forged = "eyJhbGciOiJFZERTQSJ9.eyJhdWQiOiJwbGV4LnR2In0.AAAA"
      const refused = yield* Effect.promise(() => fetch(url(`?deviceJWT=${forged}`), { headers }))
      assert.strictEqual(refused.status, 422)
    }).pipe(
      Effect.provide(
        PlexJwtAuth.layer.pipe(
          Layer.provideMerge(PlexTvServer.layerConfig(client, { retry: { times: 0 } })),
          Layer.provide(PlexNode.layerHttpClient),
          Layer.provideMerge(PlexTvServer.layer({ accounts, settings })),
          Layer.provideMerge(Layer.succeed(
            KeyStore,
            FileKeyStore.make(
              Path.join(Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-plex-pin-jwt-")), "key.json")
            )
          ))
        )
      )
    ))
})
