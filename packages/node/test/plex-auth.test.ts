import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { FakeAccount, FakeFault, PlexTvFake } from "@effect-plex/core/testing"
import { PlexTvServer } from "@effect-plex/node/testing"
import { closedPort, repoRoot, spawnNode } from "./support.js"

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
        PLEX_TIMEOUT: "20 seconds",
        ...env
      })
      const { code } = await child.exited
      return { code, out: child.stdout(), err: child.stderr() }
    }))

const secrets = [OWNER_TOKEN, "owner-password", "twofactor-password", "FAKEsignin"]
const assertNoSecret = (text: string) => {
  for (const secret of secrets) assert.notInclude(text, secret)
}

interface Result {
  readonly code: number | null
  readonly out: string
  readonly err: string
}

/** A failure as documented: the exit code, exactly one line on stderr, no stack trace, no secret. */
const assertFailure = (result: Result, code: number, pattern: RegExp) => {
  const context = JSON.stringify(result)
  assert.strictEqual(result.code, code, context)
  assert.match(result.err, /^plex-auth: [^\n]+\n$/, context)
  assert.match(result.err, pattern, context)
  assert.notMatch(result.err + result.out, /\n\s+at /, context)
  assert.notMatch(result.err, /[\u0000-\u0009\u000b-\u001f\u007f]/, context)
  assertNoSecret(result.out + result.err)
}

/** The requests the fake has seen to `path`. */
const requestsTo = (path: string) =>
  Effect.flatMap(PlexTvFake, (fake) => fake.requests).pipe(
    Effect.map((log) => log.filter((entry) => entry.path === path).length)
  )

