/**
 * The behaviour of the fake plex.tv as plain data and pure functions: a state, and
 * `handle(state, request, now)` that answers one request and returns the next state. Both front
 * doors use it: `PlexTvFake` (in memory, `@effect-plex/core/testing`) and `PlexTvServer` (HTTP on
 * 127.0.0.1, `@effect-plex/node/testing`), so they answer alike.
 *
 * @since 0.1.0
 */
import type { FakeAccount } from "./FakeAccount.js"

/**
 * A request as the model sees it: header names in lower case, the body as text.
 *
 * @since 0.1.0
 * @category testing
 * @example
 * import type { FakeRequest } from "@effect-plex/core/testing"
 *
 * const request: FakeRequest = {
 *   method: "GET",
 *   url: "/api/v2/user",
 *   headers: { "x-plex-client-identifier": "test", "x-plex-token": "FAKEtokenOwner000001", accept: "application/json" },
 *   body: ""
 * }
 * console.log(request.url)
 */
export interface FakeRequest {
  readonly method: string
  /** Path and query, such as `/api/v2/pins/1?strong=true`. */
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/**
 * The model's answer.
 *
 * @since 0.1.0
 * @category testing
 * @example
 * import type { FakeResponse } from "@effect-plex/core/testing"
 *
 * const response: FakeResponse = { status: 204, headers: {}, body: "" }
 * console.log(response.status)
 */
export interface FakeResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/**
 * The knobs of the fake, for the places where real plex.tv is undocumented or unsure.
 *
 * @since 0.1.0
 * @category testing
 * @example
 * import { PlexTvModel } from "@effect-plex/core/testing"
 *
 * const settings = { ...PlexTvModel.defaultSettings, lockoutThreshold: 3, rateLimit: undefined }
 * console.log(settings.lockoutThreshold)
 */
export interface PlexTvSettings {
  /** Consecutive failed sign-ins before every sign-in answers 401/1031 (real number unknown). */
  readonly lockoutThreshold: number
  /** How long the 1031 lock lasts. */
  readonly lockoutMillis: number
  /** Requests per route and window before 429/1003; `undefined` turns the limiter off. */
  readonly rateLimit:
    | {
      readonly limit: number
      readonly windowMillis: number
      /** Seconds sent as `Retry-After`; `undefined` sends none (as in the only real 429s seen). */
      readonly retryAfterSeconds?: number | undefined
    }
    | undefined
  /** A revoked token answers 422 with this body: XML as observed, or a JSON `errors` list. */
  readonly revokedTokenBody: "xml" | "json"
  /** How XML bodies write booleans (`1`/`0` or `true`/`false`: open in the API reference). */
  readonly xmlBooleans: "numeric" | "words"
  /** How many requests the log keeps (the newest). */
  readonly logLimit: number
}

/**
 * What the fake knows about a token.
 *
 * @since 0.1.0
 * @category testing
 * @example
 * import type { FakeToken } from "@effect-plex/core/testing"
 *
 * const describe = (token: FakeToken) => `${token.accountId} via ${token.clientIdentifier}: ${token.state}`
 * console.log(describe)
 */
export interface FakeToken {
  readonly accountId: number
  /** The client identifier that obtained it: one device entry on the account. */
  readonly clientIdentifier: string
  readonly state: "active" | "revoked" | "signedOut"
}

/**
 * One request the fake answered. The token itself is not kept, only where it was sent.
 *
 * @since 0.1.0
 * @category testing
 * @example
 * import type { FakeLogEntry } from "@effect-plex/core/testing"
 *
 * const inUrl = (entries: ReadonlyArray<FakeLogEntry>) => entries.some((entry) => entry.tokenIn === "query")
 * console.log(inUrl([]))
 */
export interface FakeLogEntry {
  readonly at: number
  readonly method: string
  readonly path: string
  readonly status: number
  readonly clientIdentifier: string | undefined
  readonly tokenIn: "header" | "query" | "none"
  readonly accept: string | undefined
}

/**
 * The whole state of the fake plex.tv.
 *
 * @since 0.1.0
 * @category testing
 * @example
 * import { FakeAccount, PlexTvModel } from "@effect-plex/core/testing"
 *
 * const state = PlexTvModel.make({ accounts: [FakeAccount.owner] })
 * console.log(Object.keys(state.tokens)) // ["FAKEtokenOwner000001"]
 */
export interface PlexTvState {
  readonly settings: PlexTvSettings
  readonly accounts: ReadonlyArray<FakeAccount>
  readonly tokens: Readonly<Record<string, FakeToken>>
  readonly lockout: { readonly failures: number; readonly lockedUntil: number }
  /** Every sign-in request that reached the route, whatever its answer. */
  readonly signInAttempts: number
  readonly issued: number
  readonly windows: Readonly<Record<string, { readonly start: number; readonly count: number }>>
  readonly log: ReadonlyArray<FakeLogEntry>
}

/**
 * The options of {@link PlexTvModel.make}.
 *
 * @since 0.1.0
 * @category testing
 * @example
 * import type { PlexTvOptions } from "@effect-plex/core/testing"
 * import { FakeAccount } from "@effect-plex/core/testing"
 *
 * const options: PlexTvOptions = { accounts: [FakeAccount.owner], settings: { rateLimit: undefined } }
 * console.log(options.accounts.length)
 */
export interface PlexTvOptions {
  readonly accounts: ReadonlyArray<FakeAccount>
  readonly settings?: Partial<PlexTvSettings> | undefined
}

const defaultSettings: PlexTvSettings = {
  lockoutThreshold: 5,
  lockoutMillis: 15 * 60 * 1000,
  rateLimit: { limit: 100, windowMillis: 1000, retryAfterSeconds: 1 },
  revokedTokenBody: "xml",
  xmlBooleans: "numeric",
  logLimit: 1000
}

const PRESET_CLIENT = "preset"

// ---------------------------------------------------------------------------------------------
// bodies

interface ApiError {
  readonly code: number
  readonly message: string
  readonly status?: number | undefined
}

const escapeXml = (value: string): string =>
  value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&apos;" })[c]!)

const wantsJson = (request: FakeRequest) => (request.headers.accept ?? "").toLowerCase().includes("application/json")

const jsonType = "application/json; charset=utf-8"
const xmlType = "text/xml; charset=utf-8"

const singular: Record<string, string> = {
  entitlements: "entitlement",
  roles: "role",
  features: "feature",
  subscriptions: "subscription",
  pastSubscriptions: "subscription",
  services: "service",
  providers: "provider",
  settings: "setting",
  trials: "trial",
  defaultAudioLanguages: "language",
  defaultSubtitleLanguages: "language",
  mediaReviewsLanguages: "language"
}

/** Scalars as attributes, objects as child elements, lists as `<xs><x id="…"/></xs>`. */
const toXml = (name: string, value: Readonly<Record<string, unknown>>, settings: PlexTvSettings): string => {
  const attrs: Array<string> = []
  const children: Array<string> = []
  for (const [key, member] of Object.entries(value)) {
    if (member === null || member === undefined) continue
    if (Array.isArray(member)) {
      const item = singular[key] ?? "item"
      const items = member.map((entry) =>
        typeof entry === "object" && entry !== null
          ? toXml(item, entry as Record<string, unknown>, settings)
          : `<${item} id="${escapeXml(String(entry))}"/>`
      )
      children.push(`<${key}>${items.join("")}</${key}>`)
    } else if (typeof member === "object") {
      children.push(toXml(key, member as Record<string, unknown>, settings))
    } else if (typeof member === "boolean") {
      attrs.push(`${key}="${settings.xmlBooleans === "numeric" ? (member ? "1" : "0") : String(member)}"`)
    } else {
      attrs.push(`${key}="${escapeXml(String(member))}"`)
    }
  }
  const open = `<${name}${attrs.length > 0 ? " " + attrs.join(" ") : ""}`
  return children.length === 0 ? `${open}/>` : `${open}>${children.join("")}</${name}>`
}

const xmlDocument = (body: string) => `<?xml version="1.0" encoding="UTF-8"?>\n${body}`

const ok = (
  request: FakeRequest,
  status: number,
  element: string,
  value: Readonly<Record<string, unknown>>,
  settings: PlexTvSettings
): FakeResponse =>
  wantsJson(request)
    ? { status, headers: { "content-type": jsonType }, body: JSON.stringify(value) }
    : { status, headers: { "content-type": xmlType }, body: xmlDocument(toXml(element, value, settings)) }

const errorResponse = (
  request: FakeRequest,
  status: number,
  errors: ReadonlyArray<ApiError>,
  headers: Readonly<Record<string, string>> = {}
): FakeResponse =>
  wantsJson(request)
    ? { status, headers: { ...headers, "content-type": jsonType }, body: JSON.stringify({ errors }) }
    : {
      status,
      headers: { ...headers, "content-type": xmlType },
      body: xmlDocument(
        `<errors>${
          errors.map((e) =>
            `<error code="${e.code}" message="${escapeXml(e.message)}"${
              e.status === undefined ? "" : ` status="${e.status}"`
            }/>`
          ).join("")
        }</errors>`
      )
    }

const errors = {
  missingClient: { code: 1000, message: "X-Plex-Client-Identifier is missing", status: 400 },
  badRequest: { code: 1004, message: "Bad request: login and password are required", status: 400 },
  unauthenticated: { code: 1001, message: "User could not be authenticated", status: 401 },
  notFound: { code: 1002, message: "Not found", status: 404 },
  rateLimited: { code: 1003, message: "API rate limit exceeded", status: 429 },
  invalidCode: { code: 1028, message: "Invalid verification code", status: 401 },
  codeRequired: { code: 1029, message: "Please enter the verification code", status: 401 },
  throttled: { code: 1031, message: "Too many failed attempts, try again later", status: 401 }
} satisfies Record<string, ApiError>

const revokedResponse = (state: PlexTvState): FakeResponse =>
  state.settings.revokedTokenBody === "xml"
    ? { status: 422, headers: { "content-type": xmlType }, body: xmlDocument("<errors><error>Invalid token</error></errors>") }
    : {
      status: 422,
      headers: { "content-type": jsonType },
      body: JSON.stringify({ errors: [{ code: 422, message: "Invalid token", status: 422 }] })
    }

// ---------------------------------------------------------------------------------------------
// state helpers

const findAccount = (state: PlexTvState, login: string): FakeAccount | undefined => {
  const wanted = login.toLowerCase()
  return state.accounts.find((account) =>
    account.password !== undefined &&
    (account.username.toLowerCase() === wanted || account.email.toLowerCase() === wanted)
  )
}

/** The account object as plex.tv sends it, with `authToken` set to the token that asked. */
const userBody = (account: FakeAccount, token: string): Record<string, unknown> => ({
  ...account.payload,
  id: account.id,
  uuid: account.uuid,
  username: account.username,
  email: account.email,
  authToken: token
})

const issueToken = (
  state: PlexTvState,
  accountId: number,
  clientIdentifier: string
): readonly [token: string, state: PlexTvState] => {
  const existing = Object.entries(state.tokens).find(([, record]) =>
    record.accountId === accountId && record.clientIdentifier === clientIdentifier && record.state === "active"
  )
  if (existing !== undefined) return [existing[0], state]
  const issued = state.issued + 1
  const token = `FAKEsignin${String(issued).padStart(10, "0")}`
  return [token, {
    ...state,
    issued,
    tokens: { ...state.tokens, [token]: { accountId, clientIdentifier, state: "active" } }
  }]
}

const setTokenState = (state: PlexTvState, token: string, tokenState: FakeToken["state"]): PlexTvState => {
  const record = state.tokens[token]
  return record === undefined ? state : { ...state, tokens: { ...state.tokens, [token]: { ...record, state: tokenState } } }
}

const tokenOf = (request: FakeRequest, query: URLSearchParams): { value: string | undefined; in: FakeLogEntry["tokenIn"] } => {
  const header = request.headers["x-plex-token"]
  if (header !== undefined && header !== "") return { value: header, in: "header" }
  const param = query.get("X-Plex-Token")
  if (param !== null && param !== "") return { value: param, in: "query" }
  return { value: undefined, in: "none" }
}

// ---------------------------------------------------------------------------------------------
// routes

type Route = (
  state: PlexTvState,
  request: FakeRequest,
  context: { readonly now: number; readonly clientIdentifier: string; readonly token: string | undefined }
) => readonly [FakeResponse, PlexTvState]

const signIn: Route = (state0, request, { clientIdentifier, now }) => {
  const state = { ...state0, signInAttempts: state0.signInAttempts + 1 }
  const form = new URLSearchParams(request.body)
  const login = form.get("login")
  const password = form.get("password")
  if (login === null || login === "" || password === null || password === "") {
    return [errorResponse(request, 400, [errors.badRequest]), state]
  }
  if (state.lockout.lockedUntil > now) return [errorResponse(request, 401, [errors.throttled]), state]
  const fail = (error: ApiError): readonly [FakeResponse, PlexTvState] => {
    const failures = state.lockout.failures + 1
    const locked = failures >= state.settings.lockoutThreshold
    return [errorResponse(request, 401, [error]), {
      ...state,
      lockout: { failures: locked ? 0 : failures, lockedUntil: locked ? now + state.settings.lockoutMillis : 0 }
    }]
  }
  const account = findAccount(state, login)
  if (account === undefined || account.password !== password) return fail(errors.unauthenticated)
  if (account.verificationCode !== undefined) {
    const code = form.get("verificationCode")
    if (code === null || code === "") return [errorResponse(request, 401, [errors.codeRequired]), state]
    if (code !== account.verificationCode) return fail(errors.invalidCode)
  }
  const [token, issued] = issueToken({ ...state, lockout: { failures: 0, lockedUntil: 0 } }, account.id, clientIdentifier)
  return [ok(request, 201, "user", userBody(account, token), state.settings), issued]
}

const currentUser: Route = (state, request, { token }) => {
  const record = token === undefined ? undefined : state.tokens[token]
  if (token === undefined || record === undefined || record.state === "signedOut") {
    return [errorResponse(request, 401, [errors.unauthenticated]), state]
  }
  if (record.state === "revoked") return [revokedResponse(state), state]
  const account = state.accounts.find((a) => a.id === record.accountId)
  if (account === undefined) return [errorResponse(request, 401, [errors.unauthenticated]), state]
  return [ok(request, 200, "user", userBody(account, token), state.settings), state]
}

const routes: Record<string, Route> = {
  "POST /api/v2/users/signin": signIn,
  "GET /api/v2/user": currentUser
}

const rateLimit = (
  state: PlexTvState,
  route: string,
  now: number
): readonly [limited: boolean, retryAfter: number | undefined, state: PlexTvState] => {
  const limit = state.settings.rateLimit
  if (limit === undefined) return [false, undefined, state]
  const window = state.windows[route]
  const current = window === undefined || now - window.start >= limit.windowMillis
    ? { start: now, count: 1 }
    : { start: window.start, count: window.count + 1 }
  return [current.count > limit.limit, limit.retryAfterSeconds, {
    ...state,
    windows: { ...state.windows, [route]: current }
  }]
}

const record = (state: PlexTvState, entry: FakeLogEntry): PlexTvState => {
  const limit = state.settings.logLimit
  if (limit <= 0) return state
  const log = state.log.length >= limit ? state.log.slice(state.log.length - limit + 1) : state.log
  return { ...state, log: [...log, entry] }
}

const dispatch = (state: PlexTvState, request: FakeRequest, now: number): readonly [FakeResponse, PlexTvState] => {
  const url = new URL(request.url, "http://plex.invalid")
  const clientIdentifier = request.headers["x-plex-client-identifier"]
  const token = tokenOf(request, url.searchParams)
  if (url.pathname.startsWith("/api/v2/") && (clientIdentifier === undefined || clientIdentifier === "")) {
    return [errorResponse(request, 400, [errors.missingClient]), state]
  }
  const key = `${request.method.toUpperCase()} ${url.pathname.replace(/\/+$/, "")}`
  const route = routes[key]
  if (route === undefined) return [errorResponse(request, 404, [errors.notFound]), state]
  const [limited, retryAfter, counted] = rateLimit(state, key, now)
  if (limited) {
    const headers: Record<string, string> = retryAfter === undefined ? {} : { "retry-after": String(retryAfter) }
    return [errorResponse(request, 429, [errors.rateLimited], headers), counted]
  }
  return route(counted, request, { now, clientIdentifier: clientIdentifier ?? "", token: token.value })
}

/**
 * The fake plex.tv's model.
 *
 * @since 0.1.0
 * @category testing
 * @example
 * import { FakeAccount, PlexTvModel } from "@effect-plex/core/testing"
 *
 * const state = PlexTvModel.make({ accounts: [FakeAccount.owner] })
 * const [response] = PlexTvModel.handle(state, {
 *   method: "GET",
 *   url: "/api/v2/user",
 *   headers: { "x-plex-client-identifier": "test", "x-plex-token": "FAKEtokenOwner000001", accept: "application/json" },
 *   body: ""
 * }, Date.now())
 * console.log(response.status) // 200
 */
export const PlexTvModel = {
  /** The settings used where none are given. */
  defaultSettings,

  /** A fresh state: the accounts, their preset tokens, nothing logged. */
  make: (options: PlexTvOptions): PlexTvState => {
    const tokens: Record<string, FakeToken> = {}
    for (const account of options.accounts) {
      for (const token of account.tokens) {
        tokens[token] = { accountId: account.id, clientIdentifier: PRESET_CLIENT, state: "active" }
      }
    }
    return {
      settings: { ...defaultSettings, ...options.settings },
      accounts: options.accounts,
      tokens,
      lockout: { failures: 0, lockedUntil: 0 },
      signInAttempts: 0,
      issued: 0,
      windows: {},
      log: []
    }
  },

  /** Answers one request at time `now` (Unix millis) and returns the next state. */
  handle: (state: PlexTvState, request: FakeRequest, now: number): readonly [FakeResponse, PlexTvState] => {
    const [response, next] = dispatch(state, request, now)
    const url = new URL(request.url, "http://plex.invalid")
    return [response, record(next, {
      at: now,
      method: request.method.toUpperCase(),
      path: url.pathname,
      status: response.status,
      clientIdentifier: request.headers["x-plex-client-identifier"],
      tokenIn: tokenOf(request, url.searchParams).in,
      accept: request.headers.accept
    })]
  },

  /** Issues (or reuses) the token of an account for a client identifier, as a sign-in would. */
  issueToken,

  /** Marks a token revoked: it then answers 422 "Invalid token". */
  revokeToken: (state: PlexTvState, token: string): PlexTvState => setTokenState(state, token, "revoked"),

  /** Marks a token signed out: it then answers 401/1001. */
  signOutToken: (state: PlexTvState, token: string): PlexTvState => setTokenState(state, token, "signedOut"),

  /** Changes settings. */
  configure: (state: PlexTvState, settings: Partial<PlexTvSettings>): PlexTvState => ({
    ...state,
    settings: { ...state.settings, ...settings }
  }),

  /** The XML form of an account object, as plex.tv sends it without `Accept: application/json`. */
  userXml: (user: Readonly<Record<string, unknown>>, settings: PlexTvSettings = defaultSettings): string =>
    toXml("user", user, settings)
}
