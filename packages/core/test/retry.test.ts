import * as HttpClientError from "@effect/platform/HttpClientError"
import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import { PlexError } from "@effect-plex/core"
import {
  type Answer,
  credentials,
  emptyResponse,
  failure,
  flipWithClock,
  getTokenDetails,
  hang,
  htmlResponse,
  isDone,
  jsonResponse,
  type Recorded,
  refused,
  scripted,
  SENTINEL_PASSWORD,
  SENTINEL_TOKEN,
  signIn,
  userJson,
  withClock
} from "./utils.js"

const tokenCall = getTokenDetails(SENTINEL_TOKEN)
const signInCall = signIn(credentials("alice", SENTINEL_PASSWORD))

const user = (status: number) => () => jsonResponse(status, userJson())
const status = (code: number, headers: Record<string, string> = {}) => () => emptyResponse(code, headers)
const errorsBody = (code: number, errors: ReadonlyArray<Record<string, unknown>>) => () =>
  jsonResponse(code, { errors })

const retryable: ReadonlyArray<readonly [string, (recorded: Recorded) => Answer, PlexError["_tag"]]> = [
  ["502 (HTML from a proxy)", () => htmlResponse(502), "PlexHttpError"],
  ["503", status(503), "PlexHttpError"],
  ["504 (HTML from a proxy)", () => htmlResponse(504), "PlexHttpError"],
  ["429 without Retry-After", status(429), "PlexRateLimitError"],
  ["a transport failure", refused("ECONNRESET"), "PlexTransportError"],
  ["a timeout", hang, "PlexTimeoutError"]
]

describe("getTokenDetails retries what is worth retrying", () => {
  for (const [name, answer, tag] of retryable) {
    it.effect(`${name}: 1 attempt + 3 retries, then the error`, () => {
      const http = scripted(answer)
      return Effect.gen(function*() {
        const error = yield* flipWithClock(tokenCall, "2 minutes")
        assert.strictEqual(error._tag, tag)
        assert.strictEqual(http.calls(), 4)
      }).pipe(Effect.provide(http.layer()))
    })
  }

  it.effect("fails with the last error when every attempt fails", () => {
    const http = scripted(status(503), status(429), refused(), () => htmlResponse(502))
    return Effect.gen(function*() {
      const error = yield* flipWithClock(tokenCall)
      if (error._tag !== "PlexHttpError") return assert.fail(`expected PlexHttpError, got ${error._tag}`)
      assert.strictEqual(error.status, 502)
      assert.strictEqual(http.calls(), 4)
    }).pipe(Effect.provide(http.layer()))
  })

  it.effect("succeeds as soon as plex.tv recovers", () => {
    const http = scripted(status(503), () => htmlResponse(504), user(200))
    return Effect.gen(function*() {
      const exit = yield* withClock(tokenCall)
      assert.isTrue(Exit.isSuccess(exit))
      assert.strictEqual(http.calls(), 3)
    }).pipe(Effect.provide(http.layer()))
  })

  it.effect("backs off: no retry before 200 ms, all 4 attempts within 2.1 s", () => {
    const http = scripted(status(503))
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(tokenCall)
      yield* TestClock.adjust("199 millis")
      assert.strictEqual(http.calls(), 1)
      yield* TestClock.adjust(Duration.millis(2100 - 199))
      assert.strictEqual(http.calls(), 4)
      assert.isTrue(yield* isDone(fiber))
    }).pipe(Effect.provide(http.layer()))
  })

  it.effect("each wait is capped at retry.cap", () => {
    // uncapped, the waits would be 3.2–4.8 s, 6.4–9.6 s, 12.8–19.2 s, …: 6 attempts would take over 100 s
    const http = scripted(status(503))
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(tokenCall)
      yield* TestClock.adjust("3100 millis")
      assert.strictEqual(http.calls(), 1)
      yield* TestClock.adjust(Duration.millis(24_800 - 3100))
      assert.strictEqual(http.calls(), 6)
      assert.isTrue(yield* isDone(fiber))
    }).pipe(Effect.provide(http.layer({ retry: { times: 5, base: "4 seconds", cap: "5 seconds" } })))
  })

  it.effect("waits at least Retry-After in seconds, even past retry.cap", () => {
    const http = scripted(status(429, { "retry-after": "30" }), status(429))
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(tokenCall))
      yield* TestClock.adjust("29 seconds")
      assert.strictEqual(http.calls(), 1)
      yield* TestClock.adjust("1 second")
      assert.strictEqual(http.calls(), 2)
      yield* TestClock.adjust("1 minute")
      assert.strictEqual((yield* Fiber.join(fiber))._tag, "PlexRateLimitError")
      assert.strictEqual(http.calls(), 4)
    }).pipe(Effect.provide(http.layer()))
  })

  it.effect("waits at least Retry-After given as an HTTP date", () =>
    Effect.gen(function*() {
      const now = Date.parse("2026-01-02T03:04:05Z")
      yield* TestClock.setTime(now)
      const http = scripted(status(429, { "retry-after": new Date(now + 20_000).toUTCString() }), user(200))
      const fiber = yield* Effect.fork(Effect.provide(tokenCall, http.layer()))
      yield* TestClock.adjust("19 seconds")
      assert.strictEqual(http.calls(), 1)
      assert.isFalse(yield* isDone(fiber))
      yield* TestClock.adjust("1 second")
      assert.strictEqual((yield* Fiber.join(fiber)).id, 10000001)
      assert.strictEqual(http.calls(), 2)
    }))

  it.effect("retry.times sets how many retries", () => {
    const http = scripted(status(503))
    return Effect.gen(function*() {
      yield* flipWithClock(tokenCall)
      assert.strictEqual(http.calls(), 2)
    }).pipe(Effect.provide(http.layer({ retry: { times: 1 } })))
  })

  it.effect("retry: { times: 0 } turns retries off", () => {
    const http = scripted(status(503), user(200))
    return Effect.gen(function*() {
      const error = yield* flipWithClock(tokenCall)
      assert.strictEqual(error._tag, "PlexHttpError")
      assert.strictEqual(http.calls(), 1)
    }).pipe(Effect.provide(http.layer({ retry: { times: 0 } })))
  })
})

