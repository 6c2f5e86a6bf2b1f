import * as Headers from "@effect/platform/Headers"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import {
  FakeAccount,
  type FakeRequest,
  type FakeResponse,
  PlexTvFake,
  PlexTvModel,
  type PlexTvOptions,
  type PlexTvSettings,
  type PlexTvState
} from "@effect-plex/core/testing"
import { getTokenDetails, wrappedFakeAuth } from "./utils.js"
import { owner } from "../../../test-support/accounts.js"

const CLIENT = "model-client"
const json = "application/json"

const initial = (settings: Partial<PlexTvSettings> = {}) =>
  PlexTvModel.make({
    accounts: [FakeAccount.owner, FakeAccount.twoFactor, FakeAccount.managed],
    settings: { rateLimit: undefined, ...settings }
  })

const request = (
  method: string,
  url: string,
  options: { readonly headers?: Record<string, string>; readonly body?: string; readonly accept?: string | null } = {}
): FakeRequest => ({
  method,
  url,
  headers: {
    "x-plex-client-identifier": CLIENT,
    ...(options.accept === null ? {} : { accept: options.accept ?? json }),
    ...options.headers
  },
  body: options.body ?? ""
})

const userRequest = (token: string, options: Parameters<typeof request>[2] = {}) =>
  request("GET", "/api/v2/user", { ...options, headers: { "x-plex-token": token, ...options.headers } })

const signInRequest = (login: string, password: string, clientIdentifier = CLIENT) =>
  request("POST", "/api/v2/users/signin", {
    headers: { "x-plex-client-identifier": clientIdentifier, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ login, password }).toString()
  })

/** Runs requests in order at the given times; returns the answers and the final state. */
const run = (state: PlexTvState, steps: ReadonlyArray<readonly [FakeRequest, number]>) => {
  const responses: Array<FakeResponse> = []
  let current = state
  for (const [req, now] of steps) {
    const [response, next] = PlexTvModel.handle(current, req, now)
    responses.push(response)
    current = next
  }
  return { responses, state: current }
}

const once = (state: PlexTvState, req: FakeRequest, now = 0) => PlexTvModel.handle(state, req, now)

const errorCodes = (response: FakeResponse) =>
  (JSON.parse(response.body) as { errors: Array<{ code: number }> }).errors.map((error) => error.code)

describe("JSON or XML, chosen by Accept", () => {
  it("a user answers JSON when Accept asks for it", () => {
    const [response] = once(initial(), userRequest(owner.token))
    assert.strictEqual(response.status, 200)
    assert.include(response.headers["content-type"], "application/json")
    const body = JSON.parse(response.body)
    assert.strictEqual(body.id, 10000001)
    assert.strictEqual(body.authToken, owner.token)
    assert.strictEqual(body.mailingListStatus, "active")
  })

  it("a user answers XML without Accept: scalars as attributes, objects and lists as children", () => {
    for (const accept of [null, "application/xml", "*/*"]) {
      const [response] = once(initial(), userRequest(owner.token, { accept }))
      assert.strictEqual(response.status, 200)
      assert.include(response.headers["content-type"], "xml")
      assert.match(response.body, /^<\?xml[^>]*\?>\s*<user /)
      assert.include(response.body, `id="10000001"`)
      assert.include(response.body, `authToken="${owner.token}"`)
      assert.include(response.body, `restricted="0"`)
      assert.include(response.body, `<entitlements><entitlement id="all"/></entitlements>`)
      assert.match(response.body, /<subscription [^>]*active="1"/)
      assert.notInclude(response.body, "locale") // null members are left out
    }
  })

  it("XML booleans follow the xmlBooleans setting", () => {
    const [response] = once(initial({ xmlBooleans: "words" }), userRequest(owner.token, { accept: null }))
    assert.include(response.body, `restricted="false"`)
    assert.include(response.body, `home="true"`)
  })

  it("errors answer XML without Accept, JSON with it", () => {
    const [asXml] = once(initial(), userRequest("unknown-token", { accept: null }))
    assert.strictEqual(asXml.status, 401)
    assert.include(asXml.headers["content-type"], "xml")
    assert.include(
      asXml.body,
      `<errors><error code="1001" message="User could not be authenticated" status="401"/></errors>`
    )
    const [asJson] = once(initial(), userRequest("unknown-token"))
    assert.deepStrictEqual(errorCodes(asJson), [1001])
  })

  it.effect("the client reads the XML error bodies of the fake", () => {
    const withoutAccept = wrappedFakeAuth((fake, req) =>
      fake.execute(
        HttpClientRequest.make(req.method)(req.url, {
          headers: Headers.remove(req.headers, "accept"),
          body: req.body
        })
      )
    )
    return Effect.gen(function*() {
      const error = yield* Effect.flip(getTokenDetails("unknown-token"))
      if (error._tag !== "PlexUnauthorizedError") return assert.fail(`expected unauthorized, got ${error._tag}`)
      assert.strictEqual(error.reason, "InvalidToken")
      assert.deepStrictEqual(error.errors.map((entry) => entry.code), [1001])
      // and an XML user is not taken for JSON
      const decode = yield* Effect.flip(getTokenDetails(owner.token))
      assert.deepStrictEqual(decode._tag === "PlexDecodeError" ? decode.paths : decode._tag, ["(body)"])
    }).pipe(Effect.provide(withoutAccept))
  })
})

