/**
 * `plex-auth --save FILE` cannot be planted: the target is checked before anything is sent, the
 * token goes into a temporary file of random name created exclusively with mode 0600, and a token
 * that cannot be saved after plex.tv issued it is signed out again.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { FakeAccount, PlexTvFake } from "@effect-plex/core/testing"
import { PlexTvServer } from "@effect-plex/node/testing"
import { spawnNode } from "./support.js"
import { tempDirs } from "../../../test-support/tempDirs.js"

const script = "packages/node/src/bin/plex-auth.ts"
const accounts = [FakeAccount.owner]
const signin = { PLEX_LOGIN: "fake-owner", PLEX_PASSWORD: "owner-password" }

const tempDir = tempDirs("plex-auth-save-")

const start = (args: ReadonlyArray<string>, env: Record<string, string>) =>
  Effect.map(PlexTvServer, (server) =>
    spawnNode(script, args, {
      PATH: process.env.PATH,
      XDG_CONFIG_HOME: tempDir(),
      PLEX_BASE_URL: server.baseUrl,
      PLEX_TIMEOUT: "20 seconds",
      ...env
    }))

const run = (args: ReadonlyArray<string>, env: Record<string, string>) =>
  Effect.flatMap(start(args, env), (child) =>
    Effect.promise(async () => {
      const { code } = await child.exited
      return { code, out: child.stdout(), err: child.stderr() }
    }))

/** Exit code 7, one line on stderr naming the file, no stack, no token. */
const assertFileFailure = (
  result: { readonly code: number | null; readonly out: string; readonly err: string },
  pattern: RegExp
) => {
  const context = JSON.stringify(result)
  assert.strictEqual(result.code, 7, context)
  assert.match(result.err, /^plex-auth: [^\n]+\n$/, context)
  assert.match(result.err, pattern, context)
  assert.notMatch(result.err, /\n\s+at /, context)
}

const requests = Effect.flatMap(PlexTvFake, (fake) => fake.requests)
/** The tokens that still work. */
const activeTokens = Effect.flatMap(PlexTvFake, (fake) => fake.state).pipe(
  Effect.map((state) => Object.entries(state.tokens).filter(([, token]) => token.state === "active").map(([t]) => t))
)
const mode = (path: string) => Fs.statSync(path).mode & 0o777

/**
 * Runs `login --save file` (a PIN); `meanwhile` runs once the PIN is shown (the process is then waiting for
 * it), then the PIN is linked.
 */
const pinRun = (file: string, meanwhile: (pid: number) => void) =>
  Effect.gen(function*() {
    const fake = yield* PlexTvFake
    const child = yield* start(["login", "--save", file], {})
    const [, code] = yield* Effect.promise(() => child.line(/^PIN (\S+): open /))
    meanwhile(child.process.pid!)
    yield* fake.linkPin(code!, "fake-owner")
    const { code: exit } = yield* Effect.promise(() => child.exited)
    return { code: exit, out: child.stdout(), err: child.stderr() }
  })

