/**
 * One scenario, two front doors: the in-memory PlexTvFake and PlexTvServer over undici must answer alike.
 */
import { assert, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { PasswordCredentials, PlexAuth, type PlexAuthError, PlexConfig, PlexUser } from "@effect-plex/core"
import { PlexTvFake, type PlexTvOptions } from "@effect-plex/core/testing"
import { PlexNode } from "@effect-plex/node"
import { PlexTvServer } from "@effect-plex/node/testing"
import { CLIENT_ID } from "./support.js"
import { accounts, tokens } from "../../../test-support/accounts.js"

const options: PlexTvOptions = { accounts }
const config = { retry: { times: 0 } } as const

/** A failure as plain data: what a caller can branch on. */
const failure = (error: PlexAuthError) => {
  switch (error._tag) {
    case "PlexUnauthorizedError":
      return {
        tag: error._tag,
        reason: error.reason,
        status: error.status,
        errors: error.errors.map((e) => ({ ...e }))
      }
    case "PlexRateLimitError":
      return { tag: error._tag, retryAfter: Option.map(error.retryAfter, Duration.toMillis).pipe(Option.getOrNull) }
    case "PlexBadRequestError":
    case "PlexHttpError":
      return { tag: error._tag, status: error.status, errors: error.errors.map((e) => ({ ...e })) }
    default:
      return { tag: error._tag }
  }
}

const encodeUser = Schema.encodeSync(PlexUser)

/** The scenario, written once; it needs only PlexAuth and the fake, whatever carries the requests. */
const scenario = <E>(layer: Layer.Layer<PlexAuth | PlexTvFake, E>) =>
  Effect.gen(function*() {
    const auth = yield* PlexAuth
    const fake = yield* PlexTvFake
    const attempt = <A>(effect: Effect.Effect<A, PlexAuthError>) =>
      Effect.match(effect, { onFailure: failure, onSuccess: (value) => ({ ok: value }) })
    const password = (login: string, secret: string, verificationCode?: string) =>
      auth.signIn(PasswordCredentials.make({
        login,
        password: Redacted.make(secret),
        ...(verificationCode === undefined ? {} : { verificationCode })
      }))

    const signedIn = yield* password("fake-owner", "owner-password")
    const issued = Redacted.value(signedIn.authToken)
    const details = yield* auth.getTokenDetails(signedIn.authToken)
    const owner = yield* auth.getTokenDetails(Redacted.make(tokens.owner))
    const managed = yield* auth.getTokenDetails(Redacted.make(tokens.managed))
    const wrongPassword = yield* attempt(password("fake-owner", "wrong-password"))
    const missingCode = yield* attempt(password("fake-2fa", "twofactor-password"))
    const wrongCode = yield* attempt(password("fake-2fa", "twofactor-password", "654321"))
    const unknownToken = yield* attempt(auth.getTokenDetails(Redacted.make("FAKEtokenUnknown9999")))
    yield* fake.revokeToken(issued)
    const revoked = yield* attempt(auth.getTokenDetails(signedIn.authToken))
    yield* fake.configure({ rateLimit: { limit: 0, windowMillis: 60_000, retryAfterSeconds: 3 } })
    const rateLimited = yield* attempt(auth.getTokenDetails(Redacted.make(tokens.owner)))

    return {
      signedIn: encodeUser(signedIn),
      details: encodeUser(details),
      owner: encodeUser(owner),
      managed: encodeUser(managed),
      wrongPassword,
      missingCode,
      wrongCode,
      unknownToken,
      revoked,
      rateLimited,
      issuedTo: yield* fake.token(issued),
      signInAttempts: yield* fake.signInAttempts,
      log: (yield* fake.requests).map(({ at: _, ...entry }) => entry)
    }
  }).pipe(Effect.provide(layer))

const inMemory = PlexAuth.layer.pipe(
  Layer.provideMerge(PlexTvFake.layer(options)),
  Layer.provide(PlexConfig.layer({ ...config, client: { clientIdentifier: CLIENT_ID } }))
)

const overHttp = PlexAuth.layer.pipe(
  Layer.provide(PlexTvServer.layerConfig({ clientIdentifier: CLIENT_ID }, config)),
  Layer.provide(PlexNode.layerHttpClient),
  Layer.provideMerge(PlexTvServer.layer(options))
)

it.live("the in-memory fake and PlexTvServer over undici give the same results", () =>
  Effect.gen(function*() {
    const memory = yield* scenario(inMemory)
    const http = yield* scenario(overHttp)
    assert.deepStrictEqual(http, memory)

    // and the scenario checks what it means to
    assert.strictEqual(memory.signedIn.username, "fake-owner")
    assert.strictEqual(memory.details.authToken, memory.signedIn.authToken)
    assert.strictEqual(memory.owner.authToken, tokens.owner)
    assert.strictEqual(memory.managed.restricted, true)
    assert.deepStrictEqual(memory.wrongPassword, {
      tag: "PlexUnauthorizedError",
      reason: "InvalidCredentials",
      status: 401,
      errors: [{ code: 1001, message: "User could not be authenticated", status: 401 }]
    })
    assert.include(memory.missingCode, { reason: "VerificationRequired", status: 401 })
    assert.include(memory.wrongCode, { reason: "InvalidVerificationCode", status: 401 })
    assert.include(memory.unknownToken, { reason: "InvalidToken", status: 401 })
    assert.deepStrictEqual(memory.revoked, {
      tag: "PlexUnauthorizedError",
      reason: "InvalidToken",
      status: 422,
      errors: [{ message: "Invalid token" }]
    })
    assert.deepStrictEqual(memory.rateLimited, { tag: "PlexRateLimitError", retryAfter: 3_000 })
    assert.deepStrictEqual(memory.issuedTo, {
      accountId: 10000001,
      clientIdentifier: CLIENT_ID,
      state: "revoked",
      kind: "classic"
    })
    assert.strictEqual(memory.signInAttempts, 4)
    assert.deepStrictEqual(memory.log.map((entry) => `${entry.method} ${entry.path} ${entry.status}`), [
      "POST /api/v2/users/signin 201",
      "GET /api/v2/user 200",
      "GET /api/v2/user 200",
      "GET /api/v2/user 200",
      "POST /api/v2/users/signin 401",
      "POST /api/v2/users/signin 401",
      "POST /api/v2/users/signin 401",
      "GET /api/v2/user 401",
      "GET /api/v2/user 422",
      "GET /api/v2/user 429"
    ])
    assert.isTrue(memory.log.every((entry) => entry.tokenIn !== "query" && entry.clientIdentifier === CLIENT_ID))
  }))
