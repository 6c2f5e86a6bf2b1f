/** What a route of the fake plex.tv is, and the helpers every route shares. */
import type { FakeAccount, FakeRequest, FakeResponse, FakeToken, PlexTvState } from "./types.js"
import { apiErrors, errorResponse, revokedResponse } from "./bodies.js"

export interface RouteContext {
  /** Unix millis. */
  readonly now: number
  /** Never empty: requests without one were answered 400/1000 before any route. */
  readonly clientIdentifier: string
  /** From the `X-Plex-Token` header, or the query. */
  readonly token: string | undefined
  readonly query: URLSearchParams
  /** The `:name` parts of the route's path. */
  readonly params: Readonly<Record<string, string>>
  /** What the front door worked out asynchronously before the model ran (e.g. a JWT signature check). */
  readonly facts: Readonly<Record<string, unknown>>
}

export type Answer = readonly [FakeResponse, PlexTvState]

export type Handler = (state: PlexTvState, request: FakeRequest, context: RouteContext) => Answer

export interface Route {
  readonly method: "GET" | "POST" | "PUT" | "DELETE"
  /** Such as `/api/v2/pins/:id`. */
  readonly path: string
  readonly handler: Handler
}

/** Matches a path against a route pattern; the `:name` segments come back as params. */
export const matchPath = (pattern: string, path: string): Record<string, string> | undefined => {
  const want = pattern.split("/")
  const got = path.replace(/\/+$/, "").split("/")
  if (want.length !== got.length) return undefined
  const params: Record<string, string> = {}
  for (let i = 0; i < want.length; i++) {
    const segment = want[i]!
    if (segment.startsWith(":")) {
      if (got[i] === "") return undefined
      params[segment.slice(1)] = decodeURIComponent(got[i]!)
    } else if (segment !== got[i]) {
      return undefined
    }
  }
  return params
}

export type Authenticated = { readonly account: FakeAccount; readonly token: string; readonly record: FakeToken }

/**
 * The account behind the request's token, or the answer plex.tv gives instead: 401/1001 for a
 * missing, unknown or signed-out token, 422 "Invalid token" for a revoked one, 498 for an expired
 * Plex JWT.
 */
export const authenticate = (
  state: PlexTvState,
  request: FakeRequest,
  context: RouteContext
): Authenticated | FakeResponse => {
  const token = context.token
  const key = token === undefined ? undefined : tokenKey(token)
  const record = key === undefined ? undefined : state.tokens[key]
  if (token === undefined || key === undefined || record === undefined || record.state === "signedOut") {
    return errorResponse(request, 401, [apiErrors.unauthenticated])
  }
  // a Plex JWT counts only with a signature the front door verified against the fake's keys
  if (record.kind === "jwt" && context.facts[plexJwtFact] !== "valid") {
    return errorResponse(request, 401, [apiErrors.unauthenticated])
  }
  if (record.state === "revoked") return revokedResponse(state)
  if (record.expiresAt !== undefined && record.expiresAt <= context.now) {
    return errorResponse(request, 498, [{ code: 1001, message: "Token expired", status: 498 }])
  }
  const account = state.accounts.find((a) => a.id === record.accountId)
  if (account === undefined) return errorResponse(request, 401, [apiErrors.unauthenticated])
  return { account, token: key, record }
}

/** The fact the front door sets after checking the signature of a Plex JWT sent as a token. */
export const plexJwtFact = "jwt.plexJwt"

/**
 * Where the fake keeps a token: a classic token as itself, a Plex JWT by its signed part
 * (`header.payload`), since the fake signs it after the model issued it.
 */
export const tokenKey = (token: string): string => {
  const parts = token.split(".")
  return parts.length === 3 ? `${parts[0]}.${parts[1]}` : token
}

export const isResponse = (u: Authenticated | FakeResponse): u is FakeResponse => "status" in u
