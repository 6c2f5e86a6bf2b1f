/**
 * JWT device authentication (plex-tv-api.md §2.5), on the same host as the rest of the fake.
 *
 * Choices where the API reference is open: a stale, unknown or reused nonce answers 422 with a
 * message naming the nonce; a wrong `aud`, `iss`, an expired device JWT, an unknown `kid` and a bad
 * signature answer 422; a body that is not a JWT answers 400; registering a key needs a token
 * issued to the same client identifier (403 otherwise): the classic token before the first
 * exchange, the current Plex JWT afterwards (re-registration, key rotation); a `kid` already
 * registered by another client identifier answers 422. Exchange accepts `jwt` (and the rarer
 * `deviceJWT`).
 *
 * Token lifecycle (plex-tv-api.md §2.5, [doc]): the first successful exchange of a device expires
 * its classic tokens (they answer 498 from then on: "your legacy token will expire after this
 * process"); an exchange never looks at the Plex JWT it replaces, so a refresh works after that
 * token expired, as long as the device key is registered.
 */
import type { FakeRequest, FakeResponse, FakeSigningKey, JwtOptions, JwtState, PlexTvState } from "../types.js"
import { decodeJwt } from "../../../internal/jwt.js"
import { errorResponse, json } from "../bodies.js"
import { authenticate, isResponse, plexJwtFact, type Route } from "../route.js"
import { addToken } from "../tokens.js"

/** Fixed Ed25519 keys of the fake plex.tv: test material, never used anywhere else. */
const signingKeys: ReadonlyArray<FakeSigningKey> = [
  {
    kid: "fake-plex-signing-key-1",
    x: "myTi-acbV0RYg98fMQMs2gUJlVVxlSKaGYoPO8Lu0QU",
    d: "9zMa1Grul5snmqbJPPT8bESs4sY2bruBzj-Yi5_E6qo"
  },
  {
    kid: "fake-plex-signing-key-2",
    x: "DHtJBVpXjp08lp9ktllpT2iJOo8yvydhRerYDSZXXqc",
    d: "iGpFflXjRRNDynd1iMG8h3OjiNWz5mHtaFRNe7pdyC8"
  }
]

export const initialJwt = (options: JwtOptions | undefined): JwtState => ({
  deviceKeys: {},
  nonces: {},
  nonceCount: 0,
  signingKeys,
  tokenLifetimeMillis: options?.tokenLifetimeMillis ?? 7 * 24 * 60 * 60 * 1000,
  nonceLifetimeMillis: options?.nonceLifetimeMillis ?? 5 * 60 * 1000
})

/** Stands in for the signature of an issued Plex JWT until the front door signs it (async WebCrypto). */
export const SIGNATURE_PLACEHOLDER = "__fake_plex_signature__"

/** Facts the front door works out before the model runs. */
export const facts = {
  /** "valid" | "invalid" | "unknownKey" | "malformed": the device JWT of an exchange. */
  deviceJwt: "jwt.deviceJwt",
  /** "valid" | "invalid": a Plex JWT sent as `X-Plex-Token`. */
  plexJwt: plexJwtFact
} as const

const reject = (request: FakeRequest, status: number, message: string): FakeResponse =>
  errorResponse({ ...request, headers: { ...request.headers, accept: "application/json" } }, status, [
    { code: status === 400 ? 1004 : 1099, message, status }
  ])

const withJwt = (state: PlexTvState, jwt: JwtState): PlexTvState => ({ ...state, jwt })

const isJwk = (u: unknown): u is { kty: string; crv: string; x: string; kid: string } =>
  typeof u === "object" && u !== null && (u as { kty?: unknown }).kty === "OKP" &&
  (u as { crv?: unknown }).crv === "Ed25519" && typeof (u as { x?: unknown }).x === "string" &&
  (u as { x: string }).x !== "" && typeof (u as { kid?: unknown }).kid === "string" &&
  (u as { kid: string }).kid !== ""

const parseBody = (body: string): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(body)
    const isObject = typeof value === "object" && value !== null && !Array.isArray(value)
    return isObject ? value as Record<string, unknown> : undefined
  } catch {
    return undefined
  }
}

const registerKey: Route = {
  method: "POST",
  path: "/api/v2/auth/jwk",
  handler: (state, request, context) => {
    const auth = authenticate(state, request, context)
    if (isResponse(auth)) return [auth, state]
    if (auth.record.clientIdentifier !== context.clientIdentifier) {
      return [reject(request, 403, "A token issued to this client identifier is required"), state]
    }
    const jwk = parseBody(request.body)?.jwk
    if (!isJwk(jwk)) return [reject(request, 400, "Malformed JWK"), state]
    const existing = state.jwt.deviceKeys[jwk.kid]
    if (existing !== undefined && existing.clientIdentifier !== context.clientIdentifier) {
      return [reject(request, 422, "Key thumbprint already registered by another device"), state]
    }
    const deviceKeys = {
      ...state.jwt.deviceKeys,
      [jwk.kid]: { x: jwk.x, clientIdentifier: context.clientIdentifier, accountId: auth.account.id }
    }
    return [json(201, {}), withJwt(state, { ...state.jwt, deviceKeys })]
  }
}

const nonce: Route = {
  method: "GET",
  path: "/api/v2/auth/nonce",
  handler: (state, _request, { clientIdentifier, now }) => {
    const count = state.jwt.nonceCount + 1
    const value = `00000000-0000-4000-8000-${count.toString(16).padStart(12, "0")}`
    const nonces = {
      ...state.jwt.nonces,
      [value]: { clientIdentifier, expiresAt: now + state.jwt.nonceLifetimeMillis, used: false }
    }
    return [json(200, { nonce: value }), withJwt(state, { ...state.jwt, nonces, nonceCount: count })]
  }
}

