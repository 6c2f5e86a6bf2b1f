/**
 * PlexAuth over real HTTP: undici against the fake plex.tv served by PlexTvServer on 127.0.0.1.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { PasswordCredentials, PlexAuth, PlexConfig } from "@effect-plex/core"
import { PlexTvFake } from "@effect-plex/core/testing"
import { PlexNode } from "@effect-plex/node"
import { PlexTvServer } from "@effect-plex/node/testing"
import { CLIENT_ID, closedPort, httpClientLayer, httpStack, silentServer } from "./support.js"
import { accounts, tokens } from "../../../test-support/accounts.js"
import { eventually } from "../../../test-support/exits.js"
import { assertNoSecrets } from "../../../test-support/printed.js"

const credentials = (login: string, password: string, verificationCode?: string) =>
  PasswordCredentials.make({
    login,
    password: Redacted.make(password),
    ...(verificationCode === undefined ? {} : { verificationCode })
  })

const signIn = (login: string, password: string, verificationCode?: string) =>
  Effect.flatMap(PlexAuth, (auth) => auth.signIn(credentials(login, password, verificationCode)))

const getTokenDetails = (token: string) =>
  Effect.flatMap(PlexAuth, (auth) => auth.getTokenDetails(Redacted.make(token)))

/** The log entries of one path, without their times. */
const logOf = (path: string) =>
  Effect.map(
    Effect.flatMap(PlexTvFake, (fake) => fake.requests),
    (log) => log.filter((entry) => entry.path === path).map(({ at: _, ...entry }) => entry)
  )

const secrets = ["owner-password", "twofactor-password", "wrong-password", ...Object.values(tokens)]

describe("sign-in over HTTP", () => {
  it.live("the right password answers the account and a new token issued to this client", () =>
    Effect.gen(function*() {
      const user = yield* signIn("fake-owner", "owner-password")
      assert.strictEqual(user.id, 10000001)
      assert.strictEqual(user.username, "fake-owner")
      assert.strictEqual(user.email, "owner@example.invalid")
      assert.strictEqual(user.subscription?.plan, "lifetime")
      const token = Redacted.value(user.authToken)
      assert.notStrictEqual(token, tokens.owner) // a sign-in issues a token of its own
      assert.strictEqual(String(user.authToken), "<redacted>")

      const fake = yield* PlexTvFake
      const record = yield* fake.token(token)
      assert.deepStrictEqual(record, {
        accountId: 10000001,
        clientIdentifier: CLIENT_ID,
        state: "active",
        kind: "classic"
      })
      assert.strictEqual(yield* fake.signInAttempts, 1)
      assert.deepStrictEqual(yield* logOf("/api/v2/users/signin"), [
        {
          method: "POST",
          path: "/api/v2/users/signin",
          status: 201,
          clientIdentifier: CLIENT_ID,
          tokenIn: "none",
          accept: "application/json"
        }
      ])

      // the new token works
      assert.strictEqual((yield* getTokenDetails(token)).username, "fake-owner")
    }).pipe(Effect.provide(httpStack())))

  it.live("the e-mail address works as the login", () =>
    Effect.gen(function*() {
      const user = yield* signIn("owner@example.invalid", "owner-password")
      assert.strictEqual(user.username, "fake-owner")
    }).pipe(Effect.provide(httpStack())))

  it.live("a wrong password fails with InvalidCredentials (401, code 1001) and is not retried", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(signIn("fake-owner", "wrong-password"))
      assert.strictEqual(error._tag, "PlexUnauthorizedError")
      if (error._tag !== "PlexUnauthorizedError") return
      assert.strictEqual(error.reason, "InvalidCredentials")
      assert.strictEqual(error.status, 401)
      assert.deepStrictEqual(error.errors.map((e) => e.code), [1001])
      assert.strictEqual(yield* Effect.flatMap(PlexTvFake, (fake) => fake.signInAttempts), 1)
      assertNoSecrets(error, secrets)
    }).pipe(Effect.provide(httpStack())))

  it.live("a two-factor account: no code, a wrong code, then the right code", () =>
    Effect.gen(function*() {
      const missing = yield* Effect.flip(signIn("fake-2fa", "twofactor-password"))
      assert.strictEqual(missing._tag, "PlexUnauthorizedError")
      assert.strictEqual(missing._tag === "PlexUnauthorizedError" && missing.reason, "VerificationRequired")
      assert.deepStrictEqual(missing._tag === "PlexUnauthorizedError" && missing.errors.map((e) => e.code), [1029])

      const wrong = yield* Effect.flip(signIn("fake-2fa", "twofactor-password", "000000"))
      assert.strictEqual(wrong._tag, "PlexUnauthorizedError")
      assert.strictEqual(wrong._tag === "PlexUnauthorizedError" && wrong.reason, "InvalidVerificationCode")
      assert.deepStrictEqual(wrong._tag === "PlexUnauthorizedError" && wrong.errors.map((e) => e.code), [1028])
      assertNoSecrets(wrong, [...secrets, "000000"])

      const user = yield* signIn("fake-2fa", "twofactor-password", "123456")
      assert.strictEqual(user.username, "fake-2fa")
      assert.strictEqual(user.twoFactorEnabled, true)
      assert.strictEqual(yield* Effect.flatMap(PlexTvFake, (fake) => fake.signInAttempts), 3)
    }).pipe(Effect.provide(httpStack())))
})