describe("requests rejected before any route", () => {
  it("400 / 1000 without a client identifier, on every /api/v2 path", () => {
    const requests = [userRequest(owner.token), signInRequest(owner.login, owner.password), request("GET", "/api/v2/x")]
    for (const req of requests) {
      for (const clientIdentifier of [undefined, ""]) {
        const headers: Record<string, string> = { ...req.headers }
        if (clientIdentifier === undefined) delete headers["x-plex-client-identifier"]
        else headers["x-plex-client-identifier"] = clientIdentifier
        const [response, next] = once(initial(), { ...req, headers })
        assert.strictEqual(response.status, 400)
        assert.deepStrictEqual(errorCodes(response), [1000])
        assert.strictEqual(next.signInAttempts, 0)
      }
    }
  })

  it("400 / 1000 in XML without Accept", () => {
    const { "x-plex-client-identifier": _, ...headers } = userRequest(owner.token, { accept: null }).headers
    const [response] = once(initial(), { ...userRequest(owner.token), headers })
    assert.strictEqual(response.status, 400)
    assert.include(response.body, `code="1000"`)
  })

  it("404 for an unknown route or a known path with another method", () => {
    const requests = [request("GET", "/api/v2/nope"), request("DELETE", "/api/v2/user"), request("GET", "/api/v3/user")]
    for (const req of requests) {
      const [response] = once(initial(), req)
      assert.strictEqual(response.status, 404, `${req.method} ${req.url}`)
    }
  })
})

describe("rate limit", () => {
  const limited = initial({ rateLimit: { limit: 2, windowMillis: 1000, retryAfterSeconds: 3 } })

  it("past `limit` requests in a window: 429 / 1003 with Retry-After, until the window ends", () => {
    const { responses } = run(limited, [
      [userRequest(owner.token), 0],
      [userRequest(owner.token), 10],
      [userRequest(owner.token), 20],
      [userRequest(owner.token), 999],
      [userRequest(owner.token), 1000],
      [userRequest(owner.token), 1500],
      [userRequest(owner.token), 1600]
    ])
    assert.deepStrictEqual(responses.map((response) => response.status), [200, 200, 429, 429, 200, 200, 429])
    assert.strictEqual(responses[2]!.headers["retry-after"], "3")
    assert.deepStrictEqual(errorCodes(responses[2]!), [1003])
  })

  it("counts per route", () => {
    const { responses } = run(limited, [
      [userRequest(owner.token), 0],
      [userRequest(owner.token), 0],
      [userRequest(owner.token), 0],
      [signInRequest(owner.login, owner.password), 0],
      [request("GET", "/api/v2/ping", { headers: { "x-plex-token": owner.token } }), 0]
    ])
    assert.deepStrictEqual(responses.map((response) => response.status), [200, 200, 429, 201, 200])
  })

  it("sends no Retry-After when retryAfterSeconds is unset", () => {
    const { responses } = run(initial({ rateLimit: { limit: 1, windowMillis: 1000 } }), [
      [userRequest(owner.token), 0],
      [userRequest(owner.token), 0]
    ])
    assert.strictEqual(responses[1]!.status, 429)
    assert.notProperty(responses[1]!.headers, "retry-after")
  })

  it("is off when rateLimit is undefined", () => {
    const { responses } = run(initial(), Array.from({ length: 500 }, () => [userRequest(owner.token), 0] as const))
    assert.isTrue(responses.every((response) => response.status === 200))
  })
})

