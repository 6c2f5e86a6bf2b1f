/**
 * CORS of the fake plex.tv's HTTP front door, so that a web page on another origin can call it as
 * web apps call plex.tv from the browser (Overseerr, Tautulli, Plex Web): a preflight `OPTIONS`
 * for the `X-Plex-*` headers answered with 204 before any route (it carries no client identifier),
 * and the allow-origin header on every answer.
 *
 * What plex.tv sends exactly is not recorded in the API reference: browser apps do call it with
 * `X-Plex-*` headers, so it allows them. The fake's answer is therefore settable
 * ({@link PlexTvCors}): the allowed origins (`"*"` by default, a list, or none), whether the
 * requested headers are echoed or only the `X-Plex-*` ones and `Accept` / `Content-Type` allowed,
 * and the preflight's max age.
 *
 * It also serves a stand-in for the `app.plex.tv/auth` page at `GET /auth`, so a browser flow can
 * open its auth-app URL on the fake (the PIN is then linked through `PUT /api/v2/pins/link`); with
 * a `forwardUrl`, it shows a "Back to the app" link to it.
 */
import type * as Http from "node:http"

/**
 * How the fake plex.tv answers cross-origin requests.
 *
 * - `origins`: `"*"` (default: any origin, `Access-Control-Allow-Origin: *`), or the allowed
 *   origins (each echoed back with `Vary: Origin`); an origin not in the list gets no CORS header,
 *   so the browser refuses the answer.
 * - `headers`: `"echo"` (default) allows whatever the preflight asks for; `"plex"` allows only
 *   `Accept`, `Content-Type` and the `X-Plex-*` headers.
 * - `maxAge`: seconds a browser may cache the preflight (default 86400).
 */
export interface PlexTvCors {
  readonly origins?: "*" | ReadonlyArray<string> | undefined
  readonly headers?: "echo" | "plex" | undefined
  readonly maxAge?: number | undefined
}

const METHODS = "GET, POST, PUT, DELETE, OPTIONS"

const allowedOrigin = (cors: PlexTvCors, origin: string | undefined): string | undefined => {
  if (origin === undefined) return undefined
  const origins = cors.origins ?? "*"
  if (origins === "*") return "*"
  return origins.includes(origin) ? origin : undefined
}

const plexHeader = /^(accept|content-type|x-plex-[a-z0-9-]+)$/i

const allowedHeaders = (cors: PlexTvCors, requested: string | undefined): string | undefined => {
  if (requested === undefined || requested.trim() === "") return undefined
  const names = requested.split(",").map((name) => name.trim()).filter((name) => name !== "")
  const allowed = (cors.headers ?? "echo") === "echo" ? names : names.filter((name) => plexHeader.test(name))
  return allowed.length === 0 ? undefined : allowed.join(", ")
}

/** Adds the allow-origin header of a cross-origin request to the answer about to be written. */
export const addCorsHeaders = (
  cors: PlexTvCors | false,
  request: Http.IncomingMessage,
  response: Http.ServerResponse
) => {
  if (cors === false) return
  const origin = allowedOrigin(cors, request.headers.origin)
  if (origin === undefined) return
  response.setHeader("Access-Control-Allow-Origin", origin)
  if (origin !== "*") response.setHeader("Vary", "Origin")
}

/**
 * Answers a CORS preflight (an `OPTIONS` with `Access-Control-Request-Method`) with 204, or the
 * fake's stand-in auth page; `true` when it answered, `false` for any other request.
 */
export const answerBeforeRoutes = (
  cors: PlexTvCors | false,
  request: Http.IncomingMessage,
  response: Http.ServerResponse
): boolean => {
  const path = (request.url ?? "/").split(/[?#]/)[0]
  if (request.method === "GET" && (path === "/auth" || path === "/auth/")) {
    response.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" })
    response.end(authPage)
    return true
  }
  if (request.method !== "OPTIONS" || request.headers["access-control-request-method"] === undefined) return false
  const headers: Record<string, string> = {}
  const origin = cors === false ? undefined : allowedOrigin(cors, request.headers.origin)
  if (cors !== false && origin !== undefined) {
    headers["Access-Control-Allow-Origin"] = origin
    if (origin !== "*") headers["Vary"] = "Origin"
    headers["Access-Control-Allow-Methods"] = METHODS
    const allowed = allowedHeaders(cors, request.headers["access-control-request-headers"])
    if (allowed !== undefined) headers["Access-Control-Allow-Headers"] = allowed
    headers["Access-Control-Max-Age"] = String(cors.maxAge ?? 86400)
  }
  response.writeHead(204, headers).end()
  return true
}

/** The stand-in for app.plex.tv/auth: shows what the app asked for, never acts on it. */
const authPage = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Fake Plex: approve the app</title></head>
<body style="font-family: sans-serif; margin: 2rem">
<h1>Fake app.plex.tv</h1>
<p>The local fake plex.tv stands in for the page where the user approves the app.</p>
<p>App: <b id="product"></b>, PIN code <code id="code"></code></p>
<p>A test approves the PIN with <code>PUT /api/v2/pins/link</code>.</p>
<p><a id="forward" hidden>Back to the app</a></p>
<script>
  const params = new URLSearchParams(location.hash.replace(/^#!?\\??/, ""))
  document.getElementById("product").textContent = params.get("context[device][product]") || ""
  document.getElementById("code").textContent = params.get("code") || ""
  // app.plex.tv forwards to forwardUrl once the user approved: here, a link (http and https only)
  const forward = params.get("forwardUrl") || ""
  if (/^https?:\\/\\//.test(forward)) {
    const link = document.getElementById("forward")
    link.href = forward
    link.hidden = false
  }
</script>
</body>
</html>
`
