import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { inspect } from "node:util"
import { CredentialStore, StoredCredential } from "@effect-plex/node"
import { tempDirs } from "../../../test-support/tempDirs.js"

const SENTINEL = "SENTINEL-cred-5e1f"
const tempDir = tempDirs("credential-store-")
const credential = StoredCredential.make({
  kind: "jwt",
  token: Redacted.make(SENTINEL),
  expiresAt: 1_900_000_000_000,
  account: { id: 7, username: "alice" }
})

const printed = (u: unknown) => [String(u), JSON.stringify(u), inspect(u, { depth: 10 })]

describe("CredentialStore", () => {
  it.effect("saves (0600, atomic: no temporary file left), loads what it saved, removes it", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const store = CredentialStore.make(Path.join(dir, "sub", "credential.json"))
      assert.isTrue(Option.isNone(yield* store.load))
      yield* store.save(credential)
      assert.strictEqual(Fs.statSync(store.path).mode & 0o777, 0o600)
      assert.deepStrictEqual(Fs.readdirSync(Path.dirname(store.path)), ["credential.json"])
      const loaded = Option.getOrThrow(yield* store.load)
      assert.strictEqual(Redacted.value(loaded.token), SENTINEL)
      assert.deepStrictEqual(loaded.account, credential.account)
      assert.strictEqual(loaded.expiresAt, credential.expiresAt)
      for (const text of printed(loaded)) assert.notInclude(text, SENTINEL)
      assert.isTrue(yield* store.remove)
      assert.isFalse(yield* store.remove)
      assert.isTrue(Option.isNone(yield* store.load))
    }))

  it.effect("a link, a file others can read or one that is not a credential is an error naming the file, never None", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const target = Path.join(dir, "target.json")
      const link = Path.join(dir, "link.json")
      Fs.symlinkSync(target, link)
      const loose = Path.join(dir, "loose.json")
      Fs.writeFileSync(loose, JSON.stringify({ kind: "token", token: SENTINEL }), { mode: 0o644 })
      Fs.chmodSync(loose, 0o644)
      const junk = Path.join(dir, "junk.json")
      Fs.writeFileSync(junk, JSON.stringify({ kind: "bearer", token: SENTINEL }), { mode: 0o600 })
      const cases = [
        [link, /is a symbolic link/],
        [loose, /has mode 0644, so group or others can read it: run chmod 600/],
        [junk, /does not hold a credential/]
      ] as const
      for (const [path, pattern] of cases) {
        const error = yield* Effect.flip(CredentialStore.make(path).load)
        assert.strictEqual(error._tag, "CredentialStoreError")
        assert.strictEqual(error.operation, "load")
        assert.strictEqual(error.path, path)
        assert.match(error.message, pattern)
        for (const text of [...printed(error), Cause.pretty(Cause.fail(error))]) assert.notInclude(text, SENTINEL)
      }
      // saving over a link replaces the link, never writes through it
      yield* CredentialStore.make(link).save(credential)
      assert.isFalse(Fs.lstatSync(link).isSymbolicLink())
      assert.isFalse(Fs.existsSync(target))
    }))

  it.effect("layer(): credential.json in the identity folder of PLEX_PRODUCT, under XDG_CONFIG_HOME", () =>
    Effect.gen(function*() {
      const xdg = tempDir()
      const path = yield* Effect.map(CredentialStore, (store) => store.path).pipe(
        Effect.provide(CredentialStore.layer()),
        Effect.withConfigProvider(
          ConfigProvider.fromMap(new Map([["XDG_CONFIG_HOME", xdg], ["PLEX_PRODUCT", "My App"]]))
        )
      )
      assert.strictEqual(path, Path.join(xdg, "effect-plex", "my-app", "credential.json"))
    }))
})