const scoped = (scope: unknown, user: Readonly<Record<string, unknown>>): Record<string, unknown> => {
  const names = typeof scope === "string" ? scope.split(",").map((s) => s.trim()) : []
  const fields: Record<string, string> = {
    username: "username",
    email: "email",
    friendly_name: "friendlyName",
    restricted: "restricted",
    anonymous: "anonymous",
    joinedAt: "joinedAt"
  }
  const out: Record<string, unknown> = {}
  for (const name of names) {
    const field = fields[name]
    if (field !== undefined && user[field] !== undefined) out[name] = user[field]
  }
  return out
}

const base64urlJson = (value: unknown): string =>
  btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(value))))
    .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")

const exchange: Route = {
  method: "POST",
  path: "/api/v2/auth/token",
  handler: (state, request, context) => {
    const body = parseBody(request.body)
    const raw = body?.jwt ?? body?.deviceJWT
    const jwt = typeof raw === "string" ? decodeJwt(raw) : undefined
    if (jwt === undefined || jwt.header.alg !== "EdDSA" || typeof jwt.header.kid !== "string") {
      return [reject(request, 400, "Malformed JWT"), state]
    }
    const key = state.jwt.deviceKeys[jwt.header.kid]
    if (key === undefined || context.facts[facts.deviceJwt] === "unknownKey") {
      return [reject(request, 422, "Unknown key"), state]
    }
    if (context.facts[facts.deviceJwt] !== "valid") return [reject(request, 422, "Signature invalid"), state]
    const { payload } = jwt
    if (payload.aud !== "plex.tv") return [reject(request, 422, "Invalid audience"), state]
    if (payload.iss !== context.clientIdentifier || key.clientIdentifier !== context.clientIdentifier) {
      return [reject(request, 422, "Issuer does not match the client identifier"), state]
    }
    if (typeof payload.exp !== "number" || payload.exp * 1000 <= context.now) {
      return [reject(request, 422, "Device JWT expired"), state]
    }
    const value = typeof payload.nonce === "string" ? payload.nonce : ""
    const found = state.jwt.nonces[value]
    if (
      found === undefined || found.used || found.expiresAt <= context.now ||
      found.clientIdentifier !== context.clientIdentifier
    ) {
      return [reject(request, 422, "Invalid or expired nonce"), state]
    }
    const account = state.accounts.find((a) => a.id === key.accountId)
    if (account === undefined) return [reject(request, 422, "Unknown key"), state]
    const used = { ...state.jwt.nonces, [value]: { ...found, used: true } }
    const [input, issued] = issuePlexJwt(withJwt(state, { ...state.jwt, nonces: used }), {
      accountId: account.id,
      clientIdentifier: context.clientIdentifier,
      kid: jwt.header.kid,
      scope: payload.scope,
      nonce: value,
      now: context.now
    })
    const next = expireClassicTokens(issued, account.id, context.clientIdentifier, context.now)
    return [json(200, { auth_token: `${input}.${SIGNATURE_PLACEHOLDER}` }), next]
  }
}

/**
 * Issues a Plex JWT of an account to a device (its key `kid`), as the exchange and a linked PIN +
 * JWT do. Returns its signed part (`header.payload`, how the fake keeps it): the answer carries it
 * followed by `.${SIGNATURE_PLACEHOLDER}`, which the front door replaces with the signature.
 */
export const issuePlexJwt = (
  state: PlexTvState,
  options: {
    readonly accountId: number
    readonly clientIdentifier: string
    readonly kid: string
    readonly scope: unknown
    readonly nonce: string
    readonly now: number
  }
): readonly [input: string, state: PlexTvState] => {
  const account = state.accounts.find((a) => a.id === options.accountId)
  const signer = state.jwt.signingKeys[state.jwt.signingKeys.length - 1]!
  const iat = Math.floor(options.now / 1000)
  const exp = Math.floor((options.now + state.jwt.tokenLifetimeMillis) / 1000)
  const input = `${base64urlJson({ alg: "EdDSA", typ: "JWT", kid: signer.kid })}.${
    base64urlJson({
      iss: "plex.tv",
      aud: ["plex.tv", options.clientIdentifier],
      iat,
      exp,
      nonce: options.nonce,
      thumbprint: options.kid,
      user: { id: options.accountId, uuid: account?.uuid, ...scoped(options.scope, account?.payload ?? {}) }
    })
  }`
  const next = addToken(state, input, {
    accountId: options.accountId,
    clientIdentifier: options.clientIdentifier,
    state: "active",
    kind: "jwt",
    expiresAt: exp * 1000
  })
  return [input, next]
}

/** "Your legacy token will expire": the classic tokens of this device answer 498 from `now` on. */
export const expireClassicTokens = (
  state: PlexTvState,
  accountId: number,
  clientIdentifier: string,
  now: number
): PlexTvState => {
  let changed = false
  const tokens = { ...state.tokens }
  for (const [token, record] of Object.entries(state.tokens)) {
    if (
      record.kind === "classic" && record.accountId === accountId && record.clientIdentifier === clientIdentifier &&
      record.expiresAt === undefined
    ) {
      tokens[token] = { ...record, expiresAt: now }
      changed = true
    }
  }
  return changed ? { ...state, tokens } : state
}

const keys: Route = {
  method: "GET",
  path: "/api/v2/auth/keys",
  handler: (state) => [
    json(200, {
      keys: state.jwt.signingKeys.map(({ kid, x }) => ({
        kty: "OKP",
        crv: "Ed25519",
        x,
        use: "sig",
        alg: "EdDSA",
        kid
      }))
    }),
    state
  ]
}

export const jwtRoutes: ReadonlyArray<Route> = [registerKey, nonce, exchange, keys]
