/**
 * `plex-auth` in a real terminal: each run happens in a tmux pane (a pseudo-terminal, as a user's
 * shell gives it), keys are typed into it and the screen is read back. The password prompt hides
 * what is typed, the two-factor prompt comes when plex.tv asks (1029) and again after a wrong code
 * (1028), `token` refuses a terminal, and a PIN login shows a QR code and a spinner that Ctrl-C
 * stops along with the polling. Needs tmux (`scripts/ci/tmux.sh`).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as ChildProcess from "node:child_process"
import * as Path from "node:path"
import { promisify } from "node:util"
import { FakeAccount, PlexTvFake } from "@effect-plex/core/testing"
import { PlexTvServer } from "@effect-plex/node/testing"
import { repoRoot } from "./support.js"
import { tempDirs } from "../../../test-support/tempDirs.js"

const execFile = promisify(ChildProcess.execFile)
const tempDir = tempDirs("plex-auth-tty-")
const accounts = [FakeAccount.owner, FakeAccount.twoFactor]

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

interface Pane {
  /** The screen as it is now (plain text, the pane's scrollback included). */
  readonly screen: () => Promise<string>
  /** Waits until the screen matches (60 seconds at most), and returns it. */
  readonly waitFor: (pattern: RegExp) => Promise<string>
  /** Types `keys` (tmux key names: "Enter", "C-c"; `literal` text as it is). */
  readonly type: (text: string, ...keys: ReadonlyArray<string>) => Promise<void>
  readonly keys: (...keys: ReadonlyArray<string>) => Promise<void>
}

/**
 * `plex-auth args` in a new tmux server of its own (closed with the scope), 200x80, with only the
 * given variables; `[exit N]` shows on the screen when it ends.
 */
