/**
 * `FileKeyStore` checks the key file instead of trusting it: the file's type, owner, mode and size
 * are read from the opened handle, and the key itself must import as an Ed25519 key pair. Every
 * refusal is a `PlexKeyStoreError` naming the file and the fix; none leaks the private key.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { PlexDeviceKey } from "@effect-plex/core"
import { FileKeyStore } from "@effect-plex/node"
import { assertNoSecrets } from "../../../test-support/printed.js"
import { tempDirs } from "../../../test-support/tempDirs.js"

const tempDir = tempDirs("effect-plex-filekeystore-")

/** A path in a fresh private directory (mode 0700), where the key file goes. */
const keyPath = () => Path.join(tempDir(), "device-key.json")

const encoded = (key: PlexDeviceKey) => Schema.encodeSync(PlexDeviceKey)(key)

/** Writes a file of the given mode (whatever the umask). */
const plant = (file: string, text: string, mode = 0o600) => {
  Fs.writeFileSync(file, text, { mode })
  Fs.chmodSync(file, mode)
}

/** `load` fails with a PlexKeyStoreError matching `expected` and naming the file, and the file is left as it was. */
const refused = (file: string, expected: RegExp, secrets: ReadonlyArray<string> = []) =>
  Effect.gen(function*() {
    const before = Fs.lstatSync(file)
    const error = yield* Effect.flip(FileKeyStore.make(file).load)
    assert.strictEqual(error._tag, "PlexKeyStoreError")
    assert.strictEqual(error.operation, "load")
    assert.include(error.message, file)
    assert.match(error.message, expected)
    assertNoSecrets(error, secrets)
    const after = Fs.lstatSync(file)
    assert.strictEqual(after.ino, before.ino)
    assert.strictEqual(after.mode, before.mode)
    assert.strictEqual(after.size, before.size)
    return error
  })

