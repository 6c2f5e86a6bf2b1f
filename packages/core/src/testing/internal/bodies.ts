/** Building the fake's answers: JSON when `Accept` asks for it, XML otherwise (plex-tv-api.md §1.2). */
import type { FakeRequest, FakeResponse, PlexTvSettings, PlexTvState } from "./types.js"

export interface ApiError {
  readonly code: number
  readonly message: string
  readonly status?: number | undefined
}

export const escapeXml = (value: string): string =>
  value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&apos;" })[c]!)

export const wantsJson = (request: FakeRequest) =>
  (request.headers.accept ?? "").toLowerCase().includes("application/json")

export const jsonType = "application/json; charset=utf-8"
export const xmlType = "text/xml; charset=utf-8"

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
export const toXml = (name: string, value: Readonly<Record<string, unknown>>, settings: PlexTvSettings): string => {
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

export const xmlDocument = (body: string) => `<?xml version="1.0" encoding="UTF-8"?>\n${body}`

export const ok = (
  request: FakeRequest,
  status: number,
  element: string,
  value: Readonly<Record<string, unknown>>,
  settings: PlexTvSettings
): FakeResponse =>
  wantsJson(request)
    ? { status, headers: { "content-type": jsonType }, body: JSON.stringify(value) }
    : { status, headers: { "content-type": xmlType }, body: xmlDocument(toXml(element, value, settings)) }

export const errorResponse = (
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

export const apiErrors = {
  missingClient: { code: 1000, message: "X-Plex-Client-Identifier is missing", status: 400 },
  badRequest: { code: 1004, message: "Bad request: login and password are required", status: 400 },
  unauthenticated: { code: 1001, message: "User could not be authenticated", status: 401 },
  notFound: { code: 1002, message: "Not found", status: 404 },
  rateLimited: { code: 1003, message: "API rate limit exceeded", status: 429 },
  invalidCode: { code: 1028, message: "Invalid verification code", status: 401 },
  codeRequired: { code: 1029, message: "Please enter the verification code", status: 401 },
  throttled: { code: 1031, message: "Too many failed attempts, try again later", status: 401 },
  pinNotFound: { code: 1020, message: "Code not found or expired", status: 404 },
  homePinRequired: { code: 1041, message: "A valid PIN is required to perform this action" }
} satisfies Record<string, ApiError>

export const revokedResponse = (state: PlexTvState): FakeResponse =>
  state.settings.revokedTokenBody === "xml"
    ? {
      status: 422,
      headers: { "content-type": xmlType },
      body: xmlDocument("<errors><error>Invalid token</error></errors>")
    }
    : {
      status: 422,
      headers: { "content-type": jsonType },
      body: JSON.stringify({ errors: [{ code: 422, message: "Invalid token", status: 422 }] })
    }

/** A success without a body, such as sign-out's 204. */
export const noContent: FakeResponse = { status: 204, headers: {}, body: "" }

/** A JSON body whatever `Accept` says (the JWT endpoints speak only JSON). */
export const json = (status: number, value: unknown): FakeResponse => ({
  status,
  headers: { "content-type": jsonType },
  body: JSON.stringify(value)
})

// ---------------------------------------------------------------------------------------------
// Hostile bodies of the fault plan: built once per shape and size, then reused (they are large)

const built = new Map<string, string>()

const memo = (key: string, make: () => string): string => {
  let found = built.get(key)
  if (found === undefined) {
    found = make()
    if (built.size > 64) built.clear() // a bound, should a test try many sizes
    built.set(key, found)
  }
  return found
}

/** `head`, then `fragment` repeated, cut to exactly `bytes` characters (all ASCII, so bytes). */
const filled = (head: string, fragment: string, bytes: number) => {
  const room = Math.max(0, bytes - head.length)
  return (head + fragment.repeat(Math.ceil(room / fragment.length))).slice(0, Math.max(bytes, head.length))
}

/** The shapes of markup built to make a backtracking parser explode. */
export type MarkupPattern = "unclosedAttribute" | "repeatedOpen" | "entityRun"

/**
 * Markup that never closes what it opens: an attribute whose quote never ends, followed by spaces
 * and attribute fragments; `<error` opened again and again without a `>`; a run of `&#` and
 * `&amp`-like fragments inside an element that never ends. `html` wraps it in an HTML page's start.
 */
export const hostileMarkup = (pattern: MarkupPattern, kind: "xml" | "html", bytes: number): string =>
  memo(`markup ${pattern} ${kind} ${bytes}`, () => {
    const start = kind === "xml" ? "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" : "<!DOCTYPE html>\n<html><body>"
    switch (pattern) {
      case "unclosedAttribute":
        return filled(`${start}<errors><error code="`, "    message=  status =\t code= a ", bytes)
      case "repeatedOpen":
        return filled(`${start}<errors>`, "<error", bytes)
      case "entityRun":
        return filled(`${start}<errors><error code="1001" message="`, "&#&amp&#x&#9&amp;&#x1F&lt", bytes)
    }
  })

/** JSON nested `depth` deep (balanced, so valid): `[[[…]]]` or `{"a":{"a":…1}}`, alone or as `errors`. */
export const deepJson = (shape: "array" | "object", depth: number, asErrors: boolean): string =>
  memo(`deep ${shape} ${depth} ${asErrors}`, () => {
    const nested = shape === "array"
      ? "[".repeat(depth) + "]".repeat(depth)
      : "{\"a\":".repeat(depth) + "1" + "}".repeat(depth)
    return asErrors ? `{"errors":[${nested}]}` : nested
  })

/** Not JSON, though it starts like plex.tv's account: a doubled comma, a bare word, a quote never closed. */
export const malformedJson = (asErrors: boolean): string =>
  asErrors
    ? "{\"errors\":[{\"code\":1001,,\"message\":'User could not be authenticated' status: 401}"
    : "{\"id\":10000001,,\"uuid\":fake-owner,\"username\":\"fake-owner\" \"authToken\":NaN,\"email\":\"x"
