/**
 * The asynchronous part of the fake plex.tv: WebCrypto checks before the pure model runs, and the
 * signature of the Plex JWTs it issued after. Both front doors go through `PlexTvFake.handle`,
 * which calls these.
 */
import { decodeJwt, signInput, verifyJwt } from "../../internal/jwt.js"
import type { FakeRequest, FakeResponse, PlexTvState } from "./types.js"
import { plexJwtFact } from "./route.js"
import { facts, SIGNATURE_PLACEHOLDER } from "./routes/jwt.js"
import { pinDeviceJwtFact } from "./routes/pins.js"

const exchangePath = /^\/api\/v2\/auth\/token\/?(\?|$)/
const pinPath = /^\/api\/v2\/pins\/(\d+)\/?\?(.*)$/

/** The PIN id and `deviceJWT` of a PIN + JWT poll (`GET /api/v2/pins/:id?deviceJWT=…`). */
const pinPoll = (request: FakeRequest): { readonly id: number; readonly jwt: string } | undefined => {
  if (request.method.toUpperCase() !== "GET") return undefined
  const match = pinPath.exec(request.url)
  const jwt = match === null ? null : new URLSearchParams(match[2]).get("deviceJWT")
  return match === null || jwt === null ? undefined : { id: Number(match[1]), jwt }
}

const tokenOf = (request: FakeRequest): string | undefined =>
  request.headers["x-plex-token"] ??
    (request.url.includes("X-Plex-Token=")
      ? new URL(request.url, "http://plex.invalid").searchParams.get("X-Plex-Token") ?? undefined
      : undefined)

/** Whether the request needs a crypto check (a JWT exchange, or a JWT as token): most do not. */
export const needsCrypto = (request: FakeRequest): boolean =>
  (request.method.toUpperCase() === "POST" && exchangePath.test(request.url)) ||
  (tokenOf(request)?.split(".").length === 3) ||
  pinPoll(request) !== undefined

/** What the model needs to know that only async crypto can tell. */
export const prepare = async (state: PlexTvState, request: FakeRequest): Promise<Record<string, unknown>> => {
  const out: Record<string, unknown> = {}
  const token = tokenOf(request)
  if (token !== undefined && token.split(".").length === 3) {
    const jwt = decodeJwt(token)
    const key = state.jwt.signingKeys.find((k) => k.kid === jwt?.header.kid)
    out[plexJwtFact] = jwt !== undefined && key !== undefined && (await verifyJwt(jwt, key)) ? "valid" : "invalid"
  }
  if (request.method.toUpperCase() === "POST" && exchangePath.test(request.url)) {
    let raw: unknown
    try {
      const body = JSON.parse(request.body) as Record<string, unknown>
      raw = body.jwt ?? body.deviceJWT
    } catch {
      raw = undefined
    }
    const jwt = typeof raw === "string" ? decodeJwt(raw) : undefined
    const kid = jwt?.header.kid
    const key = typeof kid === "string" ? state.jwt.deviceKeys[kid] : undefined
    out[facts.deviceJwt] = jwt === undefined
      ? "malformed"
      : key === undefined
      ? "unknownKey"
      : (await verifyJwt(jwt, key))
      ? "valid"
      : "invalid"
  }
  const poll = pinPoll(request)
  if (poll !== undefined) {
    const jwt = decodeJwt(poll.jwt)
    const key = state.pins.pins[poll.id]?.jwk
    out[pinDeviceJwtFact] = jwt === undefined
      ? "malformed"
      : key !== undefined && (await verifyJwt(jwt, key))
      ? "valid"
      : "invalid"
  }
  return out
}

const placeholder = new RegExp(`([A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+)\\.${SIGNATURE_PLACEHOLDER}`, "g")

/** Signs the Plex JWTs the model issued, with the fake's last signing key. */
export const finish = async (state: PlexTvState, response: FakeResponse): Promise<FakeResponse> => {
  if (!response.body.includes(SIGNATURE_PLACEHOLDER)) return response
  const signer = state.jwt.signingKeys[state.jwt.signingKeys.length - 1]!
  let body = response.body
  for (const match of response.body.matchAll(placeholder)) {
    body = body.replace(match[0], `${match[1]}.${await signInput(match[1]!, signer)}`)
  }
  return { ...response, body }
}