const inTerminal = (
  args: ReadonlyArray<string>,
  env: Record<string, string>
): Effect.Effect<Pane, never, Scope.Scope | PlexTvServer> =>
  Effect.gen(function*() {
    const server = yield* PlexTvServer
    const socket = Path.join(tempDir(), "tmux.sock")
    const tmux = (...tmuxArgs: ReadonlyArray<string>) =>
      execFile("tmux", ["-S", socket, ...tmuxArgs], { encoding: "utf8" }).then((r) => r.stdout)
    const variables = {
      PATH: process.env.PATH ?? "",
      HOME: tempDir(),
      TERM: "xterm-256color",
      XDG_CONFIG_HOME: tempDir(),
      PLEX_BASE_URL: server.baseUrl,
      PLEX_TIMEOUT: "20 seconds",
      ...env
    }
    const command = [
      "trap 'echo' INT;", // the shell outlives a Ctrl-C, to print the exit code
      "env -i",
      ...Object.entries(variables).map(([k, v]) => `${k}=${quote(v)}`),
      quote(process.execPath),
      "--conditions=@effect-plex/source --import tsx packages/node/src/bin/plex-auth.ts",
      ...args.map(quote),
      "; echo \"[exit $?]\"; sleep 600"
    ].join(" ")
    yield* Effect.acquireRelease(
      Effect.promise(() => tmux("new-session", "-d", "-s", "t", "-x", "200", "-y", "80", "-c", repoRoot, command)),
      () => Effect.promise(() => tmux("kill-server").catch(() => ""))
    )
    const screen = () => tmux("capture-pane", "-p", "-J", "-S", "-200", "-t", "t")
    const waitFor = async (pattern: RegExp) => {
      const until = Date.now() + 60_000
      for (;;) {
        const text = await screen()
        if (pattern.test(text)) return text
        if (Date.now() > until) throw new Error(`not on the screen: ${pattern}\n${text}`)
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
    }
    return {
      screen,
      waitFor,
      type: async (text, ...keys) => {
        await tmux("send-keys", "-t", "t", "-l", text)
        if (keys.length > 0) await tmux("send-keys", "-t", "t", ...keys)
      },
      keys: async (...keys) => {
        await tmux("send-keys", "-t", "t", ...keys)
      }
    }
  })

const promise = <A>(f: () => Promise<A>) => Effect.promise(f)

describe("plex-auth in a terminal", { timeout: 240_000 }, () => {
  it.scopedLive("login --password asks for the login, the password (hidden) and the two-factor code, again after a wrong one", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      const pane = yield* inTerminal(["login", "--password"], {})
      yield* promise(() => pane.waitFor(/Plex username or e-mail/))
      yield* promise(() => pane.type("fake-2fa", "Enter"))
      yield* promise(() => pane.waitFor(/Password/))
      yield* promise(() => pane.type("twofactor-password", "Enter"))
      yield* promise(() => pane.waitFor(/Two-factor code \(6 digits/))
      yield* promise(() => pane.type("654321", "Enter"))
      yield* promise(() => pane.waitFor(/That code was wrong or expired/))
      yield* promise(() => pane.type("123456", "Enter"))
      const screen = yield* promise(() => pane.waitFor(/\[exit \d+\]/))
      assert.match(screen, /signed in: fake-2fa /, screen)
      assert.match(screen, /\[exit 0\]/, screen)
      for (const secret of ["twofactor-password", "123456", "654321"]) assert.notInclude(screen, secret, screen)
      const signIns = (yield* fake.requests).filter((entry) => entry.path === "/api/v2/users/signin")
      assert.deepStrictEqual(signIns.map((entry) => entry.status), [401, 401, 201]) // 1029, 1028, then signed in
    }).pipe(Effect.provide(PlexTvServer.layer({ accounts }))))

  it.scopedLive("Ctrl-C at the password prompt cancels: exit 130, nothing sent", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      const pane = yield* inTerminal(["login", "--password"], { PLEX_LOGIN: "fake-owner" })
      yield* promise(() => pane.waitFor(/Password/))
      yield* promise(() => pane.type("owner-pass"))
      yield* promise(() => pane.keys("C-c"))
      const screen = yield* promise(() => pane.waitFor(/\[exit \d+\]/))
      assert.match(screen, /plex-auth: cancelled\n/, screen)
      assert.match(screen, /\[exit 130\]/, screen)
      assert.notInclude(screen, "owner-pass", screen)
      assert.isFalse((yield* fake.requests).some((entry) => entry.path === "/api/v2/users/signin"))
    }).pipe(Effect.provide(PlexTvServer.layer({ accounts }))))

  it.scopedLive("token refuses to print to a terminal without --show", () =>
    Effect.gen(function*() {
      const token = FakeAccount.owner.tokens[0]!
      const refused = yield* inTerminal(["token"], { PLEX_TOKEN: token })
      const screen = yield* promise(() => refused.waitFor(/\[exit \d+\]/))
      assert.match(screen, /plex-auth: not printing the token to a terminal: pipe it .*or add --show/)
      assert.match(screen, /\[exit 2\]/)
      assert.notInclude(screen, token)
      const shown = yield* inTerminal(["token", "--show"], { PLEX_TOKEN: token })
      const shownScreen = yield* promise(() => shown.waitFor(/\[exit \d+\]/))
      assert.match(shownScreen, new RegExp(`${token}\\n\\[exit 0\\]`))
    }).pipe(Effect.provide(PlexTvServer.layer({ accounts }))))

  it.scopedLive("login shows the app URL, its QR code and a spinner; Ctrl-C stops the waiting and the polling", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      const pane = yield* inTerminal(["login"], {})
      const shown = yield* promise(() => pane.waitFor(/waiting for the PIN to be linked \(Ctrl-C to cancel\)/))
      assert.match(shown, /PIN \S+: open https:\/\/app\.plex\.tv\/auth#\?/)
      assert.match(shown, /[▀▄█]{10}/) // the QR code's half blocks
      const polls = Effect.map(fake.requests, (log) => log.filter((e) => /^\/api\/v2\/pins\/\d+$/.test(e.path)).length)
      while ((yield* polls) < 1) yield* Effect.sleep("100 millis")
      yield* promise(() => pane.keys("C-c"))
      const screen = yield* promise(() => pane.waitFor(/\[exit \d+\]/))
      assert.match(screen, /plex-auth: interrupted\n/, screen)
      assert.match(screen, /\[exit 130\]/, screen)
      assert.notMatch(screen, /waiting for the PIN/, screen) // the spinner's line is cleared
      const after = yield* polls
      yield* Effect.sleep("3 seconds")
      assert.strictEqual(yield* polls, after)
    }).pipe(Effect.provide(PlexTvServer.layer({ accounts }))))
})
