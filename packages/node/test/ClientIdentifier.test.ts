/**
 * The stable client identifier, kept in `$XDG_CONFIG_HOME/effect-plex/client-identifier`. Every test works in a
 * fresh temporary directory given through a ConfigProvider: nothing touches the real home directory.
 */
import { afterAll, assert, describe, it } from "@effect/vitest"
import * as ConfigError from "effect/ConfigError"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { PlexConfig } from "@effect-plex/core"
import { ClientIdentifier, PlexNode } from "@effect-plex/node"

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

const roots: Array<string> = []
afterAll(() => {
  for (const root of roots) Fs.rmSync(root, { recursive: true, force: true })
})

/** A fresh, empty directory to serve as XDG_CONFIG_HOME. */
const tempDir = () => {
  const root = Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-plex-node-test-"))
  roots.push(root)
  return root
}

const fileIn = (xdg: string) => Path.join(xdg, "effect-plex", "client-identifier")

const withEnv = (env: Record<string, string>) =>
  Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

const getWith = (env: Record<string, string>) => ClientIdentifier.get.pipe(withEnv(env))

const mode = (path: string) => Fs.statSync(path).mode & 0o777

describe("ClientIdentifier.get", () => {
  it.effect("the first call creates a UUID in <XDG_CONFIG_HOME>/effect-plex/client-identifier, mode 0600", () =>
    Effect.gen(function*() {
      const xdg = tempDir()
      const id = yield* getWith({ XDG_CONFIG_HOME: xdg })
      assert.match(id, UUID)
      const file = fileIn(xdg)
      assert.strictEqual(Fs.readFileSync(file, "utf8").trim(), id)
      assert.strictEqual(mode(file), 0o600)
      assert.strictEqual(mode(Path.dirname(file)), 0o700)
      // nothing but the identifier is left behind (no temporary files)
      assert.deepStrictEqual(Fs.readdirSync(Path.dirname(file)), ["client-identifier"])
    }))

  it.effect("later calls return the same identifier", () =>
    Effect.gen(function*() {
      const xdg = tempDir()
      const first = yield* getWith({ XDG_CONFIG_HOME: xdg })
      const second = yield* getWith({ XDG_CONFIG_HOME: xdg })
      const third = yield* getWith({ XDG_CONFIG_HOME: xdg })
      assert.strictEqual(second, first)
      assert.strictEqual(third, first)
    }))

  it.effect("an identifier already on disk is used as it is", () =>
    Effect.gen(function*() {
      const xdg = tempDir()
      Fs.mkdirSync(Path.dirname(fileIn(xdg)), { recursive: true })
      Fs.writeFileSync(fileIn(xdg), "  kept-from-an-earlier-version-42\n")
      assert.strictEqual(yield* getWith({ XDG_CONFIG_HOME: xdg }), "kept-from-an-earlier-version-42")
    }))

  it.effect("PLEX_CLIENT_IDENTIFIER wins when set, and nothing is written", () =>
    Effect.gen(function*() {
      const xdg = tempDir()
      const fromEnv = { XDG_CONFIG_HOME: xdg, PLEX_CLIENT_IDENTIFIER: "from-the-env" }
      assert.strictEqual(yield* getWith(fromEnv), "from-the-env")
      assert.isFalse(Fs.existsSync(Path.join(xdg, "effect-plex")))

      // also over a stored one
      const stored = yield* getWith({ XDG_CONFIG_HOME: xdg })
      assert.strictEqual(yield* getWith(fromEnv), "from-the-env")
      assert.strictEqual(Fs.readFileSync(fileIn(xdg), "utf8").trim(), stored)
    }))

  for (
    const [name, content] of [
      ["empty", ""],
      ["blank", "  \n\n"],
      ["with control characters", "abc\u0001def\n"],
      ["with an inner space", "two words\n"],
      ["binary", "\u0000\u0000\u0000\u0000"],
      ["too long", "x".repeat(201)]
    ] as const
  ) {
    it.effect(`a corrupt file (${name}) is replaced with a new UUID, mode 0600`, () =>
      Effect.gen(function*() {
        const xdg = tempDir()
        const file = fileIn(xdg)
        Fs.mkdirSync(Path.dirname(file), { recursive: true })
        Fs.writeFileSync(file, content, { mode: 0o644 })
        const id = yield* getWith({ XDG_CONFIG_HOME: xdg })
        assert.match(id, UUID)
        assert.strictEqual(Fs.readFileSync(file, "utf8"), `${id}\n`)
        assert.strictEqual(mode(file), 0o600)
        assert.strictEqual(yield* getWith({ XDG_CONFIG_HOME: xdg }), id)
      }))
  }

  it.effect("concurrent first calls all get the same identifier", () =>
    Effect.gen(function*() {
      const xdg = tempDir()
      const ids = yield* Effect.all(Array.from({ length: 16 }, () => getWith({ XDG_CONFIG_HOME: xdg })), {
        concurrency: "unbounded"
      })
      assert.strictEqual(new Set(ids).size, 1)
      assert.match(ids[0]!, UUID)
      assert.strictEqual(Fs.readFileSync(fileIn(xdg), "utf8").trim(), ids[0])
      assert.deepStrictEqual(Fs.readdirSync(Path.dirname(fileIn(xdg))), ["client-identifier"])
    }))

  it.effect("an unwritable location fails with a ConfigError that names the path", () =>
    Effect.gen(function*() {
      // a regular file where a directory should be: fails even for root, unlike file permissions
      const blocker = Path.join(tempDir(), "not-a-directory")
      Fs.writeFileSync(blocker, "")
      const error = yield* Effect.flip(getWith({ XDG_CONFIG_HOME: blocker }))
      assert.isTrue(ConfigError.isConfigError(error))
      assert.isTrue(ConfigError.isInvalidData(error))
      assert.include(error.message, fileIn(blocker))
      assert.include(error.message, "ENOTDIR")
      assert.include(error.message, "PLEX_CLIENT_IDENTIFIER")
    }))

  it.effect("a directory in place of the file fails with a ConfigError that names the path", () =>
    Effect.gen(function*() {
      const xdg = tempDir()
      Fs.mkdirSync(fileIn(xdg), { recursive: true })
      const error = yield* Effect.flip(getWith({ XDG_CONFIG_HOME: xdg }))
      assert.isTrue(ConfigError.isConfigError(error))
      assert.include(error.message, fileIn(xdg))
    }))
})

