/**
 * The commands of `plex-auth` on `@effect/cli`, run as a user runs them (node + tsx, the sources)
 * against `PlexTvServer`, output piped (not a terminal): the credential store, whoami/token/logout,
 * resources (table, JSON, --connect), home and switch, the device key commands, Ctrl-C while a PIN
 * waits. Prompts in a real terminal are in `plex-auth-terminal.test.ts`.
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
const accounts = [FakeAccount.owner, FakeAccount.managed]
const OWNER_TOKEN = FakeAccount.owner.tokens[0]!
const ownerLogin = { PLEX_LOGIN: "fake-owner", PLEX_PASSWORD: "owner-password" }

const tempDir = tempDirs("plex-auth-commands-")

/** The credential file of a config home (the default product's identity folder). */
const credentialFile = (home: string) => Path.join(home, "effect-plex", "effect-plex", "credential.json")

const start = (args: ReadonlyArray<string>, home: string, env: Record<string, string> = {}) =>
  Effect.map(PlexTvServer, (server) =>
    spawnNode(script, args, {
      PATH: process.env.PATH,
      XDG_CONFIG_HOME: home,
      PLEX_BASE_URL: server.baseUrl,
      PLEX_TIMEOUT: "20 seconds",
      ...env
    }))

interface Result {
  readonly code: number | null
  readonly out: string
  readonly err: string
}

const run = (args: ReadonlyArray<string>, home: string, env: Record<string, string> = {}) =>
  Effect.flatMap(start(args, home, env), (child) =>
    Effect.promise(async (): Promise<Result> => {
      const { code } = await child.exited
      return { code, out: child.stdout(), err: child.stderr() }
    }))

const ok = (result: Result) => assert.strictEqual(result.code, 0, JSON.stringify(result))

/** A failure: the exit code, one line on stderr matching `pattern`, no stack. */
const failed = (result: Result, code: number, pattern: RegExp) => {
  const context = JSON.stringify(result)
  assert.strictEqual(result.code, code, context)
  assert.match(result.err, /^plex-auth: [^\n]+\n$/, context)
  assert.match(result.err, pattern, context)
}

const stored = (home: string) =>
  JSON.parse(Fs.readFileSync(credentialFile(home), "utf8")) as {
    kind: string
    token: string
    account?: { id: number; username: string }
    expiresAt?: number
  }

/** The fake knows a Plex JWT by its signed part (header.payload). */
const signedPart = (jwt: string) => jwt.split(".").slice(0, 2).join(".")

/** `login` (a PIN), linked to the owner as soon as it is shown. */
const pinLogin = (home: string) =>
  Effect.gen(function*() {
    const fake = yield* PlexTvFake
    const child = yield* start(["login"], home)
    const [, code] = yield* Effect.promise(() => child.line(/^PIN (\S+): open /))
    yield* fake.linkPin(code!, "fake-owner")
    const { code: exit } = yield* Effect.promise(() => child.exited)
    return { code: exit, out: child.stdout(), err: child.stderr() }
  })

const requests = Effect.flatMap(PlexTvFake, (fake) => fake.requests)

