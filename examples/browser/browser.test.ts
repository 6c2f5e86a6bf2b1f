/**
 * The "Sign in with Plex" page in real headless Chromium (Debian's `chromium`, driven by
 * playwright-core) against the fake plex.tv over HTTP, on another origin (so CORS is real): click,
 * the popup opens the auth-app URL on the fake, the test approves the PIN through the fake's
 * `PUT /api/v2/pins/link`, the page shows the account. The token is never in a URL the browser
 * loaded, in `localStorage` / `sessionStorage` / cookies, in the page's HTML, or on the console.
 *
 * Without /usr/bin/chromium the test is skipped with a message saying so (run
 * scripts/ci/chromium.sh); under CI it fails instead. `UPDATE_SCREENSHOT=1` rewrites
 * docs/browser-sign-in.png.
 */
import { PlexTvServer } from "@effect-plex/node/testing"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { type BrowserContext, chromium, type Page } from "playwright-core"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { accounts, owner } from "../../test-support/accounts.js"
import { findSecrets } from "../../test-support/secretScan.js"
import { type SignInPage, startSignInPage } from "./server.js"

const CHROMIUM = "/usr/bin/chromium"
const hasChromium = Fs.existsSync(CHROMIUM)
const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../..")

if (!hasChromium) {
  const message = `browser test SKIPPED: no Chromium at ${CHROMIUM} (install it with scripts/ci/chromium.sh)`
  console.warn(message)
  if (process.env.CI) throw new Error(`${message}: CI must run it`)
  // the reason, in the test report too
  it.skip(message, () => undefined)
}

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync"
]

/** The user approves: the fake's test route, with the account's token, as plex.tv's own page would. */
const approve = async (plexBaseUrl: string, code: string) =>
  (await fetch(`${plexBaseUrl}/api/v2/pins/link`, {
    method: "PUT",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-plex-token": owner.token,
      "x-plex-client-identifier": "browser-test-approver",
      "x-plex-product": "Plex SSO"
    },
    body: new URLSearchParams({ code }).toString()
  })).status

