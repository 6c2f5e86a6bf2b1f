/**
 * Testing your own code against the fake plex.tv: `PlexTvFake.layer` provides the `HttpClient`
 * under the real `PlexAuth`, answered in memory by a model of plex.tv. Your configuration, the
 * requests, the status mapping and the retries all run for real; nothing leaves the process, and
 * `TestClock` drives the fake's time and the retry waits alike.
 *
 * Copy this file into your suite and replace the "user code" part with yours.
 */
import { PasswordCredentials, PlexAuth, PlexConfig, PlexUnauthorizedError } from "@effect-plex/core"
import { FakeAccount, PlexTvFake } from "@effect-plex/core/testing"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"

// ---------------------------------------------------------------------------------------------
// User code: a small piece of an app that signs in and remembers who the token belongs to.
// ---------------------------------------------------------------------------------------------

/** The app's own error: the stored token is dead, the user has to sign in again. */
class SessionExpired extends Schema.TaggedError<SessionExpired>()("SessionExpired", {}) {}

/** The username behind a stored token. A dead token becomes `SessionExpired`; other failures pass through. */
const currentUsername = (token: Redacted.Redacted<string>) =>
  Effect.flatMap(PlexAuth, (auth) => auth.getTokenDetails(token)).pipe(
    Effect.map((user) => user.username || user.title || String(user.id)),
    Effect.catchIf(
      (error) => error._tag === "PlexUnauthorizedError" && error.reason === "InvalidToken",
      () => Effect.fail(new SessionExpired())
    )
  )

/** Signs in and returns the new token. */
const signIn = (login: string, password: string) =>
  Effect.gen(function*() {
    const auth = yield* PlexAuth
    const user = yield* auth.signIn(PasswordCredentials.make({ login, password: Redacted.make(password) }))
    return user.authToken
  })

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

const alice = FakeAccount.make({
  id: 20000001,
  username: "alice",
  email: "alice@example.invalid",
  password: "alice-password",
  tokens: ["alice-token"]
})

/**
 * The real `PlexAuth` over the fake plex.tv. `provideMerge` keeps `PlexTvFake` in the context,
 * so a test can change the fake and look at what reached it. `Effect.provide` builds the layer
 * anew for each test, so every test starts from a fresh fake.
 */
const TestPlex = PlexAuth.layer.pipe(
  Layer.provideMerge(PlexTvFake.layer({ accounts: [alice] })),
  Layer.provide(PlexConfig.layer({ client: { clientIdentifier: "my-app-tests" } }))
)

describe("currentUsername", () => {
  it.effect("returns the username behind a valid token", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* currentUsername(Redacted.make("alice-token")), "alice")
    }).pipe(Effect.provide(TestPlex)))

  it.effect("turns an unknown token into SessionExpired", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(currentUsername(Redacted.make("no-such-token")))
      assert.instanceOf(error, SessionExpired)
    }).pipe(Effect.provide(TestPlex)))

  it.effect("turns a revoked token (422 \"Invalid token\") into SessionExpired", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      yield* fake.revokeToken("alice-token")
      const error = yield* Effect.flip(currentUsername(Redacted.make("alice-token")))
      assert.instanceOf(error, SessionExpired)
    }).pipe(Effect.provide(TestPlex)))

  it.effect("keeps the session when plex.tv is rate limiting: the error passes through, after retries", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      yield* fake.configure({ rateLimit: { limit: 0, windowMillis: 60_000, retryAfterSeconds: 1 } })
      // the library's retries wait (at least Retry-After) on the TestClock: fork, move time, join
      const fiber = yield* Effect.fork(Effect.flip(currentUsername(Redacted.make("alice-token"))))
      yield* TestClock.adjust("1 minute")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "PlexRateLimitError")
      const requests = yield* fake.requests
      assert.strictEqual(requests.filter((entry) => entry.path === "/api/v2/user").length, 4) // 1 + 3 retries
    }).pipe(Effect.provide(TestPlex)))
})

describe("signIn", () => {
  it.effect("returns a token that currentUsername accepts", () =>
    Effect.gen(function*() {
      const token = yield* signIn("alice@example.invalid", "alice-password")
      assert.strictEqual(String(token), "<redacted>") // tokens never print
      assert.strictEqual(yield* currentUsername(token), "alice")
    }).pipe(Effect.provide(TestPlex)))

  it.effect("a wrong password fails once and is not retried", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(signIn("alice", "wrong-password")))
      yield* TestClock.adjust("1 minute") // would let any retry happen
      const error = yield* Fiber.join(fiber)
      assert.instanceOf(error, PlexUnauthorizedError)
      assert.strictEqual(error.reason, "InvalidCredentials")
      const fake = yield* PlexTvFake
      assert.strictEqual(yield* fake.signInAttempts, 1)
    }).pipe(Effect.provide(TestPlex)))
})
