import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import {
  KeyStore,
  PasswordCredentials,
  PlexAuth,
  PlexDeviceKey,
  PlexJwtAuth,
  type PlexJwtToken
} from "@effect-plex/core"
import { FakeAccount, InMemoryKeyStore, PlexTvFake } from "@effect-plex/core/testing"
import { FileKeyStore, PlexNode } from "@effect-plex/node"
import { PlexTvServer } from "@effect-plex/node/testing"
import { PlexConfig } from "@effect-plex/core"

const client = { clientIdentifier: "jwt-node-test" }
const accounts = [FakeAccount.owner]
const settings = { rateLimit: undefined }

const services = Layer.mergeAll(PlexAuth.layer, PlexJwtAuth.layer)

const overHttp = services.pipe(
  Layer.provide(PlexTvServer.layerConfig(client, { retry: { times: 0 } })),
  Layer.provide(PlexNode.layerHttpClient),
  Layer.provideMerge(PlexTvServer.layer({ accounts, settings }))
)

const inMemory = services.pipe(
  Layer.provide(PlexConfig.layer({ client, retry: { times: 0 } })),
  Layer.provideMerge(PlexTvFake.layer({ accounts, settings }))
)

const tempFile = () => Path.join(Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-plex-keys-")), "nested", "key.json")

/** The JWT scenario: register, exchange, use the JWT, fail an unknown key; a plain summary. */
const scenario = Effect.gen(function*() {
  const auth = yield* PlexAuth
  const jwt = yield* PlexJwtAuth
  const classic = (yield* auth.signIn(
    PasswordCredentials.make({ login: "fake-owner", password: Redacted.make("owner-password") })
  )).authToken
  const key = yield* PlexDeviceKey.generate
  yield* jwt.registerDevice(classic, key)
  const token: PlexJwtToken = yield* jwt.exchange(key)
  const user = yield* auth.getTokenDetails(token.token)
  const unknownKey = yield* Effect.flip(jwt.exchange(yield* PlexDeviceKey.generate))
  const preset = yield* Effect.flip(jwt.registerDevice(Redacted.make(FakeAccount.owner.tokens[0]!), key))
  const keys = yield* jwt.listKeys()
  return {
    lifetime: token.expiresAt - token.issuedAt,
    user: user.username,
    unknownKey: [unknownKey._tag, "reason" in unknownKey ? unknownKey.reason : undefined],
    preset: [preset._tag, "status" in preset ? preset.status : undefined],
    keys: keys.map((k) => k.kid)
  }
})

describe("JWT device auth over real HTTP", () => {
  it.live("behaves exactly like the in-memory fake", () =>
    Effect.gen(function*() {
      const viaHttp = yield* scenario.pipe(Effect.provide(overHttp))
      const viaMemory = yield* scenario.pipe(Effect.provide(inMemory))
      assert.deepStrictEqual(viaHttp, viaMemory)
      assert.strictEqual(viaHttp.user, "fake-owner")
      assert.deepStrictEqual(viaHttp.unknownKey, ["PlexJwtRejectedError", "InvalidSignature"])
    }))
})

describe("FileKeyStore", () => {
  it.live("keeps the key in a 0600 file that a new store reads back", () =>
    Effect.gen(function*() {
      const file = tempFile()
      const key = yield* PlexDeviceKey.generate
      yield* FileKeyStore.make(file).save(key)
      assert.strictEqual(Fs.statSync(file).mode & 0o777, 0o600)
      assert.notInclude(Fs.readdirSync(Path.dirname(file)).join(" "), ".tmp")
      const loaded = Option.getOrThrow(yield* FileKeyStore.make(file).load)
      assert.strictEqual(loaded.kid, key.kid)
      assert.strictEqual(Redacted.value(loaded.privateKey), Redacted.value(key.privateKey))
      yield* FileKeyStore.make(file).clear
      assert.isTrue(Option.isNone(yield* FileKeyStore.make(file).load))
    }))

  it.live("replaces a kept key atomically", () =>
    Effect.gen(function*() {
      const file = tempFile()
      const store = FileKeyStore.make(file)
      const keys = yield* Effect.all([PlexDeviceKey.generate, PlexDeviceKey.generate, PlexDeviceKey.generate])
      yield* Effect.forEach(keys, (key) => store.save(key), { concurrency: "unbounded" })
      const kept = Option.getOrThrow(yield* store.load)
      assert.include(keys.map((k) => k.kid), kept.kid)
    }))

  it.live("a corrupt file is a typed error naming the file, not a defect", () =>
    Effect.gen(function*() {
      const file = tempFile()
      Fs.mkdirSync(Path.dirname(file), { recursive: true })
      Fs.writeFileSync(file, "{not json")
      const error = yield* Effect.flip(FileKeyStore.make(file).load)
      assert.strictEqual(error._tag, "PlexKeyStoreError")
      assert.include(error.message, file)
    }))

  it.live("an unwritable place is a typed error", () =>
    Effect.gen(function*() {
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-plex-keys-"))
      Fs.writeFileSync(Path.join(dir, "blocker"), "")
      const error = yield* Effect.flip(FileKeyStore.make(Path.join(dir, "blocker", "key.json")).save(
        yield* PlexDeviceKey.generate
      ))
      assert.strictEqual(error._tag, "PlexKeyStoreError")
      assert.strictEqual(error.operation, "save")
    }))

  it.live("the device key survives a restart: deviceKey registers once across two runs", () =>
    Effect.gen(function*() {
      const file = tempFile()
      const run = Effect.gen(function*() {
        const auth = yield* PlexAuth
        const classic = (yield* auth.signIn(
          PasswordCredentials.make({ login: "fake-owner", password: Redacted.make("owner-password") })
        )).authToken
        return yield* (yield* PlexJwtAuth).deviceKey(classic)
      })
      const stores = Layer.succeed(KeyStore, FileKeyStore.make(file))
      const [first, second, registrations] = yield* Effect.gen(function*() {
        const first = yield* run.pipe(Effect.provide(stores))
        const second = yield* run.pipe(Effect.provide(stores))
        const log = yield* Effect.flatMap(PlexTvFake, (fake) => fake.requests)
        return [first, second, log.filter((e) => e.path === "/api/v2/auth/jwk").length] as const
      }).pipe(Effect.provide(overHttp))
      assert.strictEqual(first.kid, second.kid)
      assert.strictEqual(registrations, 1)
      // the in-memory store, by contrast, forgets between layers
      const memory = yield* Effect.flatMap(KeyStore, (store) => store.load).pipe(Effect.provide(InMemoryKeyStore.layer))
      assert.isTrue(Option.isNone(memory))
    }))
})
