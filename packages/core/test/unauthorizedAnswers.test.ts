/**
 * Telling a dead token from a confused proxy: `InvalidToken` only when plex.tv itself said so, and
 * every status error naming the configured host that answered.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import {
  PlexAuth,
  PlexBadRequestError,
  PlexConfig,
  type PlexConfigOptions,
  PlexError,
  PlexHttpError,
  PlexRateLimitError,
  PlexResources,
  PlexTokenValidator,
  PlexUnauthorizedError
} from "@effect-plex/core"
import { FakeAccount, FakeFault, PlexTvFake } from "@effect-plex/core/testing"
import * as Option from "effect/Option"

const TOKEN = Redacted.make("SENTINEL-token-4e1a")

/** `PlexAuth` and `PlexResources` over an HttpClient that always gives the same answer. */
const answering = (answer: () => Response, options: Partial<PlexConfigOptions> = {}) => {
  const client = HttpClient.make((request) => Effect.sync(() => HttpClientResponse.fromWeb(request, answer())))
  return Layer.mergeAll(PlexAuth.layer, PlexResources.layer).pipe(
    Layer.provide(PlexConfig.layer({ client: { clientIdentifier: "status-test" }, retry: { times: 0 }, ...options })),
    Layer.provide(Layer.succeed(HttpClient.HttpClient, client))
  )
}

const tokenCall = Effect.flatMap(PlexAuth, (auth) => auth.getTokenDetails(TOKEN))
const resourcesCall = Effect.flatMap(PlexResources, (resources) => resources.list(TOKEN))

const json = (status: number, body: unknown) => () => Response.json(body, { status })
const xml = (status: number, body: string) => () =>
  new Response(body, { status, headers: { "content-type": "application/xml" } })
const html = (status: number) => () =>
  new Response("<html><body>Please sign in to the hotel Wi-Fi</body></html>", {
    status,
    headers: { "content-type": "text/html" }
  })
const empty = (status: number) => () => new Response(null, { status })

const reasonOf = (error: unknown) => error instanceof PlexUnauthorizedError ? error.reason : String(error)

describe("InvalidToken only when plex.tv said so", () => {
  const cases: ReadonlyArray<readonly [string, () => Response, string]> = [
    [
      "401, plex.tv's JSON errors (1001)",
      json(401, { errors: [{ code: 1001, message: "User could not be authenticated" }] }),
      "InvalidToken"
    ],
    [
      "401, plex.tv's XML error (1001)",
      xml(401, `<errors><error code="1001" message="User could not be authenticated" status="401"/></errors>`),
      "InvalidToken"
    ],
    [
      "401, plex.tv's XML error without a code",
      xml(401, "<errors><error>Invalid token</error></errors>"),
      "InvalidToken"
    ],
    ["422, plex.tv's XML Invalid token", xml(422, "<errors><error>Invalid token</error></errors>"), "InvalidToken"],
    [
      "422, plex.tv's JSON Invalid token",
      json(422, { errors: [{ code: 422, message: "Invalid token", status: 422 }] }),
      "InvalidToken"
    ],
    ["498, no body", empty(498), "InvalidToken"],
    ["401, an HTML page of a captive portal", html(401), "UnrecognizedAnswer"],
    ["401, no body", empty(401), "UnrecognizedAnswer"],
    ["401, JSON that is not plex.tv's error list", json(401, { error: "unauthorized" }), "UnrecognizedAnswer"],
    ["422, an HTML page of a proxy", html(422), "UnrecognizedAnswer"]
  ]
  for (const [name, answer, expected] of cases) {
    it.effect(`${name}: ${expected}`, () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(tokenCall)
        assert.strictEqual(reasonOf(error), expected)
        assert.strictEqual(PlexError.isInvalidToken(error), expected === "InvalidToken")
        assert.isFalse(PlexError.isRetryable(error))
      }).pipe(Effect.provide(answering(answer))))
  }
})

describe("PlexTokenValidator keeps a token a proxy refused", () => {
  const TestLayer = PlexTokenValidator.layer({ timeToLive: "1 minute", invalidTimeToLive: "10 minutes" }).pipe(
    Layer.provideMerge(PlexAuth.layer),
    Layer.provide(PlexConfig.layer({ client: { clientIdentifier: "validator-test" }, retry: { times: 0 } })),
    Layer.provideMerge(PlexTvFake.layer({ accounts: [FakeAccount.owner], settings: { rateLimit: undefined } }))
  )
  const owner = Redacted.make(FakeAccount.owner.tokens[0]!)
  const validate = Effect.flatMap(PlexTokenValidator, (validator) => validator.validate(owner))

  it.effect("an HTML 401 is not cached as a dead token: the next check asks again and succeeds", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      yield* fake.faults({ next: [{ fault: FakeFault.htmlErrorPage(401) }] })
      const error = yield* Effect.flip(validate)
      assert.strictEqual(reasonOf(error), "UnrecognizedAnswer")
      const user = yield* validate
      assert.strictEqual(user.id, 10000001)
    }).pipe(Effect.provide(TestLayer)))
})

describe("status errors name the configured host", () => {
  it.effect("a local base URL: its host and port, in the field and the message", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(tokenCall)
      assert.instanceOf(error, PlexUnauthorizedError)
      assert.strictEqual((error as PlexUnauthorizedError).host, "127.0.0.1:32400")
      assert.strictEqual(error.message, "127.0.0.1:32400 refused the request: InvalidToken (HTTP 401, code 1001)")
    }).pipe(
      Effect.provide(answering(json(401, { errors: [{ code: 1001 }] }), { baseUrl: "http://127.0.0.1:32400" }))
    ))

  it.effect("the default base URLs: plex.tv, and clients.plex.tv for resources", () =>
    Effect.gen(function*() {
      const onPlex = yield* Effect.flip(tokenCall)
      const onClients = yield* Effect.flip(resourcesCall)
      assert.strictEqual(onPlex.message, "unexpected answer from plex.tv (HTTP 500)")
      assert.strictEqual(onClients.message, "unexpected answer from clients.plex.tv (HTTP 500)")
    }).pipe(Effect.provide(answering(empty(500)))))

  it.effect("400 and 429 name the host too", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(tokenCall)
      assert.instanceOf(error, PlexBadRequestError)
      assert.strictEqual(error.message, "localhost:9 rejected the request as malformed (HTTP 400)")
    }).pipe(Effect.provide(answering(empty(400), { baseUrl: "http://localhost:9" }))))

  it.effect("429", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(tokenCall)
      assert.instanceOf(error, PlexRateLimitError)
      assert.strictEqual(error.message, "rate limited by localhost:9")
    }).pipe(Effect.provide(answering(empty(429), { baseUrl: "http://localhost:9" }))))

  it("an error built by hand says plex.tv", () => {
    assert.strictEqual(
      new PlexHttpError({ status: 503, errors: [] }).message,
      "unexpected answer from plex.tv (HTTP 503)"
    )
    assert.strictEqual(
      new PlexRateLimitError({ retryAfter: Option.none(), host: "example.test" }).message,
      "rate limited by example.test"
    )
  })
})
