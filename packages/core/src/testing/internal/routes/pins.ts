/**
 * PIN linking (plex-tv-api.md §2.4).
 *
 * - `POST /api/v2/pins` → 201 PIN. `strong=true` (query, or `"strong": true` in a JSON body): a
 *   25-character lowercase alphanumeric code living `strongLifetimeSeconds` (default 1800);
 *   otherwise a 4-character uppercase code living `weakLifetimeSeconds` (default 900). Ids and codes
 *   are derived from a counter, so runs are reproducible.
 * - `GET /api/v2/pins/:id` → 200 PIN with `expiresIn` counting down; `authToken` and
 *   `newRegistration` `null` until linked, then the token and `false`. Another client identifier
 *   gets the PIN with `authToken: null` (plex.tv's answer is open; it must never get the token).
 *   Unknown or expired → 404/1020.
 * - `PUT /api/v2/pins/link` (account token, form `code`) → 204: links the pending PIN with that code
 *   (any length, case-insensitive), issuing the account's classic token for the PIN's client
 *   identifier. No `code` → 400/1004; no pending PIN with it (unknown, expired or already linked)
 *   → 404/1020.
 *
 * The PIN + JWT variant (plex-tv-api.md §2.4, [doc]): a PIN created with a JSON body holding a
 * public Ed25519 `jwk` (`{"jwk": {...}, "strong": true}`; a malformed one → 400) keeps that key.
 * Every poll of it must carry `?deviceJWT=` signed with that key: header `alg: EdDSA` and `kid`
 * of the JWK, claims `aud: "plex.tv"`, `iss` = the client identifier, `exp` in the future and at
 * most an hour away. Missing or not a JWT → 400; wrong key, signature, `aud`, `iss` or `exp` →
 * 422. No nonce is required (the docs do not ask for one, and a nonce per poll would spend the
 * rate-limited nonce endpoint once a second); a `nonce` claim is ignored. Linking such a PIN
 * registers the key for the account (refused like a `PUT /auth/jwk` when another client
 * identifier holds that `kid`) and issues a Plex JWT, never a classic token: the poll's
 * `authToken` is that Plex JWT, and later exchanges with the key work.
 */
import type { FakePin, FakeRequest, FakeResponse, PinsOptions, PinsState, PlexTvState } from "../types.js"
import { type ApiError, apiErrors, errorResponse, noContent, ok } from "../bodies.js"
import { authenticate, isResponse, type Route, type RouteContext } from "../route.js"
import { issueToken } from "../tokens.js"
import { decodeJwt } from "../../../internal/jwt.js"
import { issuePlexJwt, SIGNATURE_PLACEHOLDER } from "./jwt.js"

/** The fact the front door sets after checking a poll's `deviceJWT` against the PIN's key. */
export const pinDeviceJwtFact = "pins.deviceJwt"

/** A device JWT may live at most this long (Plex's own example uses an hour). */
const MAX_DEVICE_JWT_MILLIS = 60 * 60 * 1000

export const initialPins = (options: PinsOptions | undefined): PinsState => ({
  strongLifetimeSeconds: options?.strongLifetimeSeconds ?? 1800,
  weakLifetimeSeconds: options?.weakLifetimeSeconds ?? 900,
  location: options?.location ?? "plain",
  created: 0,
  pins: {}
})

const FIRST_ID = 900000000

const missingCode: ApiError = { code: 1004, message: "Bad request: code is required", status: 400 }

const lower = "abcdefghijklmnopqrstuvwxyz0123456789"
const upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

/** A random-looking code, a pure function of its seed. */
const codeFor = (seed: number, length: number, alphabet: string): string => {
  let hash = (0x9e3779b9 ^ Math.imul(seed, 0x85ebca6b)) >>> 0
  let out = ""
  for (let i = 0; i < length; i++) {
    hash = Math.imul(hash ^ (hash >>> 15), 0x2c1b3c6d) >>> 0
    hash = (Math.imul(hash ^ (hash >>> 12), 0x297a2d39) ^ (i + 1)) >>> 0
    out += alphabet[hash % alphabet.length]
  }
  return out
}

const isPending = (pin: FakePin, now: number) => pin.linked === undefined && pin.expiresAt > now

/** ISO-8601 UTC without milliseconds, as plex.tv writes it. */
const iso = (millis: number) => new Date(millis).toISOString().replace(/\.\d{3}Z$/, "Z")

/** Header values arrive as the bytes of their UTF-8 text: read them back as text when they are. */
const headerText = (value: string): string => {
  if (!/[\u0080-\u00ff]/.test(value) || /[^\u0000-\u00ff]/.test(value)) return value
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(value, (c) => c.charCodeAt(0)))
  } catch {
    return value
  }
}

const isTrue = (value: string | null | undefined) => value === "true" || value === "1"

