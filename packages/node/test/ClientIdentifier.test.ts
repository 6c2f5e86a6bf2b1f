/**
 * The stable client identifier, kept in `$XDG_CONFIG_HOME/effect-plex/client-identifier`. Every test works in a
 * fresh temporary directory given through a ConfigProvider: nothing touches the real home directory.
 */
import { assert, describe, it } from "@effect/vitest"
import * as ConfigError from "effect/ConfigError"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { PlexConfig } from "@effect-plex/core"
import { ClientIdentifier, PlexNode } from "@effect-plex/node"
import { tempDirs } from "../../../test-support/tempDirs.js"

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/** A fresh, empty directory to serve as XDG_CONFIG_HOME. */
const tempDir = tempDirs("effect-plex-node-test-")

/** The identifier of the default namespace (the default product, `effect-plex`), or of another one. */
const fileIn = (xdg: string, namespace = "effect-plex") => Path.join(xdg, "effect-plex", namespace, "client-identifier")

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

  /** Fails with a ConfigError naming the file and the fix, leaving the file as it was and writing nothing. */
  const refused = (xdg: string, expected: RegExp) =>
    Effect.gen(function*() {
      const file = fileIn(xdg)
      const dir = Path.dirname(file)
      const before = Fs.readdirSync(dir)
      const lstat = Fs.lstatSync(file)
      for (let run = 0; run < 2; run++) { // the same answer every run, never a new identifier
        const error = yield* Effect.flip(getWith({ XDG_CONFIG_HOME: xdg }))
        assert.isTrue(ConfigError.isConfigError(error) && ConfigError.isInvalidData(error))
        assert.include(error.message, file)
        assert.match(error.message, expected)
        assert.include(error.message, "set PLEX_CLIENT_IDENTIFIER")
      }
      assert.deepStrictEqual(Fs.readdirSync(dir), before) // no temporary file left, nothing added
      const after = Fs.lstatSync(file)
      assert.strictEqual(after.ino, lstat.ino)
      assert.strictEqual(after.mtimeMs, lstat.mtimeMs)
      assert.strictEqual(after.size, lstat.size)
    })

  const planted = () => {
    const xdg = tempDir()
    Fs.mkdirSync(Path.dirname(fileIn(xdg)), { recursive: true, mode: 0o700 })
    return xdg
  }

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
    it.effect(`a corrupt file (${name}) is refused, not replaced with a new identifier`, () =>
      Effect.gen(function*() {
        const xdg = planted()
        Fs.writeFileSync(fileIn(xdg), content, { mode: 0o600 })
        yield* refused(xdg, /does not hold a client identifier/)
        assert.strictEqual(Fs.readFileSync(fileIn(xdg), "utf8"), content)
      }))
  }

  it.effect("a dangling symbolic link is refused, and nothing is written through it", () =>
    Effect.gen(function*() {
      const xdg = planted()
      const target = Path.join(tempDir(), "missing-target")
      Fs.symlinkSync(target, fileIn(xdg))
      yield* refused(xdg, /symbolic link \(to a missing file\)/)
      assert.strictEqual(Fs.readlinkSync(fileIn(xdg)), target)
      assert.isFalse(Fs.existsSync(target))
    }))

  it.effect("a symbolic link to an identifier is refused too: a link is never followed", () =>
    Effect.gen(function*() {
      const xdg = planted()
      const target = Path.join(tempDir(), "elsewhere")
      Fs.writeFileSync(target, "kept-elsewhere\n")
      Fs.symlinkSync(target, fileIn(xdg))
      yield* refused(xdg, /symbolic link \(to an existing file\)/)
      assert.strictEqual(Fs.readFileSync(target, "utf8"), "kept-elsewhere\n")
    }))

  it.effect("a file that cannot be read (a directory in its place) is refused with the path and the fix", () =>
    Effect.gen(function*() {
      const xdg = planted()
      Fs.mkdirSync(fileIn(xdg))
      yield* refused(xdg, /is a directory, not a regular file/)
    }))

  it.live("a named pipe is refused at once, without waiting for a writer", () =>
    Effect.gen(function*() {
      const xdg = planted()
      ChildProcess.execFileSync("mkfifo", [fileIn(xdg)])
      yield* refused(xdg, /is a named pipe, not a regular file/)
    }).pipe(Effect.timeout("20 seconds"), Effect.orDie))

  it.effect("a file over 64 KiB is refused by its size", () =>
    Effect.gen(function*() {
      const xdg = planted()
      // a valid identifier padded with blank lines: accepted by a reader that reads everything
      Fs.writeFileSync(fileIn(xdg), "kept-id\n" + "\n".repeat(64 * 1024))
      yield* refused(xdg, /is 65544 bytes, more than the 64 KiB/)
    }))

  it.effect("a huge (sparse) file is refused from its size, without being read", () =>
    Effect.gen(function*() {
      const xdg = planted()
      Fs.writeFileSync(fileIn(xdg), "kept-id\n")
      Fs.truncateSync(fileIn(xdg), 8 * 1024 ** 3) // 8 GiB, no disk used
      yield* refused(xdg, /is 8589934592 bytes/)
    }))

  it.effect("an identifier file of mode 0644 is still used: an identifier is not a secret", () =>
    Effect.gen(function*() {
      const xdg = planted()
      Fs.writeFileSync(fileIn(xdg), "readable-id\n", { mode: 0o644 })
      Fs.chmodSync(fileIn(xdg), 0o644)
      assert.strictEqual(yield* getWith({ XDG_CONFIG_HOME: xdg }), "readable-id")
    }))

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
  it.effect("is <XDG_CONFIG_HOME>/effect-plex/<namespace>, or ~/.config/effect-plex/<namespace> without it", () =>
    Effect.gen(function*() {
      assert.strictEqual(
        yield* ClientIdentifier.directory.pipe(withEnv({ XDG_CONFIG_HOME: "/somewhere/config" })),
        "/somewhere/config/effect-plex/effect-plex"
      )
      const fallback = Path.join(Os.homedir(), ".config", "effect-plex", "effect-plex")
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
      assert.strictEqual(Fs.readFileSync(fileIn(xdg, "node-test"), "utf8").trim(), id)
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
