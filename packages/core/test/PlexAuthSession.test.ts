import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { PasswordCredentials, PlexAuth, PlexConfig } from "@effect-plex/core"
import { FakeAccount, PlexTvFake } from "@effect-plex/core/testing"

const TestLayer = PlexAuth.layer.pipe(
  Layer.provide(PlexConfig.layer({ client: { clientIdentifier: "session-test" } })),
  Layer.provideMerge(PlexTvFake.layer({ accounts: [FakeAccount.owner], settings: { rateLimit: undefined } }))
)

const signIn = Effect.flatMap(
  PlexAuth,
  (auth) => auth.signIn(PasswordCredentials.make({ login: "fake-owner", password: Redacted.make("owner-password") }))
)

const requestsTo = (path: string) =>
  Effect.flatMap(PlexTvFake, (fake) => Effect.map(fake.requests, (log) => log.filter((entry) => entry.path === path)))

describe("PlexAuth sign-out and ping", () => {
  it.effect("ping keeps a valid token alive and fails typed for a dead one", () =>
    Effect.gen(function*() {
      const auth = yield* PlexAuth
      const { authToken } = yield* signIn
      yield* auth.ping(authToken)
      const [entry] = yield* requestsTo("/api/v2/ping")
      assert.strictEqual(entry?.status, 200)
      assert.strictEqual(entry?.tokenIn, "header")
      const error = yield* Effect.flip(auth.ping(Redacted.make("unknown-token")))
      assert.strictEqual(error._tag, "PlexUnauthorizedError")
      if (error._tag === "PlexUnauthorizedError") assert.strictEqual(error.reason, "InvalidToken")
    }).pipe(Effect.provide(TestLayer)))

  it.effect("signOut answers 204 and the token is dead afterwards (401, InvalidToken)", () =>
    Effect.gen(function*() {
      const auth = yield* PlexAuth
      const { authToken } = yield* signIn
      yield* auth.signOut(authToken)
      const [entry] = yield* requestsTo("/api/v2/users/signout")
      assert.strictEqual(entry?.status, 204)
      const error = yield* Effect.flip(auth.getTokenDetails(authToken))
      assert.strictEqual(error._tag, "PlexUnauthorizedError")
      if (error._tag === "PlexUnauthorizedError") {
        assert.strictEqual(error.status, 401)
        assert.strictEqual(error.reason, "InvalidToken")
      }
      assert.strictEqual((yield* Effect.flip(auth.ping(authToken)))._tag, "PlexUnauthorizedError")
    }).pipe(Effect.provide(TestLayer)))

  it.effect("signOut is not retried after a response; ping is", () =>
    Effect.gen(function*() {
      const auth = yield* PlexAuth
      const fake = yield* PlexTvFake
      const { authToken } = yield* signIn
      yield* fake.configure({ rateLimit: { limit: 0, windowMillis: 1_000, retryAfterSeconds: 0 } })
      assert.strictEqual((yield* Effect.flip(auth.signOut(authToken)))._tag, "PlexRateLimitError")
      assert.strictEqual((yield* requestsTo("/api/v2/users/signout")).length, 1)

      const ping = yield* Effect.fork(Effect.flip(auth.ping(authToken)))
      yield* TestClock.adjust("1 minute")
      assert.strictEqual((yield* Fiber.join(ping))._tag, "PlexRateLimitError")
      assert.strictEqual((yield* requestsTo("/api/v2/ping")).length, 4) // 1 attempt + 3 retries
    }).pipe(Effect.provide(TestLayer)))

  it.effect("a signed-out token of one device leaves the other devices' tokens alive", () =>
    Effect.gen(function*() {
      const auth = yield* PlexAuth
      const { authToken } = yield* signIn
      const preset = Redacted.make(FakeAccount.owner.tokens[0]!)
      yield* auth.signOut(authToken)
      assert.strictEqual((yield* auth.getTokenDetails(preset)).username, "fake-owner")
    }).pipe(Effect.provide(TestLayer)))
})