describe("tokens", () => {
  const tokenOf = (response: FakeResponse) => JSON.parse(response.body).authToken as string

  it("a sign-in reuses the token of the same client identifier and issues another for a new one", () => {
    const { responses, state } = run(initial(), [
      [signInRequest(owner.login, owner.password, "client-a"), 0],
      [signInRequest(owner.login, owner.password, "client-a"), 1],
      [signInRequest(owner.login, owner.password, "client-b"), 2]
    ])
    assert.deepStrictEqual(responses.map((response) => response.status), [201, 201, 201])
    const [a1, a2, b] = responses.map(tokenOf)
    assert.strictEqual(a1, a2)
    assert.notStrictEqual(a1, b)
    assert.notStrictEqual(a1, owner.token)
    assert.strictEqual(state.tokens[a1!]?.clientIdentifier, "client-a")
    assert.strictEqual(state.tokens[b!]?.clientIdentifier, "client-b")
    assert.strictEqual(state.tokens[a1!]?.accountId, 10000001)
    // issueToken agrees with what sign-in did
    assert.strictEqual(PlexTvModel.issueToken(state, 10000001, "client-a")[0], a1)
    assert.strictEqual(PlexTvModel.issueToken(state, 10000001, "client-b")[0], b)
  })

  it("a signed-out token is not reused, and answers 401", () => {
    const [first, signedIn] = once(initial(), signInRequest(owner.login, owner.password, "client-a"))
    const token = tokenOf(first)
    const signedOut = PlexTvModel.signOutToken(signedIn, token)
    assert.strictEqual(once(signedOut, userRequest(token))[0].status, 401)
    const [again] = once(signedOut, signInRequest(owner.login, owner.password, "client-a"))
    assert.notStrictEqual(tokenOf(again), token)
  })

  it("a preset token works with any client identifier", () => {
    const [response] = once(initial(), userRequest(owner.token, { headers: { "x-plex-client-identifier": "another" } }))
    assert.strictEqual(response.status, 200)
  })

  it("a revoked token answers 422 Invalid token: XML as observed, or JSON when configured", () => {
    const revoked = PlexTvModel.revokeToken(initial(), owner.token)
    const [xml] = once(revoked, userRequest(owner.token))
    assert.strictEqual(xml.status, 422)
    assert.include(xml.body, "<errors><error>Invalid token</error></errors>")
    const [asJson] = once(PlexTvModel.configure(revoked, { revokedTokenBody: "json" }), userRequest(owner.token))
    assert.strictEqual(asJson.status, 422)
    assert.strictEqual(JSON.parse(asJson.body).errors[0].message, "Invalid token")
    // other tokens are untouched
    assert.strictEqual(once(revoked, userRequest("FAKEtokenManaged0002"))[0].status, 200)
  })

  it("a token in the query string is accepted too", () => {
    const [response] = once(initial(), request("GET", `/api/v2/user?X-Plex-Token=${owner.token}`))
    assert.strictEqual(response.status, 200)
  })
})