/** The auth-app URL's parameters (after `#?`). */
const authParams = (url: string) => new URLSearchParams(new URL(url).hash.replace(/^#\??/, ""))

/** Where the token must never be: every URL requested, storage, cookies, the page's HTML, the console. */
const assertNoToken = async (
  browser: BrowserContext,
  tab: Page,
  urls: ReadonlyArray<string>,
  consoleLines: ReadonlyArray<string>
) => {
  const seen = await tab.evaluate(() => ({
    local: Object.entries(localStorage),
    session: Object.entries(sessionStorage),
    cookies: document.cookie,
    url: location.href,
    html: document.documentElement.outerHTML
  }))
  const places: Record<string, string> = {
    "page URL": tab.url(),
    "location.href": seen.url,
    "every URL the browser requested": urls.join("\n"),
    localStorage: JSON.stringify(seen.local),
    sessionStorage: JSON.stringify(seen.session),
    "document.cookie": seen.cookies,
    "browser cookies": JSON.stringify(await browser.cookies()),
    "page HTML": seen.html,
    console: consoleLines.join("\n")
  }
  for (const [where, text] of Object.entries(places)) {
    assert.deepStrictEqual(findSecrets(text), [], `a token in ${where}`)
  }
  return seen
}

describe.skipIf(!hasChromium)("Sign in with Plex in headless Chromium", () => {
  const runtime = ManagedRuntime.make(PlexTvServer.layer({ accounts }).pipe(Layer.orDie))
  let plexBaseUrl = ""
  let page: SignInPage | undefined
  let context: BrowserContext | undefined
  let userDataDir = ""

  beforeAll(async () => {
    plexBaseUrl = (await runtime.runPromise(PlexTvServer)).baseUrl
    page = await startSignInPage({ plexBaseUrl, authAppUrl: `${plexBaseUrl}/auth` })
    userDataDir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-plex-chromium-"))
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: { width: 720, height: 560 },
      timeout: 60_000
    })
  }, 90_000)

  afterAll(async () => {
    await context?.close()
    await page?.close()
    await runtime.dispose()
    if (userDataDir !== "") Fs.rmSync(userDataDir, { recursive: true, force: true })
  }, 60_000)

  it("creates a PIN, opens the auth page in a popup, polls, shows the account; the token stays in memory", async () => {
    const browser = context!
    const consoleLines: Array<string> = []
    const urls: Array<string> = []
    browser.on("console", (message) => consoleLines.push(`${message.type()}: ${message.text()}`))
    browser.on("weberror", (error) => consoleLines.push(`pageerror: ${error.error().message}`))
    browser.on("request", (request) => urls.push(request.url()))

    const tab = browser.pages()[0] ?? await browser.newPage()
    await tab.goto(page!.url)
    await tab.waitForSelector("body[data-ready=true]", { timeout: 30_000 })

    const [popup] = await Promise.all([
      browser.waitForEvent("page", { timeout: 30_000 }),
      tab.click("#sign-in")
    ])
    // the popup is pointed at the auth-app URL once the PIN exists
    await popup.waitForURL((url) => url.pathname === "/auth", { timeout: 30_000 })
    const authUrl = new URL(popup.url())
    assert.strictEqual(authUrl.origin, plexBaseUrl, "the auth-app URL is on the fake's base URL")
    const params = authParams(popup.url())
    const code = params.get("code") ?? ""
    assert.match(code, /^[a-z0-9]{25}$/)
    assert.strictEqual(params.get("context[device][product]"), "effect-plex sign-in page")
    const clientID = params.get("clientID") ?? ""
    assert.notStrictEqual(clientID, "")
    assert.include(await tab.textContent("#status"), "Approve the app")

    assert.strictEqual(await approve(plexBaseUrl, code), 204)

    await tab.waitForSelector("#account-title:has-text('Signed in as fake-owner')", { timeout: 30_000 })
    assert.strictEqual(await tab.textContent("#account-email"), owner.email)
    assert.strictEqual(await tab.textContent("#account-token"), "<redacted>")
    assert.strictEqual(await tab.textContent("#account-plan"), "active (lifetime)")
    await popup.waitForEvent("close", { timeout: 10_000 }).catch(() => undefined)
    assert.isTrue(popup.isClosed(), "the popup is closed once approved")

    const storage = await assertNoToken(browser, tab, urls, consoleLines)
    // the only thing kept: the client identifier, which the auth-app URL carried too
    assert.deepStrictEqual(storage.local, [["effect-plex-example.clientIdentifier", clientID]])
    assert.deepStrictEqual(storage.session, [])
    assert.deepStrictEqual(consoleLines.filter((line) => /^(error|pageerror)/.test(line)), [])
    // the calls went to the fake, cross-origin: the CORS preflight passed
    assert.isTrue(urls.some((url) => url.startsWith(`${plexBaseUrl}/api/v2/pins/`)))
    assert.isTrue(urls.every((url) => url.startsWith("http://127.0.0.1:") || url === "about:blank"), urls.join("\n"))

    const screenshot = process.env.UPDATE_SCREENSHOT
      ? Path.join(root, "docs", "browser-sign-in.png")
      : Path.join(userDataDir, "browser-sign-in.png")
    await tab.screenshot({ path: screenshot })
    assert.isAbove(Fs.statSync(screenshot).size, 1000)
  }, 120_000)

  it(
    "the redirect flow (?flow=redirect, or a blocked popup): to the auth page with a forwardUrl, back, the account",
    async () => {
      const browser = context!
      const consoleLines: Array<string> = []
      const urls: Array<string> = []
      const tab = await browser.newPage()
      tab.on("console", (message) => consoleLines.push(`${message.type()}: ${message.text()}`))
      tab.on("pageerror", (error) => consoleLines.push(`pageerror: ${error.message}`))
      tab.on("request", (request) => urls.push(request.url()))
      await tab.goto(`${page!.url}?flow=redirect`)
      await tab.waitForSelector("body[data-ready=true]", { timeout: 30_000 })
      await tab.click("#sign-in")
      await tab.waitForURL((url) => url.pathname === "/auth", { timeout: 30_000 })
      assert.strictEqual(new URL(tab.url()).origin, plexBaseUrl)
      const params = authParams(tab.url())
      assert.strictEqual(params.get("forwardUrl"), page!.url)
      assert.strictEqual(await approve(plexBaseUrl, params.get("code") ?? ""), 204)

      // app.plex.tv forwards once approved; the fake's stand-in page links back
      await tab.click("#forward")
      await tab.waitForSelector("#account-title:has-text('Signed in as fake-owner')", { timeout: 30_000 })
      assert.strictEqual(tab.url(), page!.url)
      const storage = await assertNoToken(browser, tab, urls, consoleLines)
      assert.deepStrictEqual(storage.session, [], "the pending PIN is forgotten once back")
      assert.deepStrictEqual(consoleLines.filter((line) => /^(error|pageerror)/.test(line)), [])
      await tab.close()
    },
    120_000
  )

  it("a plex.tv that does not allow the page's origin: the browser refuses the answer, the page says so", async () => {
    const refusing = ManagedRuntime.make(
      PlexTvServer.layer({ accounts, cors: { origins: ["http://127.0.0.1:1"] } }).pipe(Layer.orDie)
    )
    try {
      const baseUrl = (await refusing.runPromise(PlexTvServer)).baseUrl
      const other = await startSignInPage({ plexBaseUrl: baseUrl, authAppUrl: `${baseUrl}/auth` })
      try {
        const tab = await context!.newPage()
        await tab.goto(other.url)
        await tab.waitForSelector("body[data-ready=true]", { timeout: 30_000 })
        await tab.click("#sign-in")
        await tab.waitForSelector("#status.error", { timeout: 30_000 })
        // fetch fails without a CORS header: a transport error, typed, with a safe message
        assert.match(await tab.textContent("#status") ?? "", /^PlexTransportError: /)
        assert.strictEqual(await tab.isVisible("#account"), false)
        await tab.close()
      } finally {
        await other.close()
      }
    } finally {
      await refusing.dispose()
    }
  }, 120_000)
})