describe("getTokenDetails over HTTP", () => {
  it.live("the owner's token answers the owner, the token sent in the X-Plex-Token header", () =>
    Effect.gen(function*() {
      const user = yield* getTokenDetails(tokens.owner)
      assert.strictEqual(user.id, 10000001)
      assert.strictEqual(user.uuid, "0f0f0f0f0f0f0f0f")
      assert.strictEqual(user.username, "fake-owner")
      assert.strictEqual(user.friendlyName, "Fake Owner")
      assert.strictEqual(user.restricted, false)
      assert.strictEqual(user.homeAdmin, true)
      assert.deepStrictEqual(user.roles, ["plexpass"])
      assert.strictEqual(Redacted.value(user.authToken), tokens.owner)
      assert.deepStrictEqual(yield* logOf("/api/v2/user"), [
        {
          method: "GET",
          path: "/api/v2/user",
          status: 200,
          clientIdentifier: CLIENT_ID,
          tokenIn: "header",
          accept: "application/json"
        }
      ])
    }).pipe(Effect.provide(httpStack())))

  it.live("a managed Home user's token: empty strings and nulls decode", () =>
    Effect.gen(function*() {
      const user = yield* getTokenDetails(tokens.managed)
      assert.strictEqual(user.id, 10000002)
      assert.strictEqual(user.uuid, "1e1e1e1e1e1e1e1e")
      assert.strictEqual(user.username, "")
      assert.strictEqual(user.email, "")
      assert.strictEqual(user.title, "Kid Profile")
      assert.strictEqual(user.restricted, true)
      assert.strictEqual(user.hasPassword, false)
      assert.strictEqual(user.mailingListStatus, undefined) // null on the wire
      assert.strictEqual(user.rememberExpiresAt, undefined) // null on the wire
      assert.strictEqual(user.restrictionProfile, "older_kid")
      assert.strictEqual(user.subscription?.active, false)
      assert.strictEqual(Redacted.value(user.authToken), tokens.managed)
    }).pipe(Effect.provide(httpStack())))

  it.live("an unknown token fails with InvalidToken (401) and is not retried", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(getTokenDetails("FAKEtokenUnknown9999"))
      assert.strictEqual(error._tag, "PlexUnauthorizedError")
      if (error._tag !== "PlexUnauthorizedError") return
      assert.strictEqual(error.reason, "InvalidToken")
      assert.strictEqual(error.status, 401)
      assert.deepStrictEqual(error.errors.map((e) => e.code), [1001])
      assert.deepStrictEqual((yield* logOf("/api/v2/user")).map((entry) => entry.status), [401])
      assertNoSecrets(error, [...secrets, "FAKEtokenUnknown9999"])
    }).pipe(Effect.provide(httpStack())))

  it.live("a revoked token answers 422 with the bare XML body: InvalidToken, status 422", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      assert.strictEqual((yield* getTokenDetails(tokens.owner)).username, "fake-owner")
      yield* fake.revokeToken(tokens.owner)
      const error = yield* Effect.flip(getTokenDetails(tokens.owner))
      assert.strictEqual(error._tag, "PlexUnauthorizedError")
      if (error._tag !== "PlexUnauthorizedError") return
      assert.strictEqual(error.reason, "InvalidToken")
      assert.strictEqual(error.status, 422)
      assert.deepStrictEqual(error.errors.map((e) => ({ ...e })), [{ message: "Invalid token" }])
      assert.deepStrictEqual((yield* logOf("/api/v2/user")).map((entry) => entry.status), [200, 422])
      assertNoSecrets(error, secrets)
      // other tokens are untouched
      assert.strictEqual((yield* getTokenDetails(tokens.managed)).id, 10000002)
    }).pipe(Effect.provide(httpStack())))

  it.live("the JSON form of the revoked-token answer classifies the same", () =>
    Effect.gen(function*() {
      yield* Effect.flatMap(PlexTvFake, (fake) => fake.revokeToken(tokens.owner))
      const error = yield* Effect.flip(getTokenDetails(tokens.owner))
      assert.strictEqual(error._tag, "PlexUnauthorizedError")
      assert.strictEqual(error._tag === "PlexUnauthorizedError" && error.reason, "InvalidToken")
      assert.strictEqual(error._tag === "PlexUnauthorizedError" && error.status, 422)
    }).pipe(Effect.provide(httpStack({ settings: { revokedTokenBody: "json" } }))))
})

