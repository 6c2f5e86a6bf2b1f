/**
 * "Sign in with Plex" in the browser, the way web apps (Overseerr, Tautulli, Plex Web) use plex.tv:
 * `@effect-plex/core` over `FetchHttpClient`, bundled with esbuild (see server.ts).
 *
 * On a click: open a popup at once (a popup opened later, after an await, is blocked), create a
 * strong PIN, point the popup at the auth-app URL, poll the PIN until the user approves, close the
 * popup, and show the account. When the browser blocks the popup (or with `?flow=redirect`), the
 * page goes to the auth-app URL itself with a `forwardUrl` back to it, keeping only the PIN's id
 * and expiry in `sessionStorage`; back on the page, it checks the PIN and shows the account.
 *
 * The token stays in this module's memory as a `Redacted`: never in the URL, `localStorage`,
 * `sessionStorage`, a cookie or the console. Only the client identifier (not a secret: plex.tv
 * sees one device per browser) is kept in `localStorage`.
 *
 * The page reads `config.json` from its server: plex.tv's base URL and the auth-app page
 * (`https://plex.tv` and `https://app.plex.tv/auth` in production, the local fake in the tests).
 */
import { PlexAuth, PlexClient, PlexConfig, PlexPinAuth, type PlexUser } from "@effect-plex/core"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"

/** What the page's server says in `config.json`. */
interface PageConfig {
  readonly plexBaseUrl: string
  /** Where `https://app.plex.tv/auth` is: the real page, or a stand-in on the fake plex.tv. */
  readonly authAppUrl: string
  readonly product: string
}

const PLEX_AUTH_APP = "https://app.plex.tv/auth"
const CLIENT_ID_KEY = "effect-plex-example.clientIdentifier"
/** The PIN a redirect is waiting for: its id and expiry only (its code and the token are never kept). */
const PENDING_PIN_KEY = "effect-plex-example.pendingPin"

const element = <E extends HTMLElement>(id: string) => document.getElementById(id) as E
const signInButton = element<HTMLButtonElement>("sign-in")
const signOutButton = element<HTMLButtonElement>("sign-out")
const statusLine = element<HTMLParagraphElement>("status")
const account = element<HTMLElement>("account")

const show = (text: string, isError = false) => {
  statusLine.textContent = text
  statusLine.className = isError ? "error" : ""
}

/** One identifier per browser, as plex.tv expects of an app install (not a secret). */
const clientIdentifier = (): string => {
  const kept = localStorage.getItem(CLIENT_ID_KEY)
  if (kept !== null && kept !== "") return kept
  const made = crypto.randomUUID()
  localStorage.setItem(CLIENT_ID_KEY, made)
  return made
}

const config = (await (await fetch("./config.json")).json()) as PageConfig
element("plex-host").textContent = `plex.tv at ${config.plexBaseUrl}`

/** The plex.tv services over `fetch`, one client (one rate-limit gate) for both. */
const runtime = ManagedRuntime.make(
  Layer.mergeAll(PlexAuth.layerWithoutDependencies, PlexPinAuth.layerWithoutDependencies).pipe(
    Layer.provide(PlexClient.layer),
    Layer.provide(PlexConfig.layer({
      baseUrl: config.plexBaseUrl,
      client: {
        clientIdentifier: clientIdentifier(),
        product: config.product,
        platform: "Web",
        device: "Browser",
        deviceName: "effect-plex sign-in page"
      }
    })),
    Layer.provide(FetchHttpClient.layer)
  )
)

/** The signed-in token: in memory only. */
let token: Option.Option<Redacted.Redacted<string>> = Option.none()

const showAccount = (user: PlexUser) => {
  element("account-title").textContent = `Signed in as ${user.username ?? user.title ?? "(no username)"}`
  element("account-id").textContent = String(user.id)
  element("account-email").textContent = user.email ?? "—"
  const subscription = user.subscription
  element("account-plan").textContent = subscription?.active === true
    ? `active (${subscription.plan ?? "plan unknown"})`
    : "none"
  element("account-token").textContent = String(user.authToken) // <redacted>
  account.style.display = "block"
}