describe("sign-in", () => {
  it("counts every attempt that reaches the route, and locks after the threshold", () => {
    const state = initial({ lockoutThreshold: 2, lockoutMillis: 1000 })
    const { responses, state: after } = run(state, [
      [signInRequest(owner.login, "wrong"), 0],
      [signInRequest(owner.login, "wrong"), 1],
      [signInRequest(owner.login, owner.password), 2],
      [signInRequest(owner.login, owner.password), 1000],
      [signInRequest(owner.login, owner.password), 1001]
    ])
    assert.deepStrictEqual(responses.map((response) => response.status), [401, 401, 401, 401, 201])
    assert.deepStrictEqual(responses.slice(0, 4).map(errorCodes), [[1001], [1001], [1031], [1031]])
    assert.strictEqual(after.signInAttempts, 5)
  })

  it("a form without login or password is 400 and still counts as an attempt", () => {
    const [response, next] = once(
      initial(),
      request("POST", "/api/v2/users/signin", { body: new URLSearchParams({ login: owner.login }).toString() })
    )
    assert.strictEqual(response.status, 400)
    assert.strictEqual(next.signInAttempts, 1)
  })
})

describe("request log", () => {
  it("records where the token was sent, never the token itself", () => {
    const { state } = run(initial(), [
      [userRequest(owner.token), 5],
      [request("GET", `/api/v2/user?X-Plex-Token=${owner.token}`), 6],
      [request("GET", "/api/v2/user", { accept: null }), 7]
    ])
    assert.deepStrictEqual(
      state.log.map((entry) => [entry.at, entry.method, entry.path, entry.status, entry.tokenIn, entry.accept]),
      [
        [5, "GET", "/api/v2/user", 200, "header", json],
        [6, "GET", "/api/v2/user", 200, "query", json],
        [7, "GET", "/api/v2/user", 401, "none", undefined]
      ]
    )
    assert.strictEqual(state.log[0]!.clientIdentifier, CLIENT)
    assert.notInclude(JSON.stringify(state.log), owner.token)
  })

  it("keeps only the newest logLimit entries", () => {
    const { state } = run(
      initial({ logLimit: 3 }),
      Array.from({ length: 5 }, (_, i) => [userRequest(owner.token), i] as const)
    )
    assert.deepStrictEqual(state.log.map((entry) => entry.at), [2, 3, 4])
  })

  it("the model is pure: handling a request leaves the given state alone", () => {
    const state = initial()
    const snapshot = JSON.stringify(state)
    once(state, signInRequest(owner.login, owner.password))
    once(state, userRequest(owner.token))
    assert.strictEqual(JSON.stringify(state), snapshot)
  })
})

