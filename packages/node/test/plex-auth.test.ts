import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { FakeAccount, PlexTvFake } from "@effect-plex/core/testing"
import { PlexTvServer } from "@effect-plex/node/testing"
import { spawnNode } from "./support.js"

const script = "packages/node/src/bin/plex-auth.ts"
const accounts = [FakeAccount.owner, FakeAccount.twoFactor]
const OWNER_TOKEN = FakeAccount.owner.tokens[0]!

/** Runs the CLI against the server, with only the variables given (and a fresh config directory). */
const run = (args: ReadonlyArray<string>, env: Record<string, string>) =>
  Effect.flatMap(PlexTvServer, (server) =>
    Effect.promise(async () => {
      const child = spawnNode(script, args, {
        PATH: process.env.PATH,
        XDG_CONFIG_HOME: Fs.mkdtempSync(Path.join(Os.tmpdir(), "plex-auth-")),
        PLEX_BASE_URL: server.baseUrl,
        PLEX_PRODUCT: "plex-auth test",
        ...env
      })
      const { code } = await child.exited
      return { code, out: child.stdout(), err: child.stderr() }
    }))

const secrets = [OWNER_TOKEN, "owner-password", "twofactor-password", "FAKEsignin"]
const assertNoSecret = (text: string) => {
  for (const secret of secrets) assert.notInclude(text, secret)
}

describe("plex-auth", () => {
  it.live("signin prints the account, never the token, and --save writes it to a 0600 file", () =>
    Effect.gen(function*() {
      const file = Path.join(Fs.mkdtempSync(Path.join(Os.tmpdir(), "plex-auth-")), "token")
      const result = yield* run(["signin", "--save", file], { PLEX_LOGIN: "fake-owner", PLEX_PASSWORD: "owner-password" })
      assert.strictEqual(result.code, 0, result.err)
      assert.match(result.out, /signed in: fake-owner <owner@example.invalid>, account 10000001, Plex Pass/)
      assertNoSecret(result.out + result.err)
      assert.strictEqual(Fs.statSync(file).mode & 0o777, 0o600)
      const token = Fs.readFileSync(file, "utf8").trim()
      const fake = yield* PlexTvFake
      assert.strictEqual((yield* fake.token(token))?.accountId, 10000001)
      // the saved token works
      const whoami = yield* run(["whoami"], { PLEX_TOKEN: token })
      assert.match(whoami.out, /^fake-owner </)
    }).pipe(Effect.provide(PlexTvServer.layer({ accounts }))))

  it.live("a wrong password or a missing verification code is a typed message and exit code 1", () =>
    Effect.gen(function*() {
      const wrong = yield* run(["signin"], { PLEX_LOGIN: "fake-owner", PLEX_PASSWORD: "nope" })
      assert.strictEqual(wrong.code, 1)
      assert.match(wrong.err, /PlexUnauthorizedError: .*InvalidCredentials/)
      const twoFactor = yield* run(["signin"], { PLEX_LOGIN: "fake-2fa", PLEX_PASSWORD: "twofactor-password" })
      assert.strictEqual(twoFactor.code, 1)
      assert.match(twoFactor.err, /VerificationRequired/)
      const withCode = yield* run(["signin"], {
        PLEX_LOGIN: "fake-2fa",
        PLEX_PASSWORD: "twofactor-password",
        PLEX_VERIFICATION_CODE: "123456"
      })
      assert.strictEqual(withCode.code, 0, withCode.err)
      for (const result of [wrong, twoFactor, withCode]) assertNoSecret(result.out + result.err)
    }).pipe(Effect.provide(PlexTvServer.layer({ accounts }))))

  it.live("whoami, ping and signout use PLEX_TOKEN; after signout the token is refused", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      const [token] = yield* fake.state.pipe(Effect.map((state) => Object.keys(state.tokens)))
      assert.strictEqual(token, OWNER_TOKEN)
      assert.strictEqual((yield* run(["ping"], { PLEX_TOKEN: OWNER_TOKEN })).out.trim(), "alive")
      assert.strictEqual((yield* run(["signout"], { PLEX_TOKEN: OWNER_TOKEN })).out.trim(), "signed out")
      const after = yield* run(["whoami"], { PLEX_TOKEN: OWNER_TOKEN })
      assert.strictEqual(after.code, 1)
      assert.match(after.err, /PlexUnauthorizedError: .*InvalidToken/)
      assertNoSecret(after.out + after.err)
    }).pipe(Effect.provide(PlexTvServer.layer({ accounts }))))

  it.live("pin prints the code and URL, waits until the PIN is linked, and saves the token", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      const server = yield* PlexTvServer
      const file = Path.join(Fs.mkdtempSync(Path.join(Os.tmpdir(), "plex-auth-")), "token")
      const child = spawnNode(script, ["pin", "--save", file], {
        PATH: process.env.PATH,
        XDG_CONFIG_HOME: Fs.mkdtempSync(Path.join(Os.tmpdir(), "plex-auth-")),
        PLEX_BASE_URL: server.baseUrl
      })
      const [, code] = yield* Effect.promise(() => child.line(/^PIN (\S+): open https:\/\/app\.plex\.tv\/auth#\?/))
      yield* fake.linkPin(code!, "fake-owner")
      const { code: exit } = yield* Effect.promise(() => child.exited)
      assert.strictEqual(exit, 0, child.stderr())
      assert.match(child.stdout(), /linked: fake-owner/)
      assert.strictEqual((yield* fake.token(Fs.readFileSync(file, "utf8").trim()))?.accountId, 10000001)
      assertNoSecret(child.stdout() + child.stderr())
    }).pipe(Effect.provide(PlexTvServer.layer({ accounts }))))

  it.live("no command or an unknown one prints the usage and exits 2; --help exits 0", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* run([], {})).code, 2)
      assert.strictEqual((yield* run(["frobnicate"], {})).code, 2)
      const help = yield* run(["--help"], {})
      assert.strictEqual(help.code, 0)
      assert.match(help.out, /Usage: plex-auth/)
    }).pipe(Effect.provide(PlexTvServer.layer({ accounts }))))
})