describe("what is never retried", () => {
  const final: ReadonlyArray<readonly [string, (recorded: Recorded) => Answer, PlexError["_tag"]]> = [
    ["400", errorsBody(400, [{ code: 1004, message: "Bad request", status: 400 }]), "PlexBadRequestError"],
    ["401", errorsBody(401, [{ code: 1001, message: "User could not be authenticated" }]), "PlexUnauthorizedError"],
    ["403", status(403), "PlexHttpError"],
    ["404", status(404), "PlexHttpError"],
    ["422", status(422), "PlexUnauthorizedError"],
    ["498", status(498), "PlexUnauthorizedError"],
    ["500", () => htmlResponse(500), "PlexHttpError"],
    ["a 200 that is not JSON", () => htmlResponse(200), "PlexDecodeError"],
    ["a 200 of the wrong shape", () => jsonResponse(200, userJson({ id: "x" })), "PlexDecodeError"]
  ]

  for (const [name, answer, tag] of final) {
    it.effect(`getTokenDetails after ${name}: one attempt`, () => {
      const http = scripted(answer, user(200))
      return Effect.gen(function*() {
        const error = yield* flipWithClock(tokenCall)
        assert.strictEqual(error._tag, tag)
        assert.strictEqual(http.calls(), 1)
      }).pipe(Effect.provide(http.layer()))
    })
  }

  const faults: ReadonlyArray<readonly [string, (recorded: Recorded) => Answer, PlexError["_tag"]]> = [
    ["503", status(503), "PlexHttpError"],
    ["502 (HTML)", () => htmlResponse(502), "PlexHttpError"],
    ["429 with Retry-After", status(429, { "retry-after": "1" }), "PlexRateLimitError"],
    ["a timeout", hang, "PlexTimeoutError"],
    ["a connection reset", refused("ECONNRESET"), "PlexTransportError"]
  ]

  for (const [name, answer, tag] of faults) {
    it.effect(`signIn after ${name}: one attempt`, () => {
      const http = scripted(answer, user(201))
      return Effect.gen(function*() {
        const error = yield* flipWithClock(signInCall)
        assert.strictEqual(error._tag, tag)
        assert.strictEqual(http.calls(), 1)
      }).pipe(Effect.provide(http.layer()))
    })
  }
})

