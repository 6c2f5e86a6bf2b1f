/**
 * CORS of the fake plex.tv over HTTP: a web page on another origin preflights the `X-Plex-*`
 * headers and gets an allow-origin header on every answer; the settings restrict origins and
 * headers; the stand-in auth page is served.
 */
import { type PlexTvCors, PlexTvServer } from "@effect-plex/node/testing"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { accounts } from "../../../test-support/accounts.js"

const origin = "http://127.0.0.1:5173"

const withServer = <A>(cors: PlexTvCors | false | undefined, f: (baseUrl: string) => Promise<A>) =>
  Effect.flatMap(PlexTvServer, (server) => Effect.promise(() => f(server.baseUrl))).pipe(
    Effect.provide(PlexTvServer.layer({ accounts, ...(cors === undefined ? {} : { cors }) }))
  )

const preflight = (baseUrl: string, from: string, headers = "x-plex-client-identifier, x-plex-product, accept") =>
  fetch(`${baseUrl}/api/v2/pins?strong=true`, {
    method: "OPTIONS",
    headers: { origin: from, "access-control-request-method": "POST", "access-control-request-headers": headers }
  })

const createPin = (baseUrl: string, from: string) =>
  fetch(`${baseUrl}/api/v2/pins?strong=true`, {
    method: "POST",
    headers: {
      origin: from,
      accept: "application/json",
      "x-plex-client-identifier": "cors-test",
      "x-plex-product": "cors"
    }
  })

describe("the fake plex.tv answers CORS", () => {
  it.live("by default: any origin, the requested headers, before any route (no client identifier needed)", () =>
    withServer(undefined, async (baseUrl) => {
      const answer = await preflight(baseUrl, origin)
      assert.strictEqual(answer.status, 204)
      assert.strictEqual(answer.headers.get("access-control-allow-origin"), "*")
      assert.include(answer.headers.get("access-control-allow-methods") ?? "", "POST")
      assert.strictEqual(
        answer.headers.get("access-control-allow-headers"),
        "x-plex-client-identifier, x-plex-product, accept"
      )
      assert.strictEqual(answer.headers.get("access-control-max-age"), "86400")
      const created = await createPin(baseUrl, origin)
      assert.strictEqual(created.status, 201)
      assert.strictEqual(created.headers.get("access-control-allow-origin"), "*")
      // a request without Origin (not from a browser page) gets no CORS header
      const plain = await fetch(`${baseUrl}/api/v2/pins?strong=true`, {
        method: "POST",
        headers: { accept: "application/json", "x-plex-client-identifier": "cors-test" }
      })
      assert.strictEqual(plain.status, 201)
      assert.isNull(plain.headers.get("access-control-allow-origin"))
    }))

  it.live("a list of origins: the allowed one echoed with Vary, another refused (no header)", () =>
    withServer({ origins: [origin], headers: "plex", maxAge: 60 }, async (baseUrl) => {
      const allowed = await preflight(baseUrl, origin, "x-plex-product, x-custom, content-type")
      assert.strictEqual(allowed.headers.get("access-control-allow-origin"), origin)
      assert.strictEqual(allowed.headers.get("vary"), "Origin")
      assert.strictEqual(allowed.headers.get("access-control-allow-headers"), "x-plex-product, content-type")
      assert.strictEqual(allowed.headers.get("access-control-max-age"), "60")
      const other = await preflight(baseUrl, "http://127.0.0.1:9999")
      assert.strictEqual(other.status, 204)
      assert.isNull(other.headers.get("access-control-allow-origin"))
      assert.isNull((await createPin(baseUrl, "http://127.0.0.1:9999")).headers.get("access-control-allow-origin"))
      assert.strictEqual((await createPin(baseUrl, origin)).headers.get("access-control-allow-origin"), origin)
    }))

  it.live("cors: false sends no CORS header at all", () =>
    withServer(false, async (baseUrl) => {
      const answer = await preflight(baseUrl, origin)
      assert.strictEqual(answer.status, 204)
      assert.isNull(answer.headers.get("access-control-allow-origin"))
      assert.isNull((await createPin(baseUrl, origin)).headers.get("access-control-allow-origin"))
    }))

  it.live("an OPTIONS that is not a preflight reaches the routes; GET /auth is the stand-in auth page", () =>
    withServer(undefined, async (baseUrl) => {
      const options = await fetch(`${baseUrl}/api/v2/pins`, { method: "OPTIONS", headers: { origin } })
      assert.notStrictEqual(options.status, 204)
      const page = await fetch(`${baseUrl}/auth`)
      assert.strictEqual(page.status, 200)
      assert.include(page.headers.get("content-type") ?? "", "text/html")
      assert.include(await page.text(), "Fake app.plex.tv")
    }))
})