describe("plex-auth --save", { timeout: 240_000 }, () => {
  it.live("a missing directory, a directory or a symbolic link at FILE fail before anything is sent", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const missing = Path.join(dir, "no-such-dir", "token")
      const directory = Path.join(dir, "a-directory")
      Fs.mkdirSync(directory)
      const link = Path.join(dir, "link")
      const victim = Path.join(dir, "victim")
      Fs.writeFileSync(victim, "")
      Fs.symlinkSync(victim, link)
      const dangling = Path.join(dir, "dangling")
      Fs.symlinkSync(Path.join(dir, "nowhere"), dangling)

      const [a, b, c, d] = yield* Effect.all([
        run(["login", "--password", "--save", missing], signin),
        run(["login", "--password", "--save", directory], signin),
        run(["login", "--password", "--save", link], signin),
        run(["login", "--password", "--save", dangling], signin)
      ], { concurrency: 2 })
      assertFileFailure(a, new RegExp(`the directory ${Path.dirname(missing)} does not exist`))
      assertFileFailure(b, new RegExp(`${directory} is a directory, not a regular file`))
      assertFileFailure(c, new RegExp(`${link} is a symbolic link \\(to an existing file\\)`))
      assertFileFailure(d, new RegExp(`${dangling} is a symbolic link \\(to a missing file\\)`))
      assert.deepStrictEqual(yield* requests, []) // not one request reached plex.tv
      assert.strictEqual(Fs.readFileSync(victim, "utf8"), "")
      assert.isFalse(Fs.existsSync(Path.join(dir, "nowhere")))
      assert.deepStrictEqual(Fs.readdirSync(dir).sort(), ["a-directory", "dangling", "link", "victim"])
      assert.deepStrictEqual(Fs.readdirSync(directory), [])
    }).pipe(Effect.provide(PlexTvServer.layer({ accounts }))))

  it.live("a planted 0644 file at FILE is replaced by a 0600 file holding the token", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const file = Path.join(dir, "token")
      Fs.writeFileSync(file, "planted", { mode: 0o644 })
      Fs.chmodSync(file, 0o644)
      const result = yield* run(["login", "--password", "--save", file], signin)
      assert.strictEqual(result.code, 0, result.err)
      assert.strictEqual(mode(file), 0o600)
      const token = Fs.readFileSync(file, "utf8").trim()
      assert.strictEqual((yield* Effect.flatMap(PlexTvFake, (fake) => fake.token(token)))?.accountId, 10000001)
      assert.deepStrictEqual(Fs.readdirSync(dir), ["token"]) // no temporary file left behind
    }).pipe(Effect.provide(PlexTvServer.layer({ accounts }))))

  it.live("a symbolic link or a 0644 file planted at a predictable temporary name never receives the token", () =>
    Effect.gen(function*() {
      // the names an earlier version used (FILE.<pid>.tmp), planted while the command runs
      const dir = tempDir()
      const victim = Path.join(dir, "victim")
      Fs.writeFileSync(victim, "")
      const viaLink = Path.join(dir, "token-a")
      const first = yield* pinRun(viaLink, (pid) => Fs.symlinkSync(victim, `${viaLink}.${pid}.tmp`))
      assert.strictEqual(first.code, 0, first.err)
      assert.strictEqual(Fs.readFileSync(victim, "utf8"), "")

      const viaFile = Path.join(dir, "token-b")
      let planted = ""
      const second = yield* pinRun(viaFile, (pid) => {
        planted = `${viaFile}.${pid}.tmp`
        Fs.writeFileSync(planted, "", { mode: 0o644 })
        Fs.chmodSync(planted, 0o644)
      })
      assert.strictEqual(second.code, 0, second.err)
      assert.strictEqual(Fs.readFileSync(planted, "utf8"), "")

      for (const file of [viaLink, viaFile]) {
        assert.isFalse(Fs.lstatSync(file).isSymbolicLink())
        assert.strictEqual(mode(file), 0o600)
        // pin saves a Plex JWT, which the fake knows by its signed part (header.payload)
        const token = Fs.readFileSync(file, "utf8").trim().split(".").slice(0, 2).join(".")
        assert.strictEqual((yield* Effect.flatMap(PlexTvFake, (fake) => fake.token(token)))?.accountId, 10000001)
      }
    }).pipe(Effect.provide(PlexTvServer.layer({ accounts }))))

  it.live("a token that cannot be saved after all is signed out again, and the message says so", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const file = Path.join(dir, "token")
      const before = yield* activeTokens
      // FILE was fine when checked; a directory appears there while the PIN waits
      const result = yield* pinRun(file, () => Fs.mkdirSync(file))
      assertFileFailure(
        result,
        /could not save the token: .*token.*; the new token was not kept, so it has been signed out again/
      )
      assert.match(result.out, /linked: fake-owner/)
      assert.deepStrictEqual(yield* activeTokens, before) // the PIN's token no longer works
      const log = yield* requests
      assert.isTrue(log.some((entry) => entry.method === "DELETE" && entry.path === "/api/v2/users/signout"))
      assert.deepStrictEqual(Fs.readdirSync(dir), ["token"]) // the directory, and no temporary file
      assert.deepStrictEqual(Fs.readdirSync(file), [])
    }).pipe(Effect.provide(PlexTvServer.layer({ accounts }))))
})