describe("users add their own retries with PlexError.isRetryable", () => {
  it.effect("signIn retried twice by the caller succeeds on the third attempt", () => {
    const http = scripted(status(503), () => htmlResponse(502), user(201))
    return Effect.gen(function*() {
      const result = yield* signInCall.pipe(Effect.retry({ while: PlexError.isRetryable, times: 2 }))
      assert.strictEqual(result.id, 10000001)
      assert.strictEqual(http.calls(), 3)
    }).pipe(Effect.provide(http.layer()))
  })

  it.effect("the caller's `times` bounds the attempts", () => {
    const http = scripted(status(503), status(503), user(201))
    return Effect.gen(function*() {
      const error = yield* Effect.flip(signInCall.pipe(Effect.retry({ while: PlexError.isRetryable, times: 1 })))
      assert.strictEqual(error._tag, "PlexHttpError")
      assert.strictEqual(http.calls(), 2)
    }).pipe(Effect.provide(http.layer()))
  })

  it.effect("a wrong password is not retryable", () => {
    const http = scripted(errorsBody(401, [{ code: 1001, message: "User could not be authenticated" }]), user(201))
    return Effect.gen(function*() {
      const error = yield* Effect.flip(signInCall.pipe(Effect.retry({ while: PlexError.isRetryable, times: 5 })))
      assert.strictEqual(error._tag, "PlexUnauthorizedError")
      assert.strictEqual(http.calls(), 1)
    }).pipe(Effect.provide(http.layer()))
  })
})

describe("timeouts", () => {
  it.effect("an attempt without an answer ends in PlexTimeoutError after the configured timeout", () => {
    const http = scripted(hang)
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(tokenCall))
      yield* TestClock.adjust("2999 millis")
      assert.isFalse(yield* isDone(fiber))
      yield* TestClock.adjust("1 millis")
      const error = yield* Fiber.join(fiber)
      if (error._tag !== "PlexTimeoutError") return assert.fail(`expected PlexTimeoutError, got ${error._tag}`)
      assert.isTrue(Duration.equals(error.timeout, Duration.seconds(3)))
      assert.include(error.message, "3s")
    }).pipe(Effect.provide(http.layer({ timeout: "3 seconds", retry: { times: 0 } })))
  })

  it.effect("the timeout is per attempt: a retry after a timeout can succeed", () => {
    const http = scripted(hang, user(200))
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(tokenCall)
      yield* TestClock.adjust("5 seconds")
      assert.strictEqual(http.calls(), 1)
      yield* TestClock.adjust("1 second")
      assert.strictEqual((yield* Fiber.join(fiber)).id, 10000001)
      assert.strictEqual(http.calls(), 2)
    }).pipe(Effect.provide(http.layer()))
  })

  it.effect("a body that never ends counts as no answer", () => {
    const endless = () =>
      new Response(new ReadableStream({ start: () => {} }), {
        status: 200,
        headers: { "content-type": "application/json" }
      })
    const http = scripted(endless)
    return Effect.gen(function*() {
      const error = yield* flipWithClock(tokenCall)
      assert.strictEqual(error._tag, "PlexTimeoutError")
    }).pipe(Effect.provide(http.layer({ retry: { times: 0 } })))
  })
})