// each run starts node and loads the workspace from source: seconds each on a loaded 2-core machine
describe("plex-auth", { timeout: 240_000 }, () => {
  it.live("login --password prints the account, never the token, and --save writes it to a 0600 file", () =>
    Effect.gen(function*() {
      const file = Path.join(Fs.mkdtempSync(Path.join(Os.tmpdir(), "plex-auth-")), "token")
      const result = yield* run(["login", "--password", "--save", file], {
        PLEX_LOGIN: "fake-owner",
        PLEX_PASSWORD: "owner-password"
      })
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

  it.live("a wrong password exits 3; a missing, malformed or wrong verification code exits 4", () =>
    Effect.gen(function*() {
      const twoFactor = { PLEX_LOGIN: "fake-2fa", PLEX_PASSWORD: "twofactor-password" }
      const [wrong, missing, wrongCode, malformed, withCode] = yield* Effect.all([
        run(["login", "--password"], { PLEX_LOGIN: "fake-owner", PLEX_PASSWORD: "nope" }),
        run(["login", "--password"], twoFactor),
        run(["login", "--password"], { ...twoFactor, PLEX_VERIFICATION_CODE: "000000" }),
        run(["login", "--password"], { ...twoFactor, PLEX_VERIFICATION_CODE: "12ab" }),
        run(["login", "--password"], { ...twoFactor, PLEX_VERIFICATION_CODE: "123456" })
      ], { concurrency: 2 })
      assertFailure(wrong, 3, /PlexUnauthorizedError: .*InvalidCredentials.*check PLEX_LOGIN and PLEX_PASSWORD/)
      assertFailure(missing, 4, /VerificationRequired.*set PLEX_VERIFICATION_CODE/)
      assertFailure(wrongCode, 4, /InvalidVerificationCode/)
      assertFailure(malformed, 4, /PLEX_VERIFICATION_CODE must be the 6 digits.*nothing was sent/)
      assert.strictEqual(withCode.code, 0, withCode.err)
      assertNoSecret(withCode.out + withCode.err)
      // the malformed code never reached plex.tv: 4 sign-ins, not 5
      assert.strictEqual(yield* requestsTo("/api/v2/users/signin"), 4)
    }).pipe(Effect.provide(PlexTvServer.layer({ accounts }))))

  it.live("a missing or empty variable is named (never <redacted>), exits 2, and nothing is sent", () =>
    Effect.gen(function*() {
      const results = yield* Effect.all([
        run(["login", "--password"], { PLEX_LOGIN: "fake-owner" }),
        run(["login", "--password"], { PLEX_LOGIN: "", PLEX_PASSWORD: "owner-password" }),
        run(["login", "--password"], { PLEX_LOGIN: "   ", PLEX_PASSWORD: "owner-password" }),
        run(["logout"], { PLEX_TOKEN: "" })
      ], { concurrency: 2 })
      const expected = [
        /PLEX_PASSWORD is not set/,
        /PLEX_LOGIN is not set \(or empty\)/,
        /PLEX_LOGIN: login must not be empty/,
        /PLEX_TOKEN is not set \(or empty\)/
      ]
      results.forEach((result, i) => {
        assertFailure(result, 2, expected[i]!)
        assert.notInclude(result.err, "redacted")
      })
      assert.deepStrictEqual(yield* Effect.flatMap(PlexTvFake, (fake) => fake.requests), [])
    }).pipe(Effect.provide(PlexTvServer.layer({ accounts }))))

  it.live("a bad base URL or PLEX_TIMEOUT exits 2; a token HTTP cannot carry exits 2 before anything is sent", () =>
    Effect.gen(function*() {
      const [url, timeout, token] = yield* Effect.all([
        run(["whoami"], { PLEX_TOKEN: OWNER_TOKEN, PLEX_BASE_URL: "not a url" }),
        run(["whoami"], { PLEX_TOKEN: OWNER_TOKEN, PLEX_TIMEOUT: "soon" }),
        run(["whoami"], { PLEX_TOKEN: "FAKE\u0001token" })
      ], { concurrency: 2 })
      assertFailure(url, 2, /configuration: .*baseUrl/)
      assertFailure(timeout, 2, /configuration: .*PLEX_TIMEOUT/)
      assertFailure(token, 2, /PlexInvalidInputError: invalid token/)
      assert.deepStrictEqual(yield* Effect.flatMap(PlexTvFake, (fake) => fake.requests), [])
    }).pipe(Effect.provide(PlexTvServer.layer({ accounts }))))

  it.live("rate limiting exits 5; a server error or no server at all exits 6", () =>
    Effect.gen(function*() {
      const signin = { PLEX_LOGIN: "fake-owner", PLEX_PASSWORD: "owner-password" }
      const limited = yield* run(["login", "--password"], signin)
      const failing = yield* run(["login", "--password"], signin)
      const port = yield* closedPort
      const unreachable = yield* run(["ping"], { PLEX_TOKEN: OWNER_TOKEN, PLEX_BASE_URL: `http://127.0.0.1:${port}` })
      assertFailure(limited, 5, /PlexRateLimitError/)
      assertFailure(failing, 6, /PlexHttpError: .*503.*check PLEX_BASE_URL/)
      assertFailure(unreachable, 6, /PlexTransportError/)
    }).pipe(Effect.provide(PlexTvServer.layer({
      accounts,
      faults: {
        next: [
          { fault: { _tag: "Status", status: 429, retryAfter: 1 } },
          { fault: { _tag: "HtmlErrorPage", status: 503 } }
        ]
      }
    }))))

  it.live("text from plex.tv is printed without escape sequences or control characters", () =>
    Effect.gen(function*() {
      const result = yield* run(["whoami"], { PLEX_TOKEN: "FAKEtokenEscapes0001" })
      assert.strictEqual(result.code, 0, result.err)
      assert.strictEqual(result.out, "evilname <evil@example.invalid>, account 20000001, Plex Pass\n")
    }).pipe(Effect.provide(PlexTvServer.layer({
      accounts: [FakeAccount.make({
        id: 20000001,
        username: "\u001b[31mevil\u001b[0m\u0007\u001b]0;owned\u0007\r\nname\u202e",
        email: "evil\u001b[2J\u001b[H@example.invalid",
        tokens: ["FAKEtokenEscapes0001"]
      })]
    }))))

  it.live("a stored client identifier that cannot be used exits 7, naming the file", () =>
    Effect.gen(function*() {
      const xdg = Fs.mkdtempSync(Path.join(Os.tmpdir(), "plex-auth-"))
      const file = Path.join(xdg, "effect-plex", "plex-auth-test", "client-identifier") // the namespace of PLEX_PRODUCT
      Fs.mkdirSync(Path.dirname(file), { recursive: true })
      Fs.symlinkSync(Path.join(xdg, "missing"), file)
      const result = yield* run(["whoami"], { PLEX_TOKEN: OWNER_TOKEN, XDG_CONFIG_HOME: xdg })
      assertFailure(result, 7, new RegExp(`${file} is a symbolic link \\(to a missing file\\)`))
      assert.isTrue(Fs.lstatSync(file).isSymbolicLink())
      assert.deepStrictEqual(yield* Effect.flatMap(PlexTvFake, (fake) => fake.requests), [])
    }).pipe(Effect.provide(PlexTvServer.layer({ accounts }))))

  it.live("whoami, ping and logout use PLEX_TOKEN; after logout the token is refused", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      const [token] = yield* fake.state.pipe(Effect.map((state) => Object.keys(state.tokens)))
      assert.strictEqual(token, OWNER_TOKEN)
      assert.strictEqual((yield* run(["ping"], { PLEX_TOKEN: OWNER_TOKEN })).out.trim(), "alive")
      assert.strictEqual((yield* run(["logout"], { PLEX_TOKEN: OWNER_TOKEN })).out.trim(), "signed out")
      const after = yield* run(["whoami"], { PLEX_TOKEN: OWNER_TOKEN })
      assertFailure(after, 3, /PlexUnauthorizedError: .*InvalidToken/)
    }).pipe(Effect.provide(PlexTvServer.layer({ accounts }))))

  it.live("login links a device key (PIN + JWT), waits until the PIN is linked, saves the Plex JWT and keeps the key", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      const server = yield* PlexTvServer
      const file = Path.join(Fs.mkdtempSync(Path.join(Os.tmpdir(), "plex-auth-")), "token")
      const configHome = Fs.mkdtempSync(Path.join(Os.tmpdir(), "plex-auth-"))
      const child = spawnNode(script, ["login", "--save", file], {
        PATH: process.env.PATH,
        XDG_CONFIG_HOME: configHome,
        PLEX_BASE_URL: server.baseUrl
      })
      const [, code] = yield* Effect.promise(() => child.line(/^PIN (\S+): open https:\/\/app\.plex\.tv\/auth#\?/))
      const pin = Object.values((yield* fake.state).pins.pins).find((p) => p.code === code)
      assert.isDefined(pin?.jwk, "the PIN was created with the device's public key")
      yield* fake.linkPin(code!, "fake-owner")
      const { code: exit } = yield* Effect.promise(() => child.exited)
      assert.strictEqual(exit, 0, child.stderr())
      assert.match(child.stdout(), /linked: fake-owner/)
      // what --save keeps is the Plex JWT (the fake knows it by its signed part, header.payload)
      const saved = Fs.readFileSync(file, "utf8").trim().split(".")
      assert.lengthOf(saved, 3)
      const record = yield* fake.token(`${saved[0]}.${saved[1]}`)
      assert.strictEqual(record?.kind, "jwt")
      assert.strictEqual(record?.accountId, 10000001)
      // the device key is kept next to the client identifier, registered for the account
      const keyFile = Path.join(configHome, "effect-plex", "effect-plex", "device-key.json") // the default product's namespace
      assert.strictEqual(Fs.statSync(keyFile).mode & 0o777, 0o600)
      const kid = (JSON.parse(Fs.readFileSync(keyFile, "utf8")) as { kid: string }).kid
      assert.strictEqual((yield* fake.state).jwt.deviceKeys[kid]?.accountId, 10000001)
      assertNoSecret(child.stdout() + child.stderr())
    }).pipe(Effect.provide(PlexTvServer.layer({ accounts }))))

  it.live("a 401 that is not plex.tv's answer (a captive portal's page) exits 6, not 3: the token is not called dead", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      yield* fake.faults({ next: [{ fault: FakeFault.htmlErrorPage(401), times: 10 }] })
      const result = yield* run(["whoami"], { PLEX_TOKEN: OWNER_TOKEN })
      assertFailure(result, 6, /UnrecognizedAnswer .*not plex\.tv's/)
    }).pipe(Effect.provide(PlexTvServer.layer({ accounts }))))

  it.live("login prints the app URL for a strong PIN and, with --short, the 4-character code for plex.tv/link", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      const server = yield* PlexTvServer
      const env = {
        PATH: process.env.PATH,
        XDG_CONFIG_HOME: Fs.mkdtempSync(Path.join(Os.tmpdir(), "plex-auth-")),
        PLEX_BASE_URL: server.baseUrl
      }
      const short = spawnNode(script, ["login", "--short"], env)
      const [line, code] = yield* Effect.promise(() => short.line(/^PIN (\S+): enter it at https:\/\/plex\.tv\/link$/))
      assert.match(code!, /^[A-Z0-9]{4}$/)
      assert.notInclude(line!, "app.plex.tv") // a short code is typed at the link page, not approved by URL
      yield* fake.linkPin(code!, "fake-owner")
      const { code: exit } = yield* Effect.promise(() => short.exited)
      assert.strictEqual(exit, 0, short.stderr())
      assert.match(short.stdout(), /linked: fake-owner/)

      const strong = spawnNode(script, ["login"], {
        ...env,
        XDG_CONFIG_HOME: Fs.mkdtempSync(Path.join(Os.tmpdir(), "plex-auth-"))
      })
      const [strongLine, strongCode] = yield* Effect.promise(() =>
        strong.line(/^PIN (\S+): open https:\/\/app\.plex\.tv\/auth#\?/)
      )
      assert.match(strongCode!, /^[a-z0-9]{25}$/)
      assert.notInclude(strongLine!, "plex.tv/link") // plex.tv/link takes only 4-character codes
      yield* fake.linkPin(strongCode!, "fake-owner")
      assert.strictEqual((yield* Effect.promise(() => strong.exited)).code, 0, strong.stderr())
    }).pipe(Effect.provide(PlexTvServer.layer({ accounts }))))

  it.live("usage errors are one line and exit 2; --help and --version exit 0", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [ReadonlyArray<string>, RegExp]> = [
        [[], /no command given \(see plex-auth --help\)/],
        [["frobnicate"], /Invalid subcommand for plex-auth - use one of 'login', .*\(see plex-auth --help\)/],
        [["--frobnicate"], /Invalid subcommand for plex-auth/],
        [["whoami", "-x"], /unknown argument: '-x'/],
        [["login", "--save"], /unknown argument: '--save'/],
        [["login", "--password", "--save", ""], /--save needs a file name/],
        [["whoami", "extra"], /unknown argument: 'extra'/],
        [["whoami", "--save", "token"], /unknown argument: '--save'/],
        [["login", "--password", "--short"], /--short applies only to PIN login/],
        [["\u001b[2Jwho"], /Invalid subcommand/],
        [["--wizard"], /--wizard needs a terminal/] // stdin is not one: it would wait for ever
      ]
      const results = yield* Effect.all(cases.map(([args]) => run(args, {})), { concurrency: 2 })
      results.forEach((result, i) => assertFailure(result, 2, cases[i]![1]))
      const [help, version] = yield* Effect.all([run(["--help"], {}), run(["login", "--version"], {})])
      assert.strictEqual(help.code, 0)
      assert.match(help.out, /USAGE\n\n\$ plex-auth/)
      for (const command of ["login", "whoami", "token", "ping", "logout", "resources", "home", "device"]) {
        assert.match(help.out, new RegExp(`\\n  - ${command}\\b`), command)
      }
      assert.match(
        help.out,
        /EXIT CODES\n[^]*\n  0  done\n  1  unexpected[^]*\n  7  a local file[^]*\n130  interrupted/
      )
      assert.notMatch(help.out, /\u001b/) // no colour when stdout is not a terminal
      assert.strictEqual(help.err, "")
      const pkgFile = Path.join(repoRoot, "packages/node/package.json")
      const pkg = JSON.parse(Fs.readFileSync(pkgFile, "utf8")) as { version: string }
      assert.strictEqual(version.code, 0)
      assert.strictEqual(version.out, `${pkg.version}\n`)
      assert.deepStrictEqual(yield* Effect.flatMap(PlexTvFake, (fake) => fake.requests), [])
    }).pipe(Effect.provide(PlexTvServer.layer({ accounts }))))
})