describe("rate limits over HTTP", () => {
  const limited = { limit: 0, windowMillis: 60_000 }

  it.live("429 with Retry-After: PlexRateLimitError carrying the wait; sign-in is not retried", () =>
    Effect.gen(function*() {
      yield* Effect.flatMap(PlexTvFake, (fake) => fake.configure({ rateLimit: { ...limited, retryAfterSeconds: 7 } }))
      const error = yield* Effect.flip(signIn("fake-owner", "owner-password"))
      assert.strictEqual(error._tag, "PlexRateLimitError")
      if (error._tag !== "PlexRateLimitError") return
      assert.isTrue(Option.isSome(error.retryAfter))
      assert.strictEqual(Duration.toMillis(Option.getOrThrow(error.retryAfter)), 7_000)
      assert.deepStrictEqual((yield* logOf("/api/v2/users/signin")).map((entry) => entry.status), [429])
      assertNoSecrets(error, secrets)
    }).pipe(Effect.provide(httpStack())))

  it.live("429 without Retry-After: PlexRateLimitError without a wait", () =>
    Effect.gen(function*() {
      yield* Effect.flatMap(PlexTvFake, (fake) => fake.configure({ rateLimit: limited }))
      const error = yield* Effect.flip(getTokenDetails(tokens.owner))
      assert.strictEqual(error._tag, "PlexRateLimitError")
      assert.isTrue(error._tag === "PlexRateLimitError" && Option.isNone(error.retryAfter))
      assert.deepStrictEqual((yield* logOf("/api/v2/user")).map((entry) => entry.status), [429])
    }).pipe(Effect.provide(httpStack({ config: { retry: { times: 0 } } }))))

  it.live("getTokenDetails retries a 429 up to retry.times, then fails", () =>
    Effect.gen(function*() {
      // a short Retry-After keeps the test fast: without one, the client cools down for at least a second
      const rateLimit = { ...limited, retryAfterSeconds: 0.05 }
      yield* Effect.flatMap(PlexTvFake, (fake) => fake.configure({ rateLimit }))
      const error = yield* Effect.flip(getTokenDetails(tokens.owner))
      assert.strictEqual(error._tag, "PlexRateLimitError")
      assert.deepStrictEqual((yield* logOf("/api/v2/user")).map((entry) => entry.status), [429, 429, 429])
    }).pipe(Effect.provide(httpStack({ config: { retry: { times: 2, base: "5 millis" } } }))))

  it.live("getTokenDetails waits for Retry-After before retrying, then succeeds", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      // one request per 200 ms window, and a Retry-After of 1 s: the retry lands in a fresh window
      yield* fake.configure({ rateLimit: { limit: 1, windowMillis: 200, retryAfterSeconds: 1 } })
      yield* getTokenDetails(tokens.owner)
      const [elapsed, user] = yield* Effect.timed(getTokenDetails(tokens.owner))
      assert.strictEqual(user.username, "fake-owner")
      assert.isAtLeast(Duration.toMillis(elapsed), 990)
      assert.deepStrictEqual((yield* logOf("/api/v2/user")).map((entry) => entry.status), [200, 429, 200])
    }).pipe(Effect.provide(httpStack({ config: { retry: { times: 1, base: "5 millis" } } }))))
})

