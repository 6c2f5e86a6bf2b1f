/**
 * Runs every example program the way a user would, as its own Node process against the local fake
 * plex.tv, and checks that it succeeds, prints what it promises and never prints a secret.
 *
 * Every `*.ts` at the root of `examples/` (not `*.test.ts`, not `*.config.ts`) is run, so a new
 * example is covered as soon as it exists. The key lines an example must print are listed below.
 */
import { afterAll, assert, describe, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import { createRequire } from "node:module"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const examplesDir = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const root = Path.resolve(examplesDir, "..")
const tsx = pathToFileURL(createRequire(Path.join(root, "package.json")).resolve("tsx")).href

const examples = Fs.readdirSync(examplesDir)
  .filter((file) => file.endsWith(".ts") && !/\.(test|config|d)\.ts$/.test(file))
  .sort()

/** What each example must print (in this order) against the local fake plex.tv. */
const expected: Readonly<Record<string, ReadonlyArray<string | RegExp>>> = {
  "sign-in.ts": [
    /Signing in to the local fake plex\.tv at http:\/\/127\.0\.0\.1:\d+ as fake-owner/,
    "Signed in as fake-owner <owner@example.invalid>",
    "subscription: Lifetime Plex Pass (plan lifetime)",
    "token:        <redacted>",
    "PlexUnauthorizedError, reason InvalidCredentials"
  ],
  "token-details.ts": [
    /from the local fake plex\.tv at http:\/\/127\.0\.0\.1:\d+/,
    "username:     fake-owner",
    "e-mail:       owner@example.invalid",
    "subscription: Lifetime Plex Pass, active (status Active, plan lifetime)",
    "Plex Home:    member, admin, 2 of 15 users",
    "token:        <redacted>",
    "PlexUnauthorizedError, reason InvalidToken",
    "my token:                 valid, belongs to fake-owner",
    "an invalid token:         dead: discard it",
    /plex\.tv unreachable: +unknown \(PlexTransportError: .*\): keep it/
  ],
  "custom-endpoint.ts": [
    "roles of fake-owner: plexpass",
    "pong: true",
    "devices: NotServedHere (HTTP 404)"
  ],
  "pin-login.ts": [
    /Linking with a PIN on the local fake plex\.tv at http:\/\/127\.0\.0\.1:\d+/,
    /PIN code: +[a-z0-9]{25}\n/,
    /expires at: .* \(in 1800 s\)/,
    /https:\/\/app\.plex\.tv\/auth#\?clientID=[^&\s]+&code=[a-z0-9]{25}/,
    "&context%5Bdevice%5D%5Bproduct%5D=effect-plex%20example",
    "Waiting for the approval",
    "the simulated user approves the PIN for fake-owner",
    "Linked to fake-owner <owner@example.invalid>",
    "account id: 10000001",
    "token:      <redacted>"
  ],
  "pin-jwt-login.ts": [
    /Linking a device key with a PIN on the local fake plex\.tv at http:\/\/127\.0\.0\.1:\d+/,
    /PIN code: +[a-z0-9]{25}\n/,
    /expires at: .* \(in 1800 s\)/,
    /https:\/\/app\.plex\.tv\/auth#\?clientID=[^&\s]+&code=[a-z0-9]{25}/,
    "Waiting for the approval",
    "the simulated user approves the PIN for fake-owner",
    /Linked: Plex JWT valid until \d{4}-\d{2}-\d{2}T/,
    "It belongs to fake-owner <owner@example.invalid>",
    "token: <redacted>",
    /Next start: the kept key [0-9a-f]{16}… refreshes for fake-owner/
  ],
  "two-factor.ts": [
    "as fake-2fa",
    "PlexUnauthorizedError, reason VerificationRequired",
    "PlexUnauthorizedError, reason InvalidVerificationCode",
    "signed in as fake-2fa, two-factor on, token <redacted>"
  ],
  "retry-timeout.ts": [
    "per-attempt timeout 3s, automatic retries 0",
    "first call:  fake-owner after 1 attempt(s)",
    /attempt 1: PlexRateLimitError: rate limited by 127\.0\.0\.1:\d+, retry after 1s, will retry/,
    /second call: fake-owner after [2-9] attempt\(s\)/,
    /attempt 1: PlexUnauthorizedError: 127\.0\.0\.1:\d+ refused the request: InvalidToken/,
    "outcome: refused (InvalidToken): sign in again",
    /outcome: gave up after \d+ attempt\(s\): the overall budget ran out/
  ],
  "resources.ts": [
    /Resources of the local fake plex\.tv at http:\/\/127\.0\.0\.1:\d+/,
    "Fake Server (owned, Plex Media Server 1.40.0.7998)",
    "best connection: https://192-168-1-10.0123456789abcdef0123456789abcdef.plex.direct:32400 (local, https)",
    "access token:    <redacted>",
    "Friend's Server (shared by fake-friend, Plex Media Server 1.32.5.7349)",
    "best connection: https://198-51-100-7.0123456789abcdef0123456789abcdef.plex.direct:32400 (remote, https)",
    "Fake Player (Plex for Android (TV); provides client,player,pubsub-player)"
  ],
  "connect.ts": [
    "Fake Media Server (owned): 6 connection(s)",
    /chose #4 http:\/\/127\.0\.0\.1:\d+ \(remote, http\)/,
    "identity: fakemediaserver000000000000000000000000001, Plex Media Server 1.41.0.8992-e7c2e7d2d",
    "GET /identity through its client: HTTP 200",
    "PlexConnectError: no connection of Fake Media Server answered: #0 (local, http) Timeout; " +
    "#1 (remote, http) Refused; #2 (remote, http) WrongMachine; #3 (remote, https) Tls"
  ],
  "telemetry.ts": [
    "Spans go to the console (set OTEL_EXPORTER_OTLP_ENDPOINT for a collector)",
    "name: 'POST /api/v2/users/signin'",
    "'http.response.status_code': 201",
    "signed in as fake-owner",
    "'plex.error.code': 1029",
    "fake-2fa without its code: PlexUnauthorizedError, VerificationRequired",
    "name: 'PlexPinAuth.checkPin'",
    "PIN login linked to fake-owner",
    /PlexAuth\.signIn PlexUnauthorizedError +calls 1 +mean \d+ +max \d+/,
    /PlexAuth\.signIn success +calls 1/,
    /PlexPinAuth\.createPin success +calls 1/
  ],
  "home-switch.ts": [
    /Home users on the local fake plex\.tv at http:\/\/127\.0\.0\.1:\d+/,
    /fake-owner +fake-owner +admin, no Home PIN/,
    /Kid Profile +- +managed \(older_kid\), Home PIN set/,
    "Switching to Kid Profile with its Home PIN",
    "Switched to Kid Profile (account id 10000002), token <redacted>",
    "The new token acts as: Kid Profile, managed user: yes",
    "PlexHomePinRequiredError: a valid Home PIN is required to switch to this user (HTTP 403, code 1041)"
  ]
}

/** Secrets of the local fake plex.tv that no output may contain: tokens, passwords, the managed user's Home PIN. */
const secrets = [
  /FAKEtoken\w*/i,
  /FAKEsignin\w*/i,
  /owner-password/i,
  /twofactor-password/i,
  /\b2580\b/,
  /eyJ[\w-]{8,}\.eyJ[\w-]{8,}/ // a JWT: a Plex JWT or a device JWT
]

/** The output with every secret blanked, for failure messages. */
const redact = (text: string) =>
  secrets.reduce((out, secret) => out.replace(new RegExp(secret.source, "gi"), "<secret>"), text)

/** Where `line` occurs in `text`: the offset just past it, or -1. */
const endOf = (text: string, line: string | RegExp): number => {
  if (typeof line === "string") {
    const index = text.indexOf(line)
    return index < 0 ? -1 : index + line.length
  }
  const match = line.exec(text)
  return match === null ? -1 : match.index + match[0].length
}

/** The environment without any PLEX_* variable, so nothing talks to the real plex.tv. */
const childEnv = (configHome: string): NodeJS.ProcessEnv => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toUpperCase().startsWith("PLEX_"))),
  XDG_CONFIG_HOME: configHome,
  NO_COLOR: "1"
})

