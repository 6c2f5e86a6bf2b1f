import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"

/**
 * The secret values one request carries (its token, a password, a Home PIN, a device JWT), each
 * with the spellings a server may echo it in. Errors built from that request's answer have every
 * one of them replaced with `<redacted>` before anything is stored.
 */
export type Secrets = ReadonlyArray<string>

export const noSecrets: Secrets = []

/** Form fields, query parameters and JSON members that hold a secret on some plex.tv endpoint. */
const secretNames = new Set([
  "password",
  "verificationcode",
  "pin",
  "code",
  "jwt",
  "devicejwt",
  "x-plex-token",
  "token"
])

const utf8 = new TextDecoder()

const htmlEscape = (value: string) =>
  value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

/** A value and the ways it may come back: URL-encoded (both forms), JSON-escaped, HTML-escaped. */
const spellings = (value: string): Array<string> => {
  const json = JSON.stringify(value).slice(1, -1)
  const form = new URLSearchParams([["", value]]).toString().slice(1)
  return [value, encodeURIComponent(value), form, json, htmlEscape(value)]
}

/** The spellings of some secret values, longest first. */
export const spellingsOf = (values: ReadonlyArray<string>): Secrets => {
  if (values.length === 0) return noSecrets
  const out = new Set<string>()
  for (const value of values) if (value !== "") { for (const spelling of spellings(value)) out.add(spelling) }
  return [...out].sort((a, b) => b.length - a.length)
}

const fromPairs = (out: Set<string>, pairs: Iterable<readonly [string, string]>) => {
  for (const [name, value] of pairs) {
    if (value !== "" && secretNames.has(name.toLowerCase())) {
      for (const spelling of spellings(value)) out.add(spelling)
    }
  }
}

const fromBody = (out: Set<string>, request: HttpClientRequest.HttpClientRequest) => {
  const body = request.body
  if (body._tag !== "Uint8Array" || body.body.length > 64 * 1024) return
  const text = utf8.decode(body.body)
  if (body.contentType.includes("x-www-form-urlencoded")) {
    fromPairs(out, new URLSearchParams(text))
  } else if (body.contentType.includes("json")) {
    try {
      const value: unknown = JSON.parse(text)
      if (typeof value === "object" && value !== null) {
        fromPairs(
          out,
          Object.entries(value).flatMap(([key, member]) => typeof member === "string" ? [[key, member] as const] : [])
        )
      }
    } catch {
      // not JSON after all: nothing to collect
    }
  }
}

/** Every secret of a request, longest first (so a longer spelling is replaced before its parts). */
export const secretsOf = (request: HttpClientRequest.HttpClientRequest): Secrets => {
  const out = new Set<string>()
  fromPairs(out, Object.entries(request.headers))
  fromPairs(out, request.urlParams)
  fromBody(out, request)
  if (out.size === 0) return noSecrets
  return [...out].sort((a, b) => b.length - a.length)
}

/** The text with every secret replaced by `<redacted>`. */
export const redact = (text: string, secrets: Secrets): string => {
  let out = text
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join("<redacted>")
  }
  return out
}