describe("connections", () => {
  it.live("sequential calls reuse keep-alive connections, which close with the HTTP client's layer", () =>
    Effect.gen(function*() {
      const server = yield* PlexTvServer
      yield* Effect.gen(function*() {
        for (let round = 0; round < 4; round++) {
          yield* signIn("fake-owner", "owner-password")
          yield* Effect.flip(signIn("fake-owner", "wrong-password"))
          yield* getTokenDetails(tokens.owner)
          yield* getTokenDetails(tokens.managed)
          yield* Effect.flip(getTokenDetails("FAKEtokenUnknown9999"))
        }
        yield* Effect.flatMap(PlexTvFake, (fake) => fake.revokeToken(tokens.managed))
        yield* Effect.flip(getTokenDetails(tokens.managed))
        // 21 calls, success and error bodies alike read to the end, so connections are reused. undici frees a
        // connection a tick after its body ends, so back-to-back calls may alternate between two: at most 2.
        assert.isAtMost(yield* server.openConnections, 2)
      }).pipe(Effect.provide(httpClientLayer()))
      // the HTTP client's layer is closed: its keep-alive connections go with it
      yield* eventually(Effect.map(server.openConnections, (n) => n === 0), "a connection was left open")
    }).pipe(Effect.provide(PlexTvServer.layer({ accounts, settings: { lockoutThreshold: 100 } }))))

  it.live("concurrent calls all succeed and their connections are closed with the layer", () =>
    Effect.gen(function*() {
      const server = yield* PlexTvServer
      yield* Effect.gen(function*() {
        const users = yield* Effect.all(
          Array.from({ length: 8 }, (_, i) => getTokenDetails(i % 2 === 0 ? tokens.owner : tokens.managed)),
          { concurrency: "unbounded" }
        )
        assert.deepStrictEqual(users.map((user) => user.id), [1, 2, 1, 2, 1, 2, 1, 2].map((n) => 10000000 + n))
        assert.isAtMost(yield* server.openConnections, 8)
      }).pipe(Effect.provide(httpClientLayer()))
      yield* eventually(Effect.map(server.openConnections, (n) => n === 0), "a connection was left open")
    }).pipe(Effect.provide(PlexTvServer.layer({ accounts }))))
})

