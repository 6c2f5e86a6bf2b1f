import * as Headers from "@effect/platform/Headers"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { assert, describe, it, layer } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { PlexAuth, type PlexAuthError } from "@effect-plex/core"
import { PlexTvFake } from "@effect-plex/core/testing"
import {
  CLIENT_ID,
  emptyResponse,
  fakeAuth,
  getTokenDetails,
  hang,
  refused,
  signIn,
  withClock,
  wrappedFakeAuth
} from "./utils.js"
import { credentials, owner, tokens, twoFactor } from "../../../test-support/accounts.js"
import { isDone } from "../../../test-support/exits.js"

const ownerSignIn = signIn(credentials(owner.login, owner.password))
const wrongPassword = signIn(credentials(owner.login, "not-the-password"))

const codes = (error: { readonly errors: ReadonlyArray<{ readonly code?: number | undefined }> }) =>
  error.errors.map((entry) => entry.code)

const expectUnauthorized = (error: PlexAuthError) => {
  if (error._tag !== "PlexUnauthorizedError") return assert.fail(`expected PlexUnauthorizedError, got ${error._tag}`)
  return error
}

/** The status the fake answered the newest request with. */
const lastStatus = Effect.flatMap(PlexTvFake, (fake) => fake.requests).pipe(Effect.map((log) => log.at(-1)?.status))

describe("signIn over the fake plex.tv", () => {
  it.effect("signs in by username: 201, the user decoded, a token that getTokenDetails accepts", () =>
    Effect.gen(function*() {
      const user = yield* ownerSignIn
      assert.strictEqual(yield* lastStatus, 201)
      assert.strictEqual(user.id, 10000001)
      assert.strictEqual(user.uuid, "0f0f0f0f0f0f0f0f")
      assert.strictEqual(user.username, "fake-owner")
      assert.strictEqual(user.friendlyName, "Fake Owner")
      assert.isTrue(Redacted.isRedacted(user.authToken))

      const fake = yield* PlexTvFake
      const issued = yield* fake.token(Redacted.value(user.authToken))
      assert.strictEqual(issued?.accountId, 10000001)
      assert.strictEqual(issued?.clientIdentifier, CLIENT_ID)

      const again = yield* (yield* PlexAuth).getTokenDetails(user.authToken)
      assert.strictEqual(yield* lastStatus, 200)
      assert.strictEqual(again.id, user.id)
      assert.strictEqual(Redacted.value(again.authToken), Redacted.value(user.authToken))
      assert.strictEqual(yield* fake.signInAttempts, 1)
    }).pipe(Effect.provide(fakeAuth())))

  it.effect("signs in by e-mail", () =>
    Effect.gen(function*() {
      const user = yield* signIn(credentials(owner.email, owner.password))
      assert.strictEqual(user.id, 10000001)
      assert.strictEqual(user.email, owner.email)
    }).pipe(Effect.provide(fakeAuth())))

  it.effect("a wrong password fails with InvalidCredentials (401 / 1001)", () =>
    Effect.gen(function*() {
      const error = expectUnauthorized(yield* Effect.flip(wrongPassword))
      assert.strictEqual(error.status, 401)
      assert.strictEqual(error.reason, "InvalidCredentials")
      assert.deepStrictEqual(codes(error), [1001])
    }).pipe(Effect.provide(fakeAuth())))

  it.effect("an unknown login fails with InvalidCredentials", () =>
    Effect.gen(function*() {
      const error = expectUnauthorized(yield* Effect.flip(signIn(credentials("nobody", owner.password))))
      assert.strictEqual(error.reason, "InvalidCredentials")
    }).pipe(Effect.provide(fakeAuth())))

  it.effect("two-factor: no code → VerificationRequired, wrong → InvalidVerificationCode, right → user", () =>
    Effect.gen(function*() {
      const missing = expectUnauthorized(yield* Effect.flip(signIn(credentials(twoFactor.login, twoFactor.password))))
      assert.strictEqual(missing.reason, "VerificationRequired")
      assert.deepStrictEqual(codes(missing), [1029])

      const wrong = expectUnauthorized(
        yield* Effect.flip(signIn(credentials(twoFactor.login, twoFactor.password, { verificationCode: "654321" })))
      )
      assert.strictEqual(wrong.reason, "InvalidVerificationCode")
      assert.deepStrictEqual(codes(wrong), [1028])

      const user = yield* signIn(credentials(twoFactor.login, twoFactor.password, { verificationCode: twoFactor.code }))
      assert.strictEqual(user.username, "fake-2fa")
      assert.isTrue(user.twoFactorEnabled)
    }).pipe(Effect.provide(fakeAuth())))

  it.effect("after 5 failures even the right password is Throttled, until the cool-down passes", () =>
    Effect.gen(function*() {
      for (let i = 0; i < 5; i++) {
        assert.strictEqual(expectUnauthorized(yield* Effect.flip(wrongPassword)).reason, "InvalidCredentials")
      }
      const throttled = expectUnauthorized(yield* Effect.flip(ownerSignIn))
      assert.strictEqual(throttled.reason, "Throttled")
      assert.deepStrictEqual(codes(throttled), [1031])

      yield* TestClock.adjust("14 minutes")
      assert.strictEqual(expectUnauthorized(yield* Effect.flip(ownerSignIn)).reason, "Throttled")

      yield* TestClock.adjust("1 minute")
      assert.strictEqual((yield* ownerSignIn).id, 10000001)
      assert.strictEqual(yield* Effect.flatMap(PlexTvFake, (fake) => fake.signInAttempts), 8)
    }).pipe(Effect.provide(fakeAuth())))

  it.effect("4 failures do not lock: the right password still signs in and resets the count", () =>
    Effect.gen(function*() {
      for (let i = 0; i < 4; i++) yield* Effect.flip(wrongPassword)
      yield* ownerSignIn
      for (let i = 0; i < 4; i++) yield* Effect.flip(wrongPassword)
      assert.strictEqual((yield* ownerSignIn).id, 10000001)
    }).pipe(Effect.provide(fakeAuth())))
})