const strongInBody = (body: string, contentType: string | undefined): boolean => {
  if (!(contentType ?? "").toLowerCase().includes("json")) return false
  try {
    const parsed: unknown = JSON.parse(body)
    return typeof parsed === "object" && parsed !== null && "strong" in parsed && parsed.strong === true
  } catch {
    return false
  }
}

/** The JSON body of a PIN creation, if it is one. */
const jsonBody = (body: string, contentType: string | undefined): Record<string, unknown> | undefined => {
  if (!(contentType ?? "").toLowerCase().includes("json")) return undefined
  try {
    const parsed: unknown = JSON.parse(body)
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
      ? parsed as Record<string, unknown>
      : undefined
  } catch {
    return undefined
  }
}

/** The `jwk` of a PIN + JWT creation: `undefined` when there is none, `"malformed"` when it is no Ed25519 key. */
const pinJwk = (body: Record<string, unknown> | undefined): FakePin["jwk"] | "malformed" => {
  if (body === undefined || !("jwk" in body)) return undefined
  const jwk = body.jwk as Record<string, unknown> | null
  const ok = typeof jwk === "object" && jwk !== null && jwk.kty === "OKP" && jwk.crv === "Ed25519" &&
    typeof jwk.x === "string" && jwk.x !== "" && typeof jwk.kid === "string" && jwk.kid !== ""
  return ok ? { x: jwk.x as string, kid: jwk.kid as string } : "malformed"
}

const badDeviceJwt = (request: FakeRequest, status: 400 | 422, message: string) =>
  errorResponse(request, status, [{ code: status === 400 ? 1004 : 1099, message, status }])

/** The checks of a PIN + JWT poll's device JWT; `undefined` when it passes. */
const checkDeviceJwt = (
  pin: FakePin & { readonly jwk: NonNullable<FakePin["jwk"]> },
  request: FakeRequest,
  context: RouteContext
): FakeResponse | undefined => {
  const raw = context.query.get("deviceJWT")
  if (raw === null || raw === "") return badDeviceJwt(request, 400, "Bad request: deviceJWT is required")
  const jwt = decodeJwt(raw)
  if (jwt === undefined || context.facts[pinDeviceJwtFact] === "malformed") {
    return badDeviceJwt(request, 400, "Malformed device JWT")
  }
  if (jwt.header.alg !== "EdDSA" || jwt.header.kid !== pin.jwk.kid) return badDeviceJwt(request, 422, "Unknown key")
  if (context.facts[pinDeviceJwtFact] !== "valid") return badDeviceJwt(request, 422, "Signature invalid")
  const { aud, exp, iss } = jwt.payload
  if (aud !== "plex.tv") return badDeviceJwt(request, 422, "Invalid audience")
  if (iss !== context.clientIdentifier) return badDeviceJwt(request, 422, "Issuer does not match the client identifier")
  if (typeof exp !== "number" || exp * 1000 <= context.now) return badDeviceJwt(request, 422, "Device JWT expired")
  if (exp * 1000 > context.now + MAX_DEVICE_JWT_MILLIS) return badDeviceJwt(request, 422, "Device JWT lives too long")
  return undefined
}

/** The PIN's informational `location`, in the two shapes of `PinsOptions.location`. */
const locations = {
  plain: {
    code: "ZZ",
    european_union_member: false,
    continent_code: "ZZ",
    country: "Nowhere",
    city: "Faketown",
    time_zone: "Etc/UTC",
    postal_code: "00000",
    in_privacy_restricted_country: false,
    in_privacy_restricted_region: false,
    subdivisions: "Nowhere",
    coordinates: "0.0, 0.0"
  },
  loose: {
    code: "ZZ",
    european_union_member: "Unknown",
    continent_code: "ZZ",
    country: "Nowhere",
    city: "Faketown",
    time_zone: "Etc/UTC",
    postal_code: 802,
    in_privacy_restricted_country: "Unknown",
    in_privacy_restricted_region: false,
    subdivisions: "Nowhere",
    coordinates: "0.0, 0.0"
  }
} as const

const pinBody = (
  pin: FakePin,
  now: number,
  reveal: boolean,
  location: PinsState["location"] = "plain"
): Record<string, unknown> => {
  const token = reveal && pin.linked !== undefined
    ? pin.jwk === undefined ? pin.linked.token : `${pin.linked.token}.${SIGNATURE_PLACEHOLDER}`
    : null
  return {
    id: pin.id,
    code: pin.code,
    product: pin.product,
    trusted: false,
    qr: `https://plex.tv/api/v2/pins/qr/${pin.code}`,
    clientIdentifier: pin.clientIdentifier,
    location: locations[location],
    expiresIn: Math.max(0, Math.ceil((pin.expiresAt - now) / 1000)),
    createdAt: iso(pin.createdAt),
    expiresAt: iso(pin.expiresAt),
    authToken: token,
    newRegistration: token === null ? null : false
  }
}