describe("PIN routes", () => {
  const PRODUCT = "effect-plex test"

  /** A fresh in-memory plex.tv with the owner account (its own state per test). */
  const fakeLayer = (options?: Omit<PlexTvOptions, "accounts">) =>
    PlexTvFake.layer({ accounts: [FakeAccount.owner], ...options })

  const pinRequest = (method: string, url: string, extra?: { token?: string; body?: string; json?: boolean }) =>
    Effect.flatMap(PlexTvFake, (fake) =>
      fake.handle(request(method, url, {
        accept: extra?.json === false ? null : json,
        headers: {
          "x-plex-product": PRODUCT,
          ...(extra?.token === undefined ? {} : { "x-plex-token": extra.token }),
          ...(extra?.body === undefined ? {} : { "content-type": "application/x-www-form-urlencoded" })
        },
        body: extra?.body ?? ""
      })))

  it.effect("PUT /api/v2/pins/link: 204 with an account token, else 401, 400 or 404/1020", () =>
    Effect.gen(function*() {
      const created = JSON.parse((yield* pinRequest("POST", "/api/v2/pins")).body)
      assert.match(created.code, /^[A-Z0-9]{4}$/)
      assert.strictEqual((yield* pinRequest("PUT", "/api/v2/pins/link", { body: `code=${created.code}` })).status, 401)
      assert.strictEqual((yield* pinRequest("PUT", "/api/v2/pins/link", { token: owner.token, body: "" })).status, 400)
      const unknown = yield* pinRequest("PUT", "/api/v2/pins/link", { token: owner.token, body: "code=ZZZZZ" })
      assert.deepStrictEqual([unknown.status, JSON.parse(unknown.body).errors[0].code], [404, 1020])
      const body = `code=${created.code.toLowerCase()}`
      assert.strictEqual((yield* pinRequest("PUT", "/api/v2/pins/link", { token: owner.token, body })).status, 204)
      const again = yield* pinRequest("PUT", "/api/v2/pins/link", { token: owner.token, body })
      assert.strictEqual(again.status, 404) // only pending PINs can be linked

      yield* TestClock.adjust("100 seconds")
      const polled = yield* pinRequest("GET", `/api/v2/pins/${created.id}`)
      const pin = JSON.parse(polled.body)
      assert.strictEqual(polled.status, 200)
      assert.strictEqual(pin.expiresIn, 800)
      assert.match(pin.authToken, /^FAKEsignin/)
      assert.strictEqual(pin.newRegistration, false)
      const token = yield* Effect.flatMap(PlexTvFake, (fake) => fake.token(pin.authToken))
      assert.deepStrictEqual([token?.accountId, token?.clientIdentifier], [FakeAccount.owner.id, CLIENT])
    }).pipe(Effect.provide(fakeLayer())))

  it.effect("answers XML without Accept: JSON, and 404/1020 once expired", () =>
    Effect.gen(function*() {
      const created = JSON.parse((yield* pinRequest("POST", "/api/v2/pins?strong=true")).body)
      assert.strictEqual(created.expiresIn, 1800)
      const xml = yield* pinRequest("GET", `/api/v2/pins/${created.id}`, { json: false })
      assert.match(xml.headers["content-type"] ?? "", /xml/)
      assert.include(xml.body, `<pin id="${created.id}" code="${created.code}"`)
      yield* TestClock.adjust("30 minutes")
      const gone = yield* pinRequest("GET", `/api/v2/pins/${created.id}`)
      assert.deepStrictEqual([gone.status, JSON.parse(gone.body).errors[0].code], [404, 1020])
    }).pipe(Effect.provide(fakeLayer())))

  it.effect("lifetimes are options", () =>
    Effect.gen(function*() {
      const strong = JSON.parse((yield* pinRequest("POST", "/api/v2/pins?strong=true")).body)
      const weak = JSON.parse((yield* pinRequest("POST", "/api/v2/pins")).body)
      assert.deepStrictEqual([strong.expiresIn, weak.expiresIn], [60, 30])
    }).pipe(Effect.provide(fakeLayer({ pins: { strongLifetimeSeconds: 60, weakLifetimeSeconds: 30 } }))))

  it("PlexTvModel.linkPin links a pending PIN once", () => {
    const state = PlexTvModel.make({ accounts: [FakeAccount.owner] })
    const [response, made] = PlexTvModel.handle(state, request("POST", "/api/v2/pins?strong=true"), 0)
    const { code } = JSON.parse(response.body)
    const [linked, next] = PlexTvModel.linkPin(made, code, FakeAccount.owner.id, 1000)
    assert.isTrue(linked)
    assert.isFalse(PlexTvModel.linkPin(next, code, FakeAccount.owner.id, 2000)[0])
    assert.isFalse(PlexTvModel.linkPin(made, code, 99, 1000)[0])
    assert.isFalse(PlexTvModel.linkPin(made, code, FakeAccount.owner.id, 1800 * 1000)[0])
  })

  it.effect("PlexTvFake.linkPin fails for an unknown login or code", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      const created = yield* pinRequest("POST", "/api/v2/pins")
      assert.strictEqual(created.status, 201)
      const { code } = JSON.parse(created.body)
      assert.strictEqual((yield* Effect.flip(fake.linkPin(code, "nobody")))._tag, "NoSuchElementException")
      assert.strictEqual((yield* Effect.flip(fake.linkPin("nope", "fake-owner")))._tag, "NoSuchElementException")
      yield* fake.linkPin(code, "owner@example.invalid")
    }).pipe(Effect.provide(fakeLayer())))
})