layer(fakeAuth())("getTokenDetails over the fake plex.tv", (it) => {
  it.effect("the owner's token gives the owner", () =>
    Effect.gen(function*() {
      const user = yield* getTokenDetails(owner.token)
      assert.strictEqual(user.id, 10000001)
      assert.strictEqual(Redacted.value(user.authToken), owner.token)
      assert.strictEqual(user.mailingListStatus, "active")
      assert.strictEqual(user.subscription?.active, true)
      assert.deepStrictEqual(user.subscription?.features, ["hardware_transcoding", "sync"])
      assert.strictEqual(user.rememberExpiresAt, 1790000000)
    }))

  it.effect("a managed user's token decodes, nulls and empty strings included", () =>
    Effect.gen(function*() {
      const user = yield* getTokenDetails(tokens.managed)
      assert.strictEqual(user.id, 10000002)
      assert.strictEqual(user.username, "")
      assert.strictEqual(user.email, "")
      assert.strictEqual(user.title, "Kid Profile")
      assert.isTrue(user.restricted)
      assert.isFalse(user.hasPassword)
      // null on the wire
      assert.isUndefined(user.mailingListStatus)
      assert.isUndefined(user.rememberExpiresAt)
      assert.isUndefined(user.subscription?.subscribedAt)
      assert.isUndefined(user.customRestrictions?.movies)
      assert.strictEqual(user.restrictionProfile, "older_kid")
    }))

  it.effect("an unknown token fails with InvalidToken (401 / 1001)", () =>
    Effect.gen(function*() {
      const error = expectUnauthorized(yield* Effect.flip(getTokenDetails("not-a-token")))
      assert.strictEqual(error.status, 401)
      assert.strictEqual(error.reason, "InvalidToken")
      assert.deepStrictEqual(codes(error), [1001])
    }))
})

describe("tokens that stopped working", () => {
  it.effect("a revoked token answers 422 with an XML body: InvalidToken", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      yield* getTokenDetails(owner.token)
      yield* fake.revokeToken(owner.token)
      const error = expectUnauthorized(yield* Effect.flip(getTokenDetails(owner.token)))
      assert.strictEqual(error.status, 422)
      assert.strictEqual(error.reason, "InvalidToken")
      assert.deepStrictEqual(error.errors.map((entry) => entry.message), ["Invalid token"])
      // not retried: plex.tv decided
      assert.strictEqual((yield* fake.requests).filter((entry) => entry.status === 422).length, 1)
    }).pipe(Effect.provide(fakeAuth())))

  it.effect("a revoked token answering a JSON errors body is InvalidToken too", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      yield* fake.revokeToken(owner.token)
      const error = expectUnauthorized(yield* Effect.flip(getTokenDetails(owner.token)))
      assert.strictEqual(error.status, 422)
      assert.strictEqual(error.reason, "InvalidToken")
      assert.strictEqual(error.errors[0]?.message, "Invalid token")
    }).pipe(Effect.provide(fakeAuth({ revokedTokenBody: "json" }))))

  it.effect("signOut invalidates the token; ping works until then", () =>
    Effect.gen(function*() {
      const auth = yield* PlexAuth
      const user = yield* ownerSignIn
      yield* auth.ping(user.authToken)
      yield* auth.signOut(user.authToken)
      assert.strictEqual(yield* lastStatus, 204)
      const error = expectUnauthorized(yield* Effect.flip(auth.getTokenDetails(user.authToken)))
      assert.strictEqual(error.reason, "InvalidToken")
      assert.strictEqual(expectUnauthorized(yield* Effect.flip(auth.ping(user.authToken))).reason, "InvalidToken")
    }).pipe(Effect.provide(fakeAuth())))
})

