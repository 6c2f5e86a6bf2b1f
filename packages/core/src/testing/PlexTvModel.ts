/**
 * The behaviour of the fake plex.tv as plain data and pure functions: a state, and
 * `handle(state, request, now)` that answers one request and returns the next state. Both front
 * doors use it: `PlexTvFake` (in memory, `@effect-plex/core/testing`) and `PlexTvServer` (HTTP on
 * 127.0.0.1, `@effect-plex/node/testing`), so they answer alike.
 *
 * @since 0.1.0
 */
import { apiErrors, errorResponse, toXml } from "./internal/bodies.js"
import { initialFaults, withFaults } from "./internal/faults.js"
import { matchPath, type Route } from "./internal/route.js"
import { accountRoutes } from "./internal/routes/account.js"
import { homeRoutes, initialHome } from "./internal/routes/home.js"
import { initialJwt, jwtRoutes } from "./internal/routes/jwt.js"
import { initialPins, linkPin, pinRoutes } from "./internal/routes/pins.js"
import { initialResources, resourceRoutes } from "./internal/routes/resources.js"
import { issueToken, setTokenState } from "./internal/tokens.js"
import type {
  FakeFaultPlan,
  FakeLogEntry,
  FakeRequest,
  FakeResponse,
  FakeToken,
  PlexTvOptions,
  PlexTvSettings,
  PlexTvState
} from "./internal/types.js"

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
 *   headers: {
 *     "x-plex-client-identifier": "test",
 *     "x-plex-token": "FAKEtokenOwner000001",
 *     accept: "application/json"
 *   },
 *   body: ""
 * }
 * console.log(request.url)
 */
export type { FakeRequest } from "./internal/types.js"

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
export type { FakeResponse } from "./internal/types.js"

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
export type { PlexTvSettings } from "./internal/types.js"

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
export type { FakeToken } from "./internal/types.js"

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
export type { FakeLogEntry } from "./internal/types.js"

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
export type { PlexTvState } from "./internal/types.js"

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
export type { PlexTvOptions } from "./internal/types.js"

const defaultSettings: PlexTvSettings = {
  lockoutThreshold: 5,
  lockoutMillis: 15 * 60 * 1000,
  rateLimit: { limit: 100, windowMillis: 1000, retryAfterSeconds: 1 },
  revokedTokenBody: "xml",
  xmlBooleans: "numeric",
  logLimit: 1000
}

const PRESET_CLIENT = "preset"

const routes: ReadonlyArray<Route> = [...accountRoutes, ...pinRoutes, ...jwtRoutes, ...resourceRoutes, ...homeRoutes]

const tokenOf = (
  request: FakeRequest,
  query: URLSearchParams
): { value: string | undefined; in: FakeLogEntry["tokenIn"] } => {
  const header = request.headers["x-plex-token"]
  if (header !== undefined && header !== "") return { value: header, in: "header" }
  const param = query.get("X-Plex-Token")
  if (param !== null && param !== "") return { value: param, in: "query" }
  return { value: undefined, in: "none" }
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

const dispatch = (
  state: PlexTvState,
  request: FakeRequest,
  url: URL,
  now: number,
  facts: Readonly<Record<string, unknown>>
): readonly [FakeResponse, PlexTvState] => {
  const clientIdentifier = request.headers["x-plex-client-identifier"]
  if (url.pathname.startsWith("/api/v2/") && (clientIdentifier === undefined || clientIdentifier === "")) {
    return [errorResponse(request, 400, [apiErrors.missingClient]), state]
  }
  const method = request.method.toUpperCase()
  for (const route of routes) {
    if (route.method !== method) continue
    const params = matchPath(route.path, url.pathname)
    if (params === undefined) continue
    const key = `${route.method} ${route.path}`
    const [limited, retryAfter, counted] = rateLimit(state, key, now)
    if (limited) {
      const headers: Record<string, string> = retryAfter === undefined ? {} : { "retry-after": String(retryAfter) }
      return [errorResponse(request, 429, [apiErrors.rateLimited], headers), counted]
    }
    return route.handler(counted, request, {
      now,
      clientIdentifier: clientIdentifier ?? "",
      token: tokenOf(request, url.searchParams).value,
      query: url.searchParams,
      params,
      facts
    })
  }
  return [errorResponse(request, 404, [apiErrors.notFound]), state]
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
 *   headers: {
 *     "x-plex-client-identifier": "test",
 *     "x-plex-token": "FAKEtokenOwner000001",
 *     accept: "application/json"
 *   },
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
        tokens[token] = { accountId: account.id, clientIdentifier: PRESET_CLIENT, state: "active", kind: "classic" }
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
      log: [],
      pins: initialPins(options.pins),
      jwt: initialJwt(options.jwt),
      resources: initialResources(options.resources, options.mediaServers),
      home: initialHome(options.home),
      faults: initialFaults(options.faults)
    }
  },

  /**
   * Answers one request at time `now` (Unix millis) and returns the next state. `facts` carries
   * what the front door worked out asynchronously beforehand (see `PlexTvFake`).
   */
  handle: (
    state: PlexTvState,
    request: FakeRequest,
    now: number,
    facts: Readonly<Record<string, unknown>> = {}
  ): readonly [FakeResponse, PlexTvState] => {
    const url = new URL(request.url, "http://plex.invalid")
    const [response, next, fault] = withFaults(
      state,
      request,
      url.pathname,
      now,
      (current, effective) => dispatch(current, effective, url, now, facts)
    )
    return [
      response,
      record(next, {
        ...(fault === undefined ? {} : { fault }),
        at: now,
        method: request.method.toUpperCase(),
        path: url.pathname,
        status: response.status,
        clientIdentifier: request.headers["x-plex-client-identifier"],
        tokenIn: tokenOf(request, url.searchParams).in,
        accept: request.headers.accept
      })
    ]
  },

  /** Issues (or reuses) the classic token of an account for a client identifier, as a sign-in would. */
  issueToken,

  /**
   * Approves the pending PIN with this code (case-insensitive) for an account at time `now`, as the
   * user would in the browser: the account's classic token for the PIN's client identifier is
   * issued. `false`, and the state unchanged, when no pending PIN has that code or no account that id.
   */
  linkPin: (
    state: PlexTvState,
    code: string,
    accountId: number,
    now: number
  ): readonly [linked: boolean, state: PlexTvState] => linkPin(state, code, accountId, now),

  /** Marks a token revoked: it then answers 422 "Invalid token". */
  revokeToken: (state: PlexTvState, token: string): PlexTvState => setTokenState(state, token, "revoked"),

  /** Marks a token signed out: it then answers 401/1001. */
  signOutToken: (state: PlexTvState, token: string): PlexTvState => setTokenState(state, token, "signedOut"),

  /**
   * Replaces the fault plan: its steps start over, its PRNG restarts from its seed, the count of
   * injected faults from zero.
   */
  setFaults: (state: PlexTvState, plan: FakeFaultPlan): PlexTvState => ({ ...state, faults: initialFaults(plan) }),

  /** Changes settings. */
  configure: (state: PlexTvState, settings: Partial<PlexTvSettings>): PlexTvState => ({
    ...state,
    settings: { ...state.settings, ...settings }
  }),

  /** The XML form of an account object, as plex.tv sends it without `Accept: application/json`. */
  userXml: (user: Readonly<Record<string, unknown>>, settings: PlexTvSettings = defaultSettings): string =>
    toXml("user", user, settings)
}