interface Run {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** Per program; generous, for a loaded machine (alone, each takes 2–4 s). */
const TIMEOUT_MS = 120_000 // a tsx start-up took 40 s on a heavily loaded 2-core machine

const configHomes: Array<string> = []
afterAll(() => configHomes.forEach((dir) => Fs.rmSync(dir, { recursive: true, force: true })))

const run = (file: string, extraEnv: Readonly<Record<string, string>> = {}): Promise<Run> =>
  new Promise((resolve, reject) => {
    const configHome = Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-plex-example-"))
    configHomes.push(configHome)
    const child = spawn(
      process.execPath,
      ["--conditions=@effect-plex/source", "--import", tsx, Path.join(examplesDir, file)],
      {
        cwd: root,
        env: { ...childEnv(configHome), ...extraEnv },
        stdio: ["ignore", "pipe", "pipe"],
        timeout: TIMEOUT_MS
      }
    )
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
    child.on("error", reject)
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }))
  })

describe("examples", () => {
  it("every example with expectations exists", () => {
    for (const file of Object.keys(expected)) assert.include(examples, file)
  })

  it("pin-login.ts with PLEX_PIN_WEAK=1: a 4-character code to enter at plex.tv/link, no app URL", async () => {
    const { code, stderr, stdout } = await run("pin-login.ts", { PLEX_PIN_WEAK: "1" })
    const output = redact(`${stdout}\n${stderr}`)
    assert.strictEqual(code, 0, output)
    assert.match(stdout, /PIN code: +[A-Z0-9]{4}\n/, output)
    assert.match(stdout, /Go to https:\/\/plex\.tv\/link and enter the code [A-Z0-9]{4}\n/, output)
    assert.notInclude(stdout, "app.plex.tv", output) // a short code is typed at the link page
    assert.include(stdout, "Linked to fake-owner <owner@example.invalid>", output)
  }, TIMEOUT_MS + 5_000)

  // concurrent: the programs run side by side, each in its own process
  describe.concurrent("run against the local fake plex.tv", () => {
    it.each(examples)("%s", async (file) => {
      const { code, signal, stderr, stdout } = await run(file)
      const output = redact(`${stdout}\n${stderr}`)
      assert.strictEqual(signal, null, `${file} was killed (${signal}), after ${TIMEOUT_MS} ms?\n${output}`)
      assert.strictEqual(code, 0, `${file} exited with ${code}\n${output}`)

      let from = 0 // the lines must come in this order
      for (const line of expected[file] ?? []) {
        const end = endOf(stdout.slice(from), line)
        assert.isAtLeast(end, 0, `${file} did not print ${String(line)} (in order)\n${output}`)
        from += end
      }

      for (const secret of secrets) {
        assert.notMatch(`${stdout}\n${stderr}`, secret, `${file} printed a secret (${secret.source})`)
      }
    }, TIMEOUT_MS + 5_000)
  })
})