describe("requests plex.tv rejects before any route", () => {
  // a request rebuilt without the header (`modify` merges headers, it cannot drop one)
  const withoutClientIdentifier = wrappedFakeAuth((fake, request) =>
    fake.execute(
      HttpClientRequest.make(request.method)(request.url, {
        headers: Headers.remove(request.headers, "x-plex-client-identifier"),
        urlParams: request.urlParams,
        body: request.body
      })
    )
  )

  it.effect("without X-Plex-Client-Identifier: PlexBadRequestError with code 1000", () =>
    Effect.gen(function*() {
      for (const call of [ownerSignIn, getTokenDetails(owner.token)]) {
        const error = yield* Effect.flip(call)
        if (error._tag !== "PlexBadRequestError") return assert.fail(`expected PlexBadRequestError, got ${error._tag}`)
        assert.strictEqual(error.status, 400)
        assert.deepStrictEqual(codes(error), [1000])
      }
      const log = yield* Effect.flatMap(PlexTvFake, (fake) => fake.requests)
      assert.deepStrictEqual(log.map((entry) => [entry.status, entry.clientIdentifier]), [
        [400, undefined],
        [400, undefined]
      ])
      assert.strictEqual(yield* Effect.flatMap(PlexTvFake, (fake) => fake.signInAttempts), 0)
    }).pipe(Effect.provide(withoutClientIdentifier)))

  it.effect("past the rate limit: PlexRateLimitError with the Retry-After the fake sent", () =>
    Effect.gen(function*() {
      yield* getTokenDetails(owner.token)
      yield* getTokenDetails(owner.token)
      const error = yield* Effect.flip(getTokenDetails(owner.token))
      if (error._tag !== "PlexRateLimitError") return assert.fail(`expected PlexRateLimitError, got ${error._tag}`)
      assert.isTrue(Option.isSome(error.retryAfter))
      assert.isTrue(Duration.equals(Option.getOrThrow(error.retryAfter), Duration.seconds(7)))
      // a new window opens after windowMillis
      yield* TestClock.adjust("1 minute")
      assert.strictEqual((yield* getTokenDetails(owner.token)).id, 10000001)
    }).pipe(
      Effect.provide(
        fakeAuth({ rateLimit: { limit: 2, windowMillis: 60_000, retryAfterSeconds: 7 } }, { retry: { times: 0 } })
      )
    ))

  it.effect("past the rate limit without Retry-After: retryAfter is none", () =>
    Effect.gen(function*() {
      yield* getTokenDetails(owner.token)
      const error = yield* Effect.flip(getTokenDetails(owner.token))
      if (error._tag !== "PlexRateLimitError") return assert.fail(`expected PlexRateLimitError, got ${error._tag}`)
      assert.isTrue(Option.isNone(error.retryAfter))
    }).pipe(Effect.provide(fakeAuth({ rateLimit: { limit: 1, windowMillis: 60_000 } }, { retry: { times: 0 } }))))

  it.effect("getTokenDetails waits out the fake's Retry-After and then succeeds", () =>
    Effect.gen(function*() {
      yield* getTokenDetails(owner.token)
      const fiber = yield* Effect.fork(getTokenDetails(owner.token))
      yield* TestClock.adjust("9 seconds")
      assert.isFalse(yield* isDone(fiber))
      yield* TestClock.adjust("1 second")
      assert.strictEqual((yield* Fiber.join(fiber)).id, 10000001)
      const log = yield* Effect.flatMap(PlexTvFake, (fake) => fake.requests)
      assert.deepStrictEqual(log.map((entry) => entry.status), [200, 429, 200])
    }).pipe(Effect.provide(fakeAuth({ rateLimit: { limit: 1, windowMillis: 10_000, retryAfterSeconds: 10 } }))))
})

describe("signIn is never retried", () => {
  /** The fake sees (and counts) the sign-in, then the answer is replaced by a fault. */
  const faults = {
    "503 from a proxy": () => Effect.succeed(emptyResponse(503)),
    "429": () => Effect.succeed(emptyResponse(429, { "retry-after": "1" })),
    "a timeout": hang,
    "a dropped connection": refused("ECONNRESET")
  } as const
  const expected = {
    "503 from a proxy": "PlexHttpError",
    "429": "PlexRateLimitError",
    "a timeout": "PlexTimeoutError",
    "a dropped connection": "PlexTransportError"
  } as const

  for (const name of Object.keys(faults) as Array<keyof typeof faults>) {
    const auth = wrappedFakeAuth((fake, request) =>
      Effect.flatMap(fake.execute(request), () => {
        const answer = faults[name]({ request, url: new URL(request.url) })
        return Effect.map(answer, (response) => HttpClientResponse.fromWeb(request, response))
      })
    )

    it.effect(`after ${name}, the fake saw exactly one sign-in`, () =>
      Effect.gen(function*() {
        const exit = yield* withClock(ownerSignIn)
        assert.isTrue(Exit.isFailure(exit))
        if (Exit.isFailure(exit)) {
          const error = exit.cause._tag === "Fail" ? exit.cause.error : undefined
          assert.strictEqual(error?._tag, expected[name])
        }
        assert.strictEqual(yield* Effect.flatMap(PlexTvFake, (fake) => fake.signInAttempts), 1)

        // the same fault on getTokenDetails is retried: the wrapper does let retries through
        yield* withClock(getTokenDetails(owner.token))
        const log = yield* Effect.flatMap(PlexTvFake, (fake) => fake.requests)
        assert.strictEqual(log.filter((entry) => entry.path === "/api/v2/user").length, 4)
      }).pipe(Effect.provide(auth)))
  }
})