const withPin = (state: PlexTvState, pin: FakePin): PlexTvState => ({
  ...state,
  pins: { ...state.pins, pins: { ...state.pins.pins, [pin.id]: pin } }
})

/**
 * Approves the pending PIN with this code for an account, as the user would in the browser: the
 * account's classic token for the PIN's client identifier is issued (or reused). `false` (and the
 * state unchanged) when no pending PIN has that code.
 */
export const linkPin = (
  state: PlexTvState,
  code: string,
  accountId: number,
  now: number
): readonly [linked: boolean, state: PlexTvState] => {
  const wanted = code.toLowerCase()
  const pin = Object.values(state.pins.pins).find((p) => p.code.toLowerCase() === wanted && isPending(p, now))
  if (pin === undefined || !state.accounts.some((account) => account.id === accountId)) return [false, state]
  if (pin.jwk !== undefined) {
    const held = state.jwt.deviceKeys[pin.jwk.kid]
    if (held !== undefined && held.clientIdentifier !== pin.clientIdentifier) return [false, state]
    const deviceKeys = {
      ...state.jwt.deviceKeys,
      [pin.jwk.kid]: { x: pin.jwk.x, clientIdentifier: pin.clientIdentifier, accountId }
    }
    const [token, issued] = issuePlexJwt({ ...state, jwt: { ...state.jwt, deviceKeys } }, {
      accountId,
      clientIdentifier: pin.clientIdentifier,
      kid: pin.jwk.kid,
      scope: "username,email,friendly_name",
      nonce: `pin-${pin.id}`,
      now
    })
    return [true, withPin(issued, { ...pin, linked: { accountId, token } })]
  }
  const [token, issued] = issueToken(state, accountId, pin.clientIdentifier)
  return [true, withPin(issued, { ...pin, linked: { accountId, token } })]
}

const createPin: Route = {
  method: "POST",
  path: "/api/v2/pins",
  handler: (state, request, { clientIdentifier, now, query }) => {
    const strong = isTrue(query.get("strong")) || strongInBody(request.body, request.headers["content-type"])
    const jwk = pinJwk(jsonBody(request.body, request.headers["content-type"]))
    if (jwk === "malformed") return [badDeviceJwt(request, 400, "Malformed JWK"), state]
    const created = state.pins.created + 1
    const pending = new Set(Object.values(state.pins.pins).filter((p) => isPending(p, now)).map((p) => p.code))
    let code = ""
    for (let salt = 0; code === "" || pending.has(code); salt++) {
      code = strong ? codeFor(created + salt * 7919, 25, lower) : codeFor(created + salt * 7919, 4, upper)
    }
    const createdAt = Math.floor(now / 1000) * 1000
    const lifetime = strong ? state.pins.strongLifetimeSeconds : state.pins.weakLifetimeSeconds
    const pin: FakePin = {
      id: FIRST_ID + created,
      code,
      strong,
      clientIdentifier,
      product: headerText(request.headers["x-plex-product"] ?? ""),
      createdAt,
      expiresAt: createdAt + lifetime * 1000,
      ...(jwk === undefined ? {} : { jwk })
    }
    const next = withPin({ ...state, pins: { ...state.pins, created } }, pin)
    return [ok(request, 201, "pin", pinBody(pin, now, true, state.pins.location), state.settings), next]
  }
}

const getPin: Route = {
  method: "GET",
  path: "/api/v2/pins/:id",
  handler: (state, request, context) => {
    const { clientIdentifier, now, params } = context
    const pin = /^\d+$/.test(params.id ?? "") ? state.pins.pins[Number(params.id)] : undefined
    if (pin === undefined || pin.expiresAt <= now) return [errorResponse(request, 404, [apiErrors.pinNotFound]), state]
    if (pin.jwk !== undefined) {
      const refused = checkDeviceJwt({ ...pin, jwk: pin.jwk }, request, context)
      if (refused !== undefined) return [refused, state]
    }
    const reveal = pin.clientIdentifier === clientIdentifier
    return [ok(request, 200, "pin", pinBody(pin, now, reveal, state.pins.location), state.settings), state]
  }
}

const link: Route = {
  method: "PUT",
  path: "/api/v2/pins/link",
  handler: (state, request, context) => {
    const auth = authenticate(state, request, context)
    if (isResponse(auth)) return [auth, state]
    const code = new URLSearchParams(request.body).get("code") ?? context.query.get("code")
    if (code === null || code === "") return [errorResponse(request, 400, [missingCode]), state]
    const [linked, next] = linkPin(state, code, auth.account.id, context.now)
    return linked ? [noContent, next] : [errorResponse(request, 404, [apiErrors.pinNotFound]), state]
  }
}

export const pinRoutes: ReadonlyArray<Route> = [createPin, link, getPin]