describe("transport failures", () => {
  it.effect("a refused connection is a PlexTransportError naming the code, never the URL", () => {
    const http = scripted(refused("ECONNREFUSED"))
    return Effect.gen(function*() {
      const error = yield* flipWithClock(tokenCall)
      if (error._tag !== "PlexTransportError") return assert.fail(`expected PlexTransportError, got ${error._tag}`)
      assert.include(error.reason, "ECONNREFUSED")
      assert.notInclude(error.reason, "plex.example.invalid") // the reason is the platform's code only
      // the message names the configured host (not a secret): never the URL, its path or the token
      assert.include(error.message, "plex.example.invalid")
      for (const text of [error.reason, error.message, String(error), JSON.stringify(error)]) {
        assert.notInclude(text, "https://")
        assert.notInclude(text, "/api/v2")
        assert.notInclude(text, SENTINEL_TOKEN)
      }
      assert.strictEqual(http.calls(), 4)
    }).pipe(Effect.provide(http.layer({ baseUrl: "https://plex.example.invalid" })))
  })

  it.effect("the system code is found in a nested cause", () => {
    const http = scripted(({ request }) =>
      Effect.fail(
        new HttpClientError.RequestError({
          request,
          reason: "Transport",
          cause: new TypeError("fetch failed", {
            cause: Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })
          })
        })
      )
    )
    return Effect.gen(function*() {
      const error = yield* flipWithClock(tokenCall)
      assert.strictEqual(error._tag === "PlexTransportError" ? error.reason : error._tag, "Transport (ECONNRESET)")
    }).pipe(Effect.provide(http.layer({ retry: { times: 0 } })))
  })

  it.effect("a cause without a clean code gives only the reason literal", () => {
    const http = scripted(({ request, url }) =>
      Effect.fail(
        new HttpClientError.RequestError({
          request,
          reason: "Transport",
          cause: Object.assign(new Error(`failed ${url.href}`), { code: url.href })
        })
      )
    )
    return Effect.gen(function*() {
      const error = yield* flipWithClock(tokenCall)
      assert.strictEqual(error._tag === "PlexTransportError" ? error.reason : error._tag, "Transport")
    }).pipe(Effect.provide(http.layer({ retry: { times: 0 } })))
  })
})

describe("success statuses with a body of the wrong shape", () => {
  const cases: ReadonlyArray<readonly [string, () => Response, ReadonlyArray<string>]> = [
    ["an HTML page", () => htmlResponse(200, `<html>${SENTINEL_TOKEN}</html>`), ["(body)"]],
    [
      "an XML user",
      () =>
        new Response(`<user id="1" uuid="u" authToken="${SENTINEL_TOKEN}"/>`, {
          status: 200,
          headers: { "content-type": "text/xml; charset=utf-8" }
        }),
      ["(body)"]
    ],
    [
      "invalid JSON",
      () =>
        new Response(`{"id": 1, "authToken": "${SENTINEL_TOKEN}"`, {
          headers: { "content-type": "application/json" }
        }),
      ["(body)"]
    ],
    ["JSON without authToken", () => jsonResponse(200, userJson({ authToken: undefined })), ["authToken"]],
    ["JSON with id as a string", () => jsonResponse(200, userJson({ id: SENTINEL_TOKEN })), ["id"]],
    [
      "JSON with a nested field of the wrong type",
      () => jsonResponse(200, userJson({ subscription: { active: SENTINEL_TOKEN } })),
      ["subscription.active"]
    ]
  ]

  for (const [name, answer, paths] of cases) {
    it.effect(`${name}: PlexDecodeError naming ${paths.join(", ")}, no value from the body`, () => {
      const http = scripted(answer)
      return Effect.gen(function*() {
        const error = yield* flipWithClock(tokenCall)
        if (error._tag !== "PlexDecodeError") return assert.fail(`expected PlexDecodeError, got ${error._tag}`)
        assert.includeMembers([...error.paths], [...paths])
        for (const path of paths) assert.include(error.message, path)
        assert.notInclude(error.message, SENTINEL_TOKEN)
        assert.notInclude(JSON.stringify(error), SENTINEL_TOKEN)
      }).pipe(Effect.provide(http.layer()))
    })
  }

  it.effect("signIn decodes its 201 the same way", () => {
    const http = scripted(() => jsonResponse(201, userJson({ uuid: "" })))
    return Effect.gen(function*() {
      const error = yield* Effect.flip(signInCall)
      assert.deepStrictEqual(error._tag === "PlexDecodeError" ? error.paths : error._tag, ["uuid"])
    }).pipe(Effect.provide(http.layer()))
  })
})