describe("plex-auth commands", { timeout: 240_000 }, () => {
  it.live("login keeps the Plex JWT (0600); whoami, token and device status use it; logout signs it out and deletes it", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      const home = tempDir()
      const login = yield* pinLogin(home)
      ok(login)
      const file = credentialFile(home)
      assert.strictEqual(Fs.statSync(file).mode & 0o777, 0o600)
      const credential = stored(home)
      assert.strictEqual(credential.kind, "jwt")
      assert.deepStrictEqual(credential.account, { id: 10000001, username: "fake-owner" })
      assert.isAbove(credential.expiresAt!, Date.now())
      assert.notInclude(login.out + login.err, credential.token)
      assert.strictEqual((yield* fake.token(signedPart(credential.token)))?.kind, "jwt")

      const [whoami, json, token, status] = yield* Effect.all([
        run(["whoami"], home),
        run(["whoami", "--json"], home),
        run(["token"], home),
        run(["device", "status"], home)
      ], { concurrency: 2 })
      ok(whoami)
      assert.strictEqual(whoami.out, "fake-owner <owner@example.invalid>, account 10000001, Plex Pass\n")
      ok(json)
      const account = JSON.parse(json.out) as Record<string, unknown>
      assert.strictEqual(account.id, 10000001)
      assert.strictEqual(account.plexPass, true)
      assert.notInclude(json.out, credential.token)
      assert.notInclude(json.out, "authToken")
      ok(token)
      assert.strictEqual(token.out, `${credential.token}\n`) // piped: printed as it is, for the next command
      ok(status)
      const kid = (JSON.parse(Fs.readFileSync(Path.join(Path.dirname(file), "device-key.json"), "utf8")) as {
        kid: string
      }).kid
      assert.match(status.out, new RegExp(`^device key: ${kid}, created `))
      assert.match(status.out, /\ncredential: Plex JWT of fake-owner, valid until \d{4}-/)
      assert.notInclude(status.out, credential.token)

      const logout = yield* run(["logout"], home)
      ok(logout)
      assert.strictEqual(logout.out, "signed out; the stored credential is deleted\n")
      assert.isFalse(Fs.existsSync(file))
      assert.notStrictEqual((yield* fake.token(signedPart(credential.token)))?.state, "active")
      const after = yield* run(["whoami"], home)
      failed(after, 2, /not signed in: no stored credential, and PLEX_TOKEN is not set/)
    }).pipe(Effect.provide(PlexTvServer.layer({ accounts }))))

  it.live("resources: a table and JSON without access tokens; --connect prints the URI of the server that answered", () =>
    Effect.gen(function*() {
      const server = yield* PlexTvServer
      const home = tempDir()
      const login = yield* run(["login", "--password"], home, ownerLogin)
      ok(login)
      assert.strictEqual(stored(home).kind, "token")
      const [table, json, connect, unknown] = yield* Effect.all([
        run(["resources"], home),
        run(["resources", "--json"], home),
        run(["resources", "--connect", "fake media server"], home),
        run(["resources", "--connect", "Nowhere"], home)
      ], { concurrency: 2 })
      ok(table)
      const [header, ...rows] = table.out.trimEnd().split("\n")
      assert.match(header!, /^NAME +PRODUCT +PROVIDES +OWNED +ONLINE +CONNECTION$/)
      assert.isTrue(rows.some((row) => /^Fake Server +Plex Media Server +server +yes /.test(row)), table.out)
      assert.isTrue(rows.some((row) => row.startsWith("Fake Media Server ")), table.out)
      ok(json)
      const list = JSON.parse(json.out) as Array<{ name: string; owned: boolean; connections: Array<unknown> }>
      assert.includeMembers(list.map((r) => r.name), ["Fake Server", "Fake Media Server"])
      for (const text of [table.out, json.out]) {
        assert.notMatch(text, /FAKEtoken/)
        assert.notInclude(text, "accessToken")
      }
      ok(connect)
      assert.strictEqual(connect.out, `${server.mediaServers[0]!.uri}\n`)
      failed(unknown, 2, /no single resource is called "Nowhere"/)
    }).pipe(Effect.provide(PlexTvServer.layer({ accounts, mediaServers: [{ local: true }] }))))

  it.live("home lists the members; switch asks for the Home PIN (PLEX_HOME_PIN) and keeps the member's token", () =>
    Effect.gen(function*() {
      const home = tempDir()
      const owner = { PLEX_TOKEN: OWNER_TOKEN }
      const [list, noPin, wrongPin] = yield* Effect.all([
        run(["home"], home, owner),
        run(["home", "switch", "Kid Profile"], home, owner),
        run(["home", "switch", "kid profile"], home, { ...owner, PLEX_HOME_PIN: "1111" })
      ], { concurrency: 2 })
      ok(list)
      assert.match(list.out, /^NAME +UUID +ADMIN +RESTRICTED +PIN\n/)
      assert.match(list.out, /\nKid Profile +1e1e1e1e1e1e1e1e +no +yes +yes\n/)
      failed(noPin, 2, /PLEX_HOME_PIN is not set/)
      failed(wrongPin, 3, /PlexHomePinRequiredError/)
      assert.isFalse(Fs.existsSync(credentialFile(home)))
      const switched = yield* run(["home", "switch", "Kid Profile"], home, { ...owner, PLEX_HOME_PIN: "2580" })
      ok(switched)
      assert.match(switched.out, /^switched to Kid Profile: Kid Profile, account 10000002\n$/)
      assert.deepStrictEqual(stored(home).account?.id, 10000002)
      assert.notInclude(switched.out + switched.err, "2580")
      const whoami = yield* run(["whoami"], home) // the stored credential now: the member's
      assert.match(whoami.out, /account 10000002/)
    }).pipe(Effect.provide(PlexTvServer.layer({ accounts }))))

  it.live("device register turns a stored classic token into a Plex JWT of a new key; rotate replaces the key; a JWT about to expire is refreshed", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      const home = tempDir()
      ok(yield* run(["login", "--password"], home, ownerLogin))
      const classic = stored(home).token
      const register = yield* run(["device", "register"], home)
      ok(register)
      const [, kid] =
        /^device key (\S+) registered; the stored credential is a Plex JWT valid until /.exec(register.out) ??
          assert.fail(register.out)
      const afterRegister = stored(home)
      assert.strictEqual(afterRegister.kind, "jwt")
      assert.notStrictEqual(afterRegister.token, classic)
      assert.strictEqual((yield* fake.state).jwt.deviceKeys[kid!]?.accountId, 10000001)
      const rotate = yield* run(["device", "rotate"], home)
      ok(rotate)
      const [, newKid] = /^device key (\S+) rotated in; /.exec(rotate.out) ?? assert.fail(rotate.out)
      assert.notStrictEqual(newKid, kid)
      assert.strictEqual((yield* fake.state).jwt.deviceKeys[newKid!]?.accountId, 10000001)
      const afterRotate = stored(home)
      assert.notStrictEqual(afterRotate.token, afterRegister.token)
      // a stored Plex JWT about to expire is refreshed with the device key before use, and kept
      const file = credentialFile(home)
      Fs.writeFileSync(file, JSON.stringify({ ...afterRotate, expiresAt: Date.now() + 30_000 }))
      const whoami = yield* run(["whoami"], home)
      assert.match(whoami.out, /^fake-owner </)
      const refreshed = stored(home)
      assert.notStrictEqual(refreshed.token, afterRotate.token)
      assert.isAbove(refreshed.expiresAt!, Date.now() + 86_400_000)
      assert.strictEqual(Fs.statSync(file).mode & 0o777, 0o600)
      assert.strictEqual((yield* fake.token(signedPart(refreshed.token)))?.kind, "jwt")
    }).pipe(Effect.provide(PlexTvServer.layer({ accounts }))))

  it.live("a stored credential that is a link or readable by others exits 7, naming the file; none at all exits 2 and makes no file", () =>
    Effect.gen(function*() {
      const linked = tempDir()
      const file = credentialFile(linked)
      Fs.mkdirSync(Path.dirname(file), { recursive: true })
      Fs.symlinkSync(Path.join(linked, "elsewhere"), file)
      const loose = tempDir()
      const looseFile = credentialFile(loose)
      Fs.mkdirSync(Path.dirname(looseFile), { recursive: true })
      Fs.writeFileSync(looseFile, JSON.stringify({ kind: "token", token: OWNER_TOKEN }), { mode: 0o644 })
      Fs.chmodSync(looseFile, 0o644)
      const fresh = tempDir()
      const [a, b, c] = yield* Effect.all([run(["whoami"], linked), run(["whoami"], loose), run(["whoami"], fresh)], {
        concurrency: 2
      })
      failed(c, 2, /not signed in/)
      assert.deepStrictEqual(Fs.readdirSync(fresh), []) // not signed in: no identifier or key was made
      failed(a, 7, new RegExp(`${file} is a symbolic link`))
      failed(b, 7, new RegExp(`${looseFile} has mode 0644, so group or others can read it: run chmod 600`))
      assert.notInclude(a.err + b.err, OWNER_TOKEN)
      assert.isFalse((yield* requests).some((entry) => entry.path === "/api/v2/user"))
    }).pipe(Effect.provide(PlexTvServer.layer({ accounts }))))

  it.live("a locked-out address (1031) and a 429 exit 5 with a message that says to wait", () =>
    Effect.gen(function*() {
      const wrong = yield* run(["login", "--password"], tempDir(), { ...ownerLogin, PLEX_PASSWORD: "nope" })
      failed(wrong, 3, /InvalidCredentials/)
      const locked = yield* run(["login", "--password"], tempDir(), ownerLogin)
      failed(locked, 5, /Throttled.*plex\.tv blocks sign-ins from this address after too many failed attempts: wait/)
      const fake = yield* PlexTvFake
      yield* fake.faults({ next: [{ fault: { _tag: "Status", status: 429, retryAfter: 7 } }] })
      const limited = yield* run(["login", "--password"], tempDir(), ownerLogin) // a sign-in is never retried
      failed(
        limited,
        5,
        /PlexRateLimitError: .*retry after 7s .*plex\.tv asks to slow down \(429\): wait, then try again/
      )
    }).pipe(Effect.provide(PlexTvServer.layer({ accounts, settings: { lockoutThreshold: 1 } }))))

  it.live("Ctrl-C while a PIN waits: exit 130, and plex.tv sees no more polling", () =>
    Effect.gen(function*() {
      const child = yield* start(["login"], tempDir())
      yield* Effect.promise(() => child.line(/^PIN (\S+): open /))
      const polls = Effect.map(requests, (log) => log.filter((e) => /^\/api\/v2\/pins\/\d+$/.test(e.path)).length)
      while ((yield* polls) < 1) yield* Effect.sleep("100 millis") // it is polling
      child.process.kill("SIGINT")
      const { code } = yield* Effect.promise(() => child.exited)
      assert.strictEqual(code, 130, child.stderr())
      assert.match(child.stderr(), /^plex-auth: interrupted\n$/)
      const after = yield* polls
      yield* Effect.sleep("3 seconds") // longer than the polling interval
      assert.strictEqual(yield* polls, after)
    }).pipe(Effect.provide(PlexTvServer.layer({ accounts }))))
})
