/**
 * Compact JWS with Ed25519 over WebCrypto (`globalThis.crypto.subtle`: Node 20+, browsers, Deno,
 * Bun), so `core` stays platform-free. Shared by the client and the fake plex.tv.
 */
const encoder = new TextEncoder()
const decoder = new TextDecoder()

export const base64url = {
  encode: (bytes: Uint8Array): string => {
    let binary = ""
    for (const byte of bytes) binary += String.fromCharCode(byte)
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")
  },
  decode: (text: string): Uint8Array<ArrayBuffer> | undefined => {
    if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined
    try {
      const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4))
      const bytes = new Uint8Array(binary.length)
      for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
      return bytes
    } catch {
      return undefined
    }
  }
}

const json = (value: unknown) => base64url.encode(encoder.encode(JSON.stringify(value)))

/** An Ed25519 key as the two base64url members of its JWK. */
export interface Ed25519Jwk {
  readonly x: string
  readonly d?: string | undefined
}

const algorithm = { name: "Ed25519" } as const

const importKey = (jwk: Ed25519Jwk, use: "sign" | "verify") =>
  crypto.subtle.importKey(
    "jwk",
    use === "sign" && jwk.d !== undefined
      ? { kty: "OKP", crv: "Ed25519", x: jwk.x, d: jwk.d }
      : { kty: "OKP", crv: "Ed25519", x: jwk.x },
    algorithm,
    false,
    [use]
  )

export const generateEd25519 = async (): Promise<{ readonly x: string; readonly d: string }> => {
  const pair = (await crypto.subtle.generateKey(algorithm, true, ["sign", "verify"])) as CryptoKeyPair
  const jwk = await crypto.subtle.exportKey("jwk", pair.privateKey)
  return { x: jwk.x!, d: jwk.d! }
}

/** SHA-256 hex of raw private ‖ public key: the key id maintained clients use. */
export const thumbprint = async (key: { readonly x: string; readonly d: string }): Promise<string> => {
  const d = base64url.decode(key.d)!
  const x = base64url.decode(key.x)!
  const raw = new Uint8Array(d.length + x.length)
  raw.set(d, 0)
  raw.set(x, d.length)
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", raw))
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("")
}

/** `header.payload.signature`, signed with the private key. */
export const signJwt = async (
  header: Readonly<Record<string, unknown>>,
  payload: Readonly<Record<string, unknown>>,
  key: Ed25519Jwk
): Promise<string> => {
  const input = `${json(header)}.${json(payload)}`
  return `${input}.${await signInput(input, key)}`
}

export const signInput = async (input: string, key: Ed25519Jwk): Promise<string> => {
  const signature = await crypto.subtle.sign(algorithm, await importKey(key, "sign"), encoder.encode(input))
  return base64url.encode(new Uint8Array(signature))
}

export interface DecodedJwt {
  readonly header: Readonly<Record<string, unknown>>
  readonly payload: Readonly<Record<string, unknown>>
  /** `header.payload`, what the signature covers. */
  readonly input: string
  readonly signature: Uint8Array<ArrayBuffer>
}

const object = (part: string): Record<string, unknown> | undefined => {
  const bytes = base64url.decode(part)
  if (bytes === undefined) return undefined
  try {
    const value: unknown = JSON.parse(decoder.decode(bytes))
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? value as Record<string, unknown>
      : undefined
  } catch {
    return undefined
  }
}

/** The parts of a compact JWS, without checking the signature; `undefined` when malformed. */
export const decodeJwt = (jwt: string): DecodedJwt | undefined => {
  const parts = jwt.split(".")
  if (parts.length !== 3) return undefined
  const header = object(parts[0]!)
  const payload = object(parts[1]!)
  const signature = base64url.decode(parts[2]!)
  if (header === undefined || payload === undefined || signature === undefined) return undefined
  return { header, payload, input: `${parts[0]}.${parts[1]}`, signature }
}

export const verifyJwt = async (jwt: DecodedJwt, key: Ed25519Jwk): Promise<boolean> => {
  try {
    const publicKey = await importKey(key, "verify")
    return await crypto.subtle.verify(algorithm, publicKey, jwt.signature, encoder.encode(jwt.input))
  } catch {
    return false
  }
}

/**
 * Clock skew, local minus server time in millis: the local time the token arrived at minus its `iat`
 * (whole seconds, so in-sync clocks read as up to a second plus the latency ahead). `undefined` when
 * the token has no usable `iat`.
 */
export const estimateSkew = (iat: unknown, arrivedAt: number): number | undefined =>
  typeof iat === "number" && Number.isFinite(iat) ? arrivedAt - iat * 1000 : undefined

/** First wait after a failed refresh. */
export const BACKOFF_BASE_MILLIS = 1000

/**
 * A refresh whose next one would be due sooner than this after it is "short": it counts toward the
 * backoff like a failure, so tokens of a tiny lifetime cannot make the refresher spin.
 */
export const SHORT_REFRESH_MILLIS = 60_000

/**
 * The wait before the next refresh after `failures` unhealthy refreshes in a row (failed, already
 * expired, or short): exponential from 1 second, capped at `maxBackoff` (itself at least 1 second),
 * jittered by `random` in [0, 1): 80–120 % below the cap, 80–100 % of the cap once there (so waits
 * at the cap still spread). 0 when `failures` is 0.
 */
export const backoffMillis = (failures: number, maxBackoffMillis: number, random: number): number => {
  if (failures <= 0) return 0
  const cap = Math.max(BACKOFF_BASE_MILLIS, maxBackoffMillis)
  const exponential = BACKOFF_BASE_MILLIS * 2 ** Math.min(failures - 1, 52)
  return exponential < cap
    ? Math.min(cap, exponential * (0.8 + 0.4 * random))
    : cap * (0.8 + 0.2 * random)
}

/** What the refresher knows about the token it holds, all times in millis. */
export interface HeldToken {
  readonly issuedAt: number
  readonly expiresAt: number
  /** Local minus server time, estimated when the token arrived. */
  readonly skew: number
}

/** Server time now, by the local clock corrected for the skew. */
export const serverTime = (held: HeldToken, localNow: number): number => localNow - held.skew

/** Whether the token is still valid in the server's time. */
export const isValid = (held: HeldToken, localNow: number): boolean => serverTime(held, localNow) < held.expiresAt

/**
 * How long from now (local) until the held token is due for refresh: when `refreshBefore` of its
 * validity remains, at most half its lifetime before `exp`, in the server's time; 0 when due now.
 */
export const refreshDueIn = (held: HeldToken, localNow: number, refreshBeforeMillis: number): number => {
  const lifetime = Math.max(0, held.expiresAt - held.issuedAt)
  const lead = Math.max(0, Math.min(refreshBeforeMillis, lifetime / 2))
  return Math.max(0, held.expiresAt - lead - serverTime(held, localNow))
}
