/**
 * One client identity per app: the identifier and the device key are kept in
 * `<XDG_CONFIG_HOME>/effect-plex/<namespace>/`, the namespace made from `PLEX_PRODUCT` or set with
 * `PLEX_IDENTITY_NAMESPACE` (to share on purpose). An identity kept by 0.1 in `effect-plex/` itself
 * is taken over by the first app that looks for one, with its device key. Every test works in a
 * fresh temporary directory given through a ConfigProvider.
 */
import { assert, describe, it } from "@effect/vitest"
import * as ConfigError from "effect/ConfigError"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { KeyStore, PlexDeviceKey } from "@effect-plex/core"
import { ClientIdentifier, FileKeyStore } from "@effect-plex/node"
import { isValidNamespace, namespaceOf } from "../src/internal/clientIdentifier.js"
import { tempDirs } from "../../../test-support/tempDirs.js"

const tempDir = tempDirs("effect-plex-identity-")

const withEnv = (env: Record<string, string>) =>
  Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

const getWith = (env: Record<string, string>) => ClientIdentifier.get.pipe(withEnv(env))

/** The key kept by `FileKeyStore.layer()` under the given environment. */
const loadKeyWith = (env: Record<string, string>) =>
  Effect.flatMap(KeyStore, (store) => store.load).pipe(Effect.provide(FileKeyStore.layer()), withEnv(env))

/** Plants the identity 0.1 kept in `<xdg>/effect-plex/`: an identifier and a device key. */
const plantOld = (xdg: string, id: string) =>
  Effect.gen(function*() {
    const dir = Path.join(xdg, "effect-plex")
    Fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
    Fs.writeFileSync(Path.join(dir, "client-identifier"), `${id}\n`, { mode: 0o600 })
    const key = yield* PlexDeviceKey.generate
    Fs.writeFileSync(Path.join(dir, "device-key.json"), Schema.encodeSync(Schema.parseJson(PlexDeviceKey))(key), {
      mode: 0o600
    })
    return key
  })

describe("ClientIdentifier.namespace", () => {
  it.effect("is made from PLEX_PRODUCT, the default product without it; PLEX_IDENTITY_NAMESPACE wins", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* ClientIdentifier.namespace.pipe(withEnv({})), "effect-plex")
      assert.strictEqual(yield* ClientIdentifier.namespace.pipe(withEnv({ PLEX_PRODUCT: "My App 2" })), "my-app-2")
      assert.strictEqual(
        yield* ClientIdentifier.namespace.pipe(withEnv({ PLEX_PRODUCT: "../../etc/Passwd" })),
        "etc-passwd"
      )
      assert.strictEqual(
        yield* ClientIdentifier.namespace.pipe(withEnv({ PLEX_PRODUCT: "My App", PLEX_IDENTITY_NAMESPACE: "shared" })),
        "shared"
      )
    }))

  it.effect("refuses a PLEX_IDENTITY_NAMESPACE that is not a plain folder name", () =>
    Effect.gen(function*() {
      for (const bad of ["", "..", "../x", "a/b", "Upper", ".hidden", "client-identifier", "x".repeat(65)]) {
        const error = yield* Effect.flip(ClientIdentifier.namespace.pipe(withEnv({ PLEX_IDENTITY_NAMESPACE: bad })))
        assert.isTrue(ConfigError.isConfigError(error), bad)
        assert.include(String(error), "PLEX_IDENTITY_NAMESPACE")
      }
    }))

  it.prop(
    "every product name gives a valid folder name, the same one every time",
    [FastCheck.string()],
    ([product]) => {
      const name = namespaceOf(product)
      assert.isTrue(isValidNamespace(name), JSON.stringify(product))
      assert.notInclude(name, "/")
      assert.strictEqual(namespaceOf(product), name)
    }
  )
})

describe("one identity per product", () => {
  it.effect("two products get two identifiers, each in its own folder; a third run of one reuses its own", () =>
    Effect.gen(function*() {
      const xdg = tempDir()
      const a = yield* getWith({ XDG_CONFIG_HOME: xdg, PLEX_PRODUCT: "App A" })
      const b = yield* getWith({ XDG_CONFIG_HOME: xdg, PLEX_PRODUCT: "App B" })
      assert.notStrictEqual(a, b)
      assert.strictEqual(Fs.readFileSync(Path.join(xdg, "effect-plex", "app-a", "client-identifier"), "utf8").trim(), a)
      assert.strictEqual(Fs.readFileSync(Path.join(xdg, "effect-plex", "app-b", "client-identifier"), "utf8").trim(), b)
      assert.strictEqual(yield* getWith({ XDG_CONFIG_HOME: xdg, PLEX_PRODUCT: "App A" }), a)
    }))

  it.effect("apps that set the same PLEX_IDENTITY_NAMESPACE share one identifier and one device key", () =>
    Effect.gen(function*() {
      const xdg = tempDir()
      const a = { XDG_CONFIG_HOME: xdg, PLEX_PRODUCT: "App A", PLEX_IDENTITY_NAMESPACE: "family" }
      const b = { XDG_CONFIG_HOME: xdg, PLEX_PRODUCT: "App B", PLEX_IDENTITY_NAMESPACE: "family" }
      assert.strictEqual(yield* getWith(a), yield* getWith(b))
      const key = yield* PlexDeviceKey.generate
      yield* Effect.flatMap(KeyStore, (store) => store.save(key)).pipe(Effect.provide(FileKeyStore.layer()), withEnv(a))
      assert.strictEqual(Option.getOrThrow(yield* loadKeyWith(b)).kid, key.kid)
      assert.isTrue(Fs.existsSync(Path.join(xdg, "effect-plex", "family", "device-key.json")))
    }))
})