/** The auth-app URL of the PIN, on the configured auth-app page (the fake's stand-in in tests). */
const authAppUrl = (url: string) =>
  url.startsWith(PLEX_AUTH_APP) ? config.authAppUrl + url.slice(PLEX_AUTH_APP.length) : url

const signIn = (popup: Window) =>
  Effect.gen(function*() {
    const pins = yield* PlexPinAuth
    show("Creating a PIN…")
    const pin = yield* pins.createPin()
    popup.location.href = authAppUrl(pins.authAppUrl(pin))
    show("Approve the app in the Plex window…")
    const approved = yield* pins.waitForToken(pin)
    popup.close()
    show("Approved: reading your account…")
    const user = yield* (yield* PlexAuth).getTokenDetails(approved)
    token = Option.some(approved)
    showAccount(user)
    show("")
  }).pipe(
    // a closed popup does not stop the wait: the user may approve on another device
    Effect.ensuring(Effect.sync(() => {
      if (!popup.closed && Option.isNone(token)) popup.close()
    }))
  )

/** The redirect flow: the page itself goes to the auth-app URL, which forwards back here. */
const signInByRedirect = Effect.gen(function*() {
  const pins = yield* PlexPinAuth
  show("Creating a PIN…")
  const pin = yield* pins.createPin()
  sessionStorage.setItem(PENDING_PIN_KEY, JSON.stringify({ id: pin.id, expiresAt: DateTime.formatIso(pin.expiresAt) }))
  const forwardUrl = `${location.origin}${location.pathname}`
  location.assign(authAppUrl(pins.authAppUrl(pin, { forwardUrl })))
})

/** Back from the auth-app page: the PIN is approved by now (plex.tv forwards after the approval); waits if not. */
const returnFromRedirect = (pending: { readonly id: number; readonly expiresAt: string }) =>
  Effect.gen(function*() {
    const pins = yield* PlexPinAuth
    show("Checking the PIN…")
    const approved = yield* pins.waitForToken({ id: pending.id, expiresAt: DateTime.unsafeMake(pending.expiresAt) })
    const user = yield* (yield* PlexAuth).getTokenDetails(approved)
    token = Option.some(approved)
    showAccount(user)
    show("")
  })

const run = (
  effect: Effect.Effect<void, { readonly _tag: string; readonly message: string }, PlexAuth | PlexPinAuth>
) => {
  signInButton.disabled = true
  runtime.runPromiseExit(effect).then((exit) => {
    signInButton.disabled = false
    if (exit._tag === "Failure") {
      const failure = exit.cause._tag === "Fail" ? exit.cause.error : undefined
      // typed errors carry safe messages only (no token, code or URL)
      show(failure === undefined ? "Sign-in stopped." : `${failure._tag}: ${failure.message}`, true)
    } else if (Option.isSome(token)) {
      signInButton.style.display = "none"
    }
  })
}

signInButton.addEventListener("click", () => {
  const popup = new URLSearchParams(location.search).get("flow") === "redirect"
    ? null
    : window.open("about:blank", "plex-auth", "popup,width=600,height=700")
  run(popup === null ? signInByRedirect : signIn(popup))
})

const pending = sessionStorage.getItem(PENDING_PIN_KEY)
if (pending !== null) {
  sessionStorage.removeItem(PENDING_PIN_KEY)
  run(returnFromRedirect(JSON.parse(pending) as { readonly id: number; readonly expiresAt: string }))
}

signOutButton.addEventListener("click", () => {
  if (Option.isNone(token)) return
  const held = token.value
  token = Option.none()
  account.style.display = "none"
  signInButton.style.display = ""
  runtime.runPromiseExit(Effect.flatMap(PlexAuth, (auth) => auth.signOut(held))).then((exit) =>
    show(exit._tag === "Success" ? "Signed out: plex.tv forgot the token." : "Signed out here; plex.tv did not answer.")
  )
})

// for the test: the page is ready once the config is read and the runtime is built
document.body.dataset.ready = "true"
