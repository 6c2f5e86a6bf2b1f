import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { Worker } from "node:worker_threads"
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

/**
 * Reads `file` in a tight loop on a worker thread until stopped; counts the reads, and the torn ones:
 * a file that is missing, empty, not JSON, or not the key file of one of `kids`. Nothing of the file
 * (a private key) leaves the worker.
 */
const watchKeyFile = (file: string, kids: ReadonlyArray<string>) => {
  const stopFlag = new Int32Array(new SharedArrayBuffer(4))
  const worker = new Worker(
    `const { parentPort, workerData } = require("node:worker_threads")
const fs = require("node:fs")
const { file, kids, stop } = workerData
let reads = 0
let torn = 0
parentPort.postMessage("started")
while (Atomics.load(stop, 0) === 0) {
  reads++
  try {
    if (!kids.includes(JSON.parse(fs.readFileSync(file, "utf8")).kid)) torn++
  } catch {
    torn++
  }
}
parentPort.postMessage({ reads, torn })`,
    { eval: true, workerData: { file, kids, stop: stopFlag } }
  )
  const messages: Array<unknown> = []
  const waiting: Array<() => void> = []
  worker.on("message", (message) => {
    messages.push(message)
    for (const wake of waiting.splice(0)) wake()
  })
  const next = (index: number) =>
    new Promise<unknown>((resolve) => {
      const check = () => (messages.length > index ? resolve(messages[index]) : waiting.push(check))
      check()
    })
  let result: Promise<{ readonly reads: number; readonly torn: number }> | undefined
  const stop = () => {
    result ??= (async () => {
      Atomics.store(stopFlag, 0, 1)
      const counts = (await next(1)) as { readonly reads: number; readonly torn: number }
      await worker.terminate()
      return counts
    })()
    return result
  }
  return { started: next(0), stop }
}

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
      const kids = keys.map((k) => k.kid)
      yield* store.save(keys[0]!)
      // a hard link to the first file: a replace leaves that file alone, a write in place changes it
      const first = Path.join(Path.dirname(file), "first.json")
      Fs.linkSync(file, first)
      const firstText = Fs.readFileSync(first, "utf8")
      const firstInode = Fs.statSync(file).ino

      // a reader on another thread, reading as fast as it can while the saves run: it must only ever
      // see a whole key file, never an empty or a partial one
      const reader = yield* Effect.acquireRelease(
        Effect.sync(() => watchKeyFile(file, kids)),
        (watch) => Effect.promise(watch.stop)
      )
      yield* Effect.promise(() => reader.started)
      for (let round = 0; round < 60; round++) {
        yield* Effect.forEach(keys, (key) => store.save(key), { concurrency: "unbounded" })
      }
      const seen = yield* Effect.promise(reader.stop)
      assert.isAbove(seen.reads, 60, "the reader hardly ran")
      assert.strictEqual(seen.torn, 0, `a reader saw ${seen.torn} partial or empty files of ${seen.reads}`)

      // compared, not printed: the file holds a private key
      assert.isTrue(Fs.readFileSync(first, "utf8") === firstText, "the saves wrote into the old file")
      assert.notStrictEqual(Fs.statSync(file).ino, firstInode)
      const kept = Option.getOrThrow(yield* store.load)
      assert.include(kids, kept.kid)
    }).pipe(Effect.scoped))

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
      const error = yield* Effect.flip(
        FileKeyStore.make(Path.join(dir, "blocker", "key.json")).save(
          yield* PlexDeviceKey.generate
        )
      )
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