describe("upgrading from the shared identity of 0.1", () => {
  it.effect("the first app takes the old identifier and device key over; the next gets its own", () =>
    Effect.gen(function*() {
      const xdg = tempDir()
      const key = yield* plantOld(xdg, "old-shared-id")
      assert.strictEqual(yield* getWith({ XDG_CONFIG_HOME: xdg, PLEX_PRODUCT: "First" }), "old-shared-id")
      assert.strictEqual(
        Option.getOrThrow(yield* loadKeyWith({ XDG_CONFIG_HOME: xdg, PLEX_PRODUCT: "First" })).kid,
        key.kid
      )
      const second = yield* getWith({ XDG_CONFIG_HOME: xdg, PLEX_PRODUCT: "Second" })
      assert.notStrictEqual(second, "old-shared-id")
      assert.isTrue(Option.isNone(yield* loadKeyWith({ XDG_CONFIG_HOME: xdg, PLEX_PRODUCT: "Second" })))
      // moved, not copied: nothing but the two folders is left, and no file of the move aside
      assert.deepStrictEqual(Fs.readdirSync(Path.join(xdg, "effect-plex")).sort(), ["first", "second"])
      assert.deepStrictEqual(
        Fs.readdirSync(Path.join(xdg, "effect-plex", "first")).sort(),
        ["client-identifier", "device-key.json"]
      )
      assert.strictEqual(Fs.statSync(Path.join(xdg, "effect-plex", "first", "device-key.json")).mode & 0o777, 0o600)
    }))

  it.effect("the key store alone (identifier not asked for yet) takes the whole identity over too", () =>
    Effect.gen(function*() {
      const xdg = tempDir()
      const key = yield* plantOld(xdg, "old-shared-id")
      const env = { XDG_CONFIG_HOME: xdg, PLEX_PRODUCT: "Keys First" }
      assert.strictEqual(Option.getOrThrow(yield* loadKeyWith(env)).kid, key.kid)
      assert.strictEqual(yield* getWith(env), "old-shared-id")
    }))

  it.live("apps upgraded at the same time: exactly one of them takes the old identifier", () =>
    Effect.gen(function*() {
      const xdg = tempDir()
      yield* plantOld(xdg, "old-shared-id")
      const ids = yield* Effect.forEach(
        ["p0", "p1", "p2", "p3", "p4", "p5"],
        (product) => getWith({ XDG_CONFIG_HOME: xdg, PLEX_PRODUCT: product }),
        { concurrency: "unbounded" }
      )
      assert.strictEqual(ids.filter((id) => id === "old-shared-id").length, 1)
      assert.strictEqual(new Set(ids).size, ids.length)
      const owner = `p${ids.indexOf("old-shared-id")}`
      assert.isTrue(Fs.existsSync(Path.join(xdg, "effect-plex", owner, "device-key.json")))
    }))

  it.effect("an app that already has its own identity leaves the old one alone", () =>
    Effect.gen(function*() {
      const xdg = tempDir()
      const own = yield* getWith({ XDG_CONFIG_HOME: xdg, PLEX_PRODUCT: "Mine" })
      yield* plantOld(xdg, "old-shared-id")
      assert.strictEqual(yield* getWith({ XDG_CONFIG_HOME: xdg, PLEX_PRODUCT: "Mine" }), own)
      assert.isTrue(Option.isNone(yield* loadKeyWith({ XDG_CONFIG_HOME: xdg, PLEX_PRODUCT: "Mine" })))
      assert.isTrue(Fs.existsSync(Path.join(xdg, "effect-plex", "client-identifier")))
      assert.isTrue(Fs.existsSync(Path.join(xdg, "effect-plex", "device-key.json")))
    }))

  it.effect("with PLEX_CLIENT_IDENTIFIER set, an old device key kept alone follows it", () =>
    Effect.gen(function*() {
      const xdg = tempDir()
      const key = yield* plantOld(xdg, "unused")
      Fs.rmSync(Path.join(xdg, "effect-plex", "client-identifier"))
      const env = { XDG_CONFIG_HOME: xdg, PLEX_PRODUCT: "Env App", PLEX_CLIENT_IDENTIFIER: "from-env" }
      assert.strictEqual(yield* getWith(env), "from-env")
      assert.strictEqual(Option.getOrThrow(yield* loadKeyWith(env)).kid, key.kid)
      assert.isTrue(Fs.existsSync(Path.join(xdg, "effect-plex", "env-app", "device-key.json")))
      assert.isFalse(Fs.existsSync(Path.join(xdg, "effect-plex", "device-key.json")))
    }))

  it.effect("an old identifier that cannot be used fails naming its file, and stays where it is", () =>
    Effect.gen(function*() {
      const xdg = tempDir()
      const old = Path.join(xdg, "effect-plex", "client-identifier")
      Fs.mkdirSync(Path.dirname(old), { recursive: true })
      Fs.symlinkSync(Path.join(xdg, "missing"), old)
      const error = yield* Effect.flip(getWith({ XDG_CONFIG_HOME: xdg, PLEX_PRODUCT: "Any" }))
      assert.isTrue(ConfigError.isConfigError(error))
      assert.include(String(error), old)
      assert.isTrue(Fs.lstatSync(old).isSymbolicLink())
      assert.isFalse(Fs.existsSync(Path.join(xdg, "effect-plex", "any", "client-identifier")))
    }))
})