describe("no answer", () => {
  const direct = (baseUrl: string, options?: { readonly timeout?: Duration.DurationInput; readonly times?: number }) =>
    PlexAuth.layer.pipe(
      Layer.provide(PlexConfig.layer({
        baseUrl,
        client: { clientIdentifier: CLIENT_ID },
        ...(options?.timeout === undefined ? {} : { timeout: options.timeout }),
        retry: { times: options?.times ?? 0, base: "5 millis" }
      })),
      Layer.provide(PlexNode.layerHttpClient)
    )

  it.live("a closed port fails with PlexTransportError (ECONNREFUSED), without the URL or secrets", () =>
    Effect.gen(function*() {
      const port = yield* closedPort
      const auth = direct(`http://127.0.0.1:${port}`)
      for (const call of [getTokenDetails(tokens.owner), signIn("fake-owner", "owner-password")]) {
        const error = yield* Effect.flip(Effect.provide(call, auth))
        assert.strictEqual(error._tag, "PlexTransportError")
        if (error._tag !== "PlexTransportError") return
        assert.include(error.reason, "ECONNREFUSED")
        assert.include(error.message, "ECONNREFUSED")
        // the message names the configured host (not a secret), never a URL or a path; the stack may
        // name the endpoint's span ("GET /api/v2/user", a path template), never the URL
        assert.notInclude(error.message, "/api/v2")
        assertNoSecrets(error, [...secrets, "http://", `${port}/api`])
      }
    }))

  it.live("the port of a stopped PlexTvServer refuses too", () =>
    Effect.gen(function*() {
      // the server's layer is released as soon as this effect ends
      const port = yield* Effect.map(PlexTvServer, (server) => server.port).pipe(
        Effect.provide(PlexTvServer.layer({ accounts }))
      )
      const auth = direct(`http://127.0.0.1:${port}`)
      const error = yield* Effect.flip(Effect.provide(getTokenDetails(tokens.owner), auth))
      assert.strictEqual(error._tag, "PlexTransportError")
      assert.include(error._tag === "PlexTransportError" ? error.reason : "", "ECONNREFUSED")
    }))

  it.live("a server that never answers: PlexTimeoutError after the configured timeout", () =>
    Effect.gen(function*() {
      const server = yield* silentServer
      const [elapsed, error] = yield* Effect.timed(
        Effect.flip(Effect.provide(
          getTokenDetails(tokens.owner),
          direct(`http://127.0.0.1:${server.port}`, {
            timeout: "300 millis"
          })
        ))
      )
      assert.strictEqual(error._tag, "PlexTimeoutError")
      if (error._tag !== "PlexTimeoutError") return
      assert.strictEqual(Duration.toMillis(error.timeout), 300)
      assert.match(error.message, /^127\.0\.0\.1:\d+ did not answer within 300ms$/)
      assert.isAtLeast(Duration.toMillis(elapsed), 290)
      assert.isBelow(Duration.toMillis(elapsed), 10_000) // wide: a loaded machine may be slow to wake
      assert.strictEqual(server.requests(), 1)
      assert.notInclude(error.message, "/api/v2")
      assertNoSecrets(error, [...secrets, "http://", `${server.port}/api`]) // a span name in the stack is a path template
      // the abandoned request does not keep its connection
      yield* eventually(Effect.sync(() => server.open() === 0), "the timed-out connection was left open")
    }).pipe(Effect.scoped))

  it.live("a timeout is retried for getTokenDetails, never for signIn", () =>
    Effect.gen(function*() {
      const server = yield* silentServer
      const auth = direct(`http://127.0.0.1:${server.port}`, { timeout: "200 millis", times: 1 })
      const [elapsed, error] = yield* Effect.timed(Effect.flip(Effect.provide(getTokenDetails(tokens.owner), auth)))
      assert.strictEqual(error._tag, "PlexTimeoutError")
      assert.isAtLeast(Duration.toMillis(elapsed), 390)
      assert.strictEqual(server.requests(), 2)

      const signInError = yield* Effect.flip(Effect.provide(signIn("fake-owner", "owner-password"), auth))
      assert.strictEqual(signInError._tag, "PlexTimeoutError")
      assert.strictEqual(server.requests(), 3)
    }).pipe(Effect.scoped))
})