describe("FileKeyStore.load", () => {
  it.live("a key file that group or others can read is refused, naming the mode and the fix", () =>
    Effect.gen(function*() {
      const file = keyPath()
      const key = yield* PlexDeviceKey.generate
      for (const mode of [0o644, 0o640, 0o604, 0o660]) {
        plant(file, JSON.stringify(encoded(key)), mode)
        const error = yield* refused(file, new RegExp(`has mode 0${mode.toString(8)}, so group or others can read it`))
        assert.include(error.message, `chmod 600 ${file}`)
      }
      // once fixed as told, it loads
      Fs.chmodSync(file, 0o600)
      assert.strictEqual(Option.getOrThrow(yield* FileKeyStore.make(file).load).kid, key.kid)
      Fs.chmodSync(file, 0o400)
      assert.strictEqual(Option.getOrThrow(yield* FileKeyStore.make(file).load).kid, key.kid)
    }))

  it.live.skipIf(process.getuid?.() !== 0)(
    "a key file of another user is refused (as root: chown)",
    () =>
      Effect.gen(function*() {
        const file = keyPath()
        plant(file, JSON.stringify(encoded(yield* PlexDeviceKey.generate)))
        Fs.chownSync(file, 12345, 12345)
        yield* refused(file, /belongs to another user \(uid 12345\)/)
      })
  )

  it.live("JSON that holds no valid Ed25519 key is refused at load, without printing the key", () =>
    Effect.gen(function*() {
      const file = keyPath()
      const key = encoded(yield* PlexDeviceKey.generate)
      const other = encoded(yield* PlexDeviceKey.generate)
      const cases: ReadonlyArray<readonly [string, unknown, RegExp]> = [
        ["garbage halves", { ...key, publicKey: "abc", privateKey: "def" }, /public key is not 32 bytes/],
        ["a short private key", { ...key, privateKey: "AAAA" }, /private key is not 32 bytes/],
        ["not base64url", { ...key, privateKey: "!".repeat(43) }, /private key is not 32 bytes/],
        ["halves of two keys", { ...key, publicKey: other.publicKey }, /Ed25519 key pair|does not belong/],
        ["no key at all", { kid: "k" }, /does not hold a device key/],
        ["an array", [key], /does not hold a device key/]
      ]
      for (const [name, content, expected] of cases) {
        plant(file, JSON.stringify(content))
        const error = yield* refused(file, expected, [key.privateKey, other.privateKey])
        assert.include(error.message, "remove it", name)
      }
    }))

  it.live("a file over 64 KiB is refused, even when it holds a valid key", () =>
    Effect.gen(function*() {
      const file = keyPath()
      const text = JSON.stringify(encoded(yield* PlexDeviceKey.generate))
      plant(file, text + " ".repeat(64 * 1024 - text.length + 1)) // valid JSON, one byte over
      yield* refused(file, /is 65537 bytes, more than the 64 KiB/)
      // exactly 64 KiB still loads
      plant(file, text + " ".repeat(64 * 1024 - text.length))
      assert.isTrue(Option.isSome(yield* FileKeyStore.make(file).load))
    }))

  it.live("a huge (sparse) file is refused from its size, without being read", () =>
    Effect.gen(function*() {
      const file = keyPath()
      plant(file, "{}")
      Fs.truncateSync(file, 8 * 1024 ** 3) // 8 GiB, no disk used
      yield* refused(file, /is 8589934592 bytes/)
    }))

  it.live("a symbolic link, dangling or not, is refused and never followed", () =>
    Effect.gen(function*() {
      const file = keyPath()
      const target = `${file}.real`
      plant(target, JSON.stringify(encoded(yield* PlexDeviceKey.generate)))
      Fs.symlinkSync(target, file)
      yield* refused(file, /is a symbolic link \(to an existing file\)/)
      Fs.rmSync(target)
      yield* refused(file, /is a symbolic link \(to a missing file\)/)
      assert.isFalse(Fs.existsSync(target))
    }))

  it.live("a directory or a named pipe in place of the file is refused, at once", () =>
    Effect.gen(function*() {
      const dir = keyPath()
      Fs.mkdirSync(dir)
      yield* refused(dir, /is a directory, not a regular file/)
      const fifo = keyPath()
      ChildProcess.execFileSync("mkfifo", ["-m", "600", fifo])
      yield* refused(fifo, /is a named pipe, not a regular file/)
    }).pipe(Effect.timeout("20 seconds"), Effect.orDie))

  it.live("a missing file is no key; a saved one loads back validated", () =>
    Effect.gen(function*() {
      const file = keyPath()
      const store = FileKeyStore.make(file)
      assert.isTrue(Option.isNone(yield* store.load))
      const key = yield* PlexDeviceKey.generate
      yield* store.save(key)
      const loaded = Option.getOrThrow(yield* store.load)
      assert.strictEqual(Redacted.value(loaded.privateKey), Redacted.value(key.privateKey))
    }))
})

describe("FileKeyStore.save", () => {
  it.live("replaces a planted 0644 file or symbolic link with a 0600 file, never writing through the link", () =>
    Effect.gen(function*() {
      const file = keyPath()
      const key = yield* PlexDeviceKey.generate
      plant(file, "planted", 0o644)
      yield* FileKeyStore.make(file).save(key)
      assert.strictEqual(Fs.statSync(file).mode & 0o777, 0o600)
      assert.strictEqual(Option.getOrThrow(yield* FileKeyStore.make(file).load).kid, key.kid)

      const victim = `${file}.victim`
      plant(victim, "victim", 0o644)
      Fs.rmSync(file)
      Fs.symlinkSync(victim, file)
      yield* FileKeyStore.make(file).save(key)
      assert.strictEqual(Fs.readFileSync(victim, "utf8"), "victim")
      assert.isFalse(Fs.lstatSync(file).isSymbolicLink())
      assert.strictEqual(Fs.statSync(file).mode & 0o777, 0o600)
      assert.deepStrictEqual(Fs.readdirSync(Path.dirname(file)).sort(), ["device-key.json", "device-key.json.victim"])
    }))

  it.live("a directory in the way is a typed error naming the file, and no temporary file is left", () =>
    Effect.gen(function*() {
      const file = keyPath()
      Fs.mkdirSync(file)
      const error = yield* Effect.flip(FileKeyStore.make(file).save(yield* PlexDeviceKey.generate))
      assert.strictEqual(error._tag, "PlexKeyStoreError")
      assert.strictEqual(error.operation, "save")
      assert.include(error.message, file)
      assert.deepStrictEqual(Fs.readdirSync(Path.dirname(file)), ["device-key.json"])
    }))
})