describe("ClientIdentifier.directory", () => {
  it.effect("is <XDG_CONFIG_HOME>/effect-plex, or ~/.config/effect-plex without it", () =>
    Effect.gen(function*() {
      assert.strictEqual(
        yield* ClientIdentifier.directory.pipe(withEnv({ XDG_CONFIG_HOME: "/somewhere/config" })),
        "/somewhere/config/effect-plex"
      )
      const fallback = Path.join(Os.homedir(), ".config", "effect-plex")
      assert.strictEqual(yield* ClientIdentifier.directory.pipe(withEnv({})), fallback)
      // the XDG base directory spec: an empty XDG_CONFIG_HOME counts as unset
      assert.strictEqual(yield* ClientIdentifier.directory.pipe(withEnv({ XDG_CONFIG_HOME: "" })), fallback)
    }))
})

describe("PlexNode.layerConfig", () => {
  const clientIdentifier = Effect.map(PlexConfig, (config) => config.client.clientIdentifier)

  it.effect("uses the stored identifier when PLEX_CLIENT_IDENTIFIER is unset", () =>
    Effect.gen(function*() {
      const xdg = tempDir()
      const env = { XDG_CONFIG_HOME: xdg, PLEX_PRODUCT: "node-test" }
      const id = yield* clientIdentifier.pipe(Effect.provide(PlexNode.layerConfig), withEnv(env))
      assert.match(id, UUID)
      assert.strictEqual(Fs.readFileSync(fileIn(xdg), "utf8").trim(), id)
      // a second run of the program gets the same one
      assert.strictEqual(yield* clientIdentifier.pipe(Effect.provide(PlexNode.layerConfig), withEnv(env)), id)
      assert.strictEqual(yield* ClientIdentifier.get.pipe(withEnv(env)), id)
    }))

  it.effect("takes PLEX_CLIENT_IDENTIFIER when set", () =>
    Effect.gen(function*() {
      const xdg = tempDir()
      const id = yield* clientIdentifier.pipe(
        Effect.provide(PlexNode.layerConfig),
        withEnv({ XDG_CONFIG_HOME: xdg, PLEX_CLIENT_IDENTIFIER: "set-by-hand" })
      )
      assert.strictEqual(id, "set-by-hand")
      assert.isFalse(Fs.existsSync(fileIn(xdg)))
    }))

  it.effect("fails with the ConfigError when the identifier cannot be kept", () =>
    Effect.gen(function*() {
      const blocker = Path.join(tempDir(), "not-a-directory")
      Fs.writeFileSync(blocker, "")
      const error = yield* Effect.flip(
        clientIdentifier.pipe(Effect.provide(PlexNode.layerConfig), withEnv({ XDG_CONFIG_HOME: blocker }))
      )
      assert.isTrue(ConfigError.isConfigError(error))
      assert.include(error.message, fileIn(blocker))
    }))
})