describe("failure statuses", () => {
  it.effect("401 codes in XML are read as well as JSON ones", () => {
    const xml = () =>
      new Response(`<?xml version="1.0"?><errors><error code="1031" message="Throttled" status="401"/></errors>`, {
        status: 401,
        headers: { "content-type": "text/xml" }
      })
    const http = scripted(xml)
    return Effect.gen(function*() {
      const error = yield* Effect.flip(signInCall)
      assert.strictEqual(error._tag === "PlexUnauthorizedError" ? error.reason : error._tag, "Throttled")
    }).pipe(Effect.provide(http.layer()))
  })

  it.effect("401 / 1029 without a status member is VerificationRequired", () => {
    const http = scripted(errorsBody(401, [{ code: 1029, message: "Please enter the verification code" }]))
    return Effect.gen(function*() {
      const error = yield* Effect.flip(signInCall)
      assert.strictEqual(error._tag === "PlexUnauthorizedError" ? error.reason : error._tag, "VerificationRequired")
    }).pipe(Effect.provide(http.layer()))
  })

  it.effect("1001 means InvalidCredentials on sign-in and InvalidToken on a token call", () => {
    const body = errorsBody(401, [{ code: 1001, message: "User could not be authenticated", status: 401 }])
    const http = scripted(body)
    return Effect.gen(function*() {
      const onSignIn = yield* Effect.flip(signInCall)
      const onToken = yield* flipWithClock(tokenCall)
      assert.strictEqual(onSignIn._tag === "PlexUnauthorizedError" ? onSignIn.reason : "", "InvalidCredentials")
      assert.strictEqual(onToken._tag === "PlexUnauthorizedError" ? onToken.reason : "", "InvalidToken")
    }).pipe(Effect.provide(http.layer()))
  })

  it.effect("a 401 with plex.tv's error list but no known code is InvalidToken on a token call, Unknown on sign-in", () => {
    const http = scripted(errorsBody(401, [{ message: "unauthorized" }]))
    return Effect.gen(function*() {
      const onToken = yield* flipWithClock(tokenCall)
      assert.strictEqual(onToken._tag === "PlexUnauthorizedError" ? onToken.reason : onToken._tag, "InvalidToken")
      const onSignIn = yield* flipWithClock(signInCall)
      assert.strictEqual(onSignIn._tag === "PlexUnauthorizedError" ? onSignIn.reason : onSignIn._tag, "Unknown")
    }).pipe(Effect.provide(http.layer()))
  })

  it.effect("a 401 without plex.tv's error list (empty, HTML) is UnrecognizedAnswer, not InvalidToken", () => {
    const http = scripted(status(401), () => htmlResponse(401))
    return Effect.gen(function*() {
      const empty = yield* flipWithClock(tokenCall)
      assert.strictEqual(empty._tag === "PlexUnauthorizedError" ? empty.reason : empty._tag, "UnrecognizedAnswer")
      const html = yield* flipWithClock(tokenCall)
      assert.strictEqual(html._tag === "PlexUnauthorizedError" ? html.reason : html._tag, "UnrecognizedAnswer")
      assert.isFalse(PlexError.isInvalidToken(html))
    }).pipe(Effect.provide(http.layer()))
  })

  it.effect("498 (expired Plex JWT) is InvalidToken", () => {
    const http = scripted(status(498))
    return Effect.gen(function*() {
      const error = yield* flipWithClock(tokenCall)
      assert.strictEqual(error._tag === "PlexUnauthorizedError" ? error.reason : error._tag, "InvalidToken")
    }).pipe(Effect.provide(http.layer()))
  })

  it.effect("an HTML 500 is a PlexHttpError with no codes", () => {
    const http = scripted(() => htmlResponse(500, `<p>${SENTINEL_TOKEN}</p>`))
    return Effect.gen(function*() {
      const error = yield* flipWithClock(tokenCall)
      if (error._tag !== "PlexHttpError") return assert.fail(`expected PlexHttpError, got ${error._tag}`)
      assert.strictEqual(error.status, 500)
      assert.deepStrictEqual(error.errors, [])
      assert.isFalse(PlexError.isRetryable(error))
    }).pipe(Effect.provide(http.layer()))
  })

  it.effect("429 without Retry-After has retryAfter none; with seconds, that many seconds", () => {
    const http = scripted(status(429), status(429, { "retry-after": "120" }))
    return Effect.gen(function*() {
      const first = yield* Effect.flip(signInCall)
      if (first._tag !== "PlexRateLimitError") return assert.fail(`expected PlexRateLimitError, got ${first._tag}`)
      assert.isTrue(Option.isNone(first.retryAfter))
      const second = failure(yield* withClock(signInCall))
      if (second._tag !== "PlexRateLimitError") return assert.fail(`expected PlexRateLimitError, got ${second._tag}`)
      assert.isTrue(Duration.equals(Option.getOrThrow(second.retryAfter), Duration.minutes(2)))
    }).pipe(Effect.provide(http.layer()))
  })
})
