/**
 * Answers a hostile or broken server (or a proxy in front of plex.tv) can give, and what the library
 * keeps of them: no defect, no long or secret-bearing message, nothing sent that cannot be sent.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Redacted from "effect/Redacted"
import { inspect } from "node:util"
import { PlexAuth, PlexError, type PlexHttpError } from "@effect-plex/core"
import { parseErrors } from "../src/internal/errorBody.js"
import { parseXmlErrors } from "../src/internal/xml.js"
import {
  emptyResponse,
  getTokenDetails,
  jsonResponse,
  type Recorded,
  scripted,
  SENTINEL_PASSWORD,
  SENTINEL_TOKEN,
  signIn,
  userJson,
  withClock
} from "./utils.js"
import { credentials } from "../../../test-support/accounts.js"
import { typedFailure } from "../../../test-support/exits.js"

const decoder = new TextDecoder()

/** The request, echoed the ways a debug page or a broken proxy might: raw, URL-encoded, JSON-escaped. */
const echoes = ({ request, url }: Recorded): string => {
  const body = request.body._tag === "Uint8Array" ? decoder.decode(request.body.body) : ""
  const form = new URLSearchParams(body)
  const raw = [...form.values(), ...Object.values(request.headers)].join(" | ")
  return `you sent ${raw} to ${url.href} with ${body} ${JSON.stringify(request.headers)}`
}

const allRenderings = (error: unknown): Array<string> => [
  String(error),
  JSON.stringify(error),
  inspect(error, { depth: 10 }),
  inspect(error, { depth: 10, customInspect: false }),
  JSON.stringify({ ...(error as object) })
]

describe("an error body that echoes the request keeps no secret", () => {
  const password = `${SENTINEL_PASSWORD} &<x>"é`
  const cases = {
    json: (recorded: Recorded) =>
      jsonResponse(401, { errors: [{ code: 1001, message: echoes(recorded), status: 401 }] }),
    xml: (recorded: Recorded) => {
      const escaped = echoes(recorded).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;")
      return new Response(`<errors><error code="1001" message="${escaped}" status="401"/></errors>`, {
        status: 401,
        headers: { "content-type": "application/xml" }
      })
    },
    "xml text": (recorded: Recorded) =>
      new Response(`<errors><error>${echoes(recorded).replace(/&/g, "&amp;").replace(/</g, "&lt;")}</error></errors>`, {
        status: 422,
        headers: { "content-type": "text/xml" }
      })
  }
  for (const [name, answer] of Object.entries(cases)) {
    it.effect(`sign-in, ${name}: the password is <redacted>, the code kept, the message short`, () => {
      const http = scripted(answer)
      return Effect.gen(function*() {
        const error = typedFailure(
          yield* withClock(signIn(credentials("alice", password, { verificationCode: "123456" })))
        )
        assert.isTrue(PlexError.is(error))
        for (const text of allRenderings(error)) {
          assert.notInclude(text, SENTINEL_PASSWORD)
          assert.notInclude(text, encodeURIComponent(password))
        }
        const errors = "errors" in error ? error.errors : []
        assert.isAtLeast(errors.length, 1)
        assert.include(errors[0]!.message ?? "", "<redacted>")
        assert.isAtMost(errors[0]!.message!.length, 300)
      }).pipe(Effect.provide(http.layer({ retry: { times: 0 } })))
    })

    it.effect(`a token call, ${name}: the token is <redacted>`, () => {
      const http = scripted(answer)
      return Effect.gen(function*() {
        const error = typedFailure(yield* withClock(getTokenDetails(SENTINEL_TOKEN)))
        assert.strictEqual(error._tag, "PlexUnauthorizedError")
        for (const text of allRenderings(error)) assert.notInclude(text, SENTINEL_TOKEN)
      }).pipe(Effect.provide(http.layer({ retry: { times: 0 } })))
    })
  }

  it.effect.prop(
    "whatever the secret, no echo of it survives, and the message stays under 300 characters",
    [
      FastCheck.string({ minLength: 6, maxLength: 60, unit: "grapheme" }).filter((s) =>
        !/[\u0000-\u001f\u007f]/.test(s) && s.trim().length > 0
      )
    ],
    ([secret]) =>
      Effect.gen(function*() {
        const http = scripted((recorded) =>
          jsonResponse(401, { errors: [{ code: 1001, message: `${"x".repeat(250)} ${echoes(recorded)}` }] })
        )
        const error = yield* Effect.provide(
          withClock(signIn(credentials("alice", secret))),
          http.layer({ retry: { times: 0 } })
        ).pipe(Effect.map(typedFailure))
        const message = "errors" in error ? error.errors[0]?.message ?? "" : ""
        assert.isAtMost(message.length, 300)
        for (const text of allRenderings(error)) assert.notInclude(text, `you sent ${secret}`)
        assert.notInclude(message, secret)
      }),
    { fastCheck: { numRuns: 40 } }
  )
})

describe("deeply nested bodies end in PlexDecodeError, never a defect", () => {
  const nested = (depth: number, open: string, close: string) => `${open.repeat(depth)}${close.repeat(depth)}`
  const bodies = {
    "6 KB of nested arrays": nested(3000, "[", "]"),
    "nested arrays in a field": `{"id":1,"uuid":"u","authToken":"t","roles":${nested(5000, "[", "]")}}`,
    "nested objects in a field": `{"id":1,"uuid":"u","authToken":"t","subscription":${"{\"a\":".repeat(5000)}1${
      "}".repeat(5000)
    }}`,
    "100,000 nested arrays": nested(100_000, "[", "]"),
    "nested arrays in an array field": `{"id":1,"uuid":"u","authToken":"t","entitlements":[${
      nested(20_000, "[", "]")
    }]}`
  }
  for (const [name, body] of Object.entries(bodies)) {
    for (const status of [200, 401, 500]) {
      it.effect(`${name}, HTTP ${status}`, () => {
        const http = scripted(() => new Response(body, { status, headers: { "content-type": "application/json" } }))
        return Effect.gen(function*() {
          const exit = yield* withClock(getTokenDetails("a-token"))
          // success (a tolerant field took it) or a typed failure: never a defect
          if (status === 200 && exit._tag === "Success") return
          const error = typedFailure(exit)
          assert.isTrue(PlexError.is(error))
          if (status === 200) assert.strictEqual(error._tag, "PlexDecodeError")
          assert.isAtMost(error.message.length, 400)
          assert.isAtMost(JSON.stringify(error).length, 2000)
        }).pipe(Effect.provide(http.layer({ retry: { times: 0 } })))
      })
    }
  }

  it.effect("a decode error names at most 10 paths, however many fields are wrong", () => {
    const wrong = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`f${i}`, i]))
    const http = scripted(() => jsonResponse(200, { ...wrong, id: "x", uuid: 1, authToken: 2, subscription: [1] }))
    return Effect.gen(function*() {
      const error = typedFailure(yield* withClock(getTokenDetails("a-token")))
      assert.strictEqual(error._tag, "PlexDecodeError")
      if (error._tag === "PlexDecodeError") {
        assert.isAtMost(error.paths.length, 10)
        assert.include(error.paths, "id")
      }
    }).pipe(Effect.provide(http.layer({ retry: { times: 0 } })))
  })
})

describe("a token that cannot be sent is refused before sending, never retried", () => {
  const bad = ["tok\r\nX-Evil: 1", "tok\nen", "tok\u0000en", "tok en", "", "tök", "tok\ud800en", "x".repeat(20_000)]
  for (const token of bad) {
    it.effect(`${JSON.stringify(token.slice(0, 20))}: PlexInvalidInputError for the token, no request`, () => {
      const http = scripted(() => jsonResponse(200, userJson()))
      return Effect.gen(function*() {
        for (
          const call of [
            getTokenDetails(token),
            Effect.flatMap(PlexAuth, (auth) => auth.ping(Redacted.make(token))),
            Effect.flatMap(PlexAuth, (auth) => auth.signOut(Redacted.make(token)))
          ]
        ) {
          const error = typedFailure(yield* withClock(call))
          assert.strictEqual(error._tag, "PlexInvalidInputError")
          assert.isTrue(PlexError.isInvalidToken(error))
          assert.isFalse(PlexError.isRetryable(error))
          if (token.length > 0) assert.notInclude(JSON.stringify(error) + error.message, token.slice(0, 8))
        }
        assert.strictEqual(http.calls(), 0)
      }).pipe(Effect.provide(http.layer()))
    })
  }

  it.effect.prop(
    "any token: either sent as a valid header value, or refused with PlexInvalidInputError",
    [FastCheck.string({ unit: "binary", maxLength: 40 })],
    ([token]) =>
      Effect.gen(function*() {
        const http = scripted(() => jsonResponse(200, userJson()))
        const exit = yield* Effect.provide(withClock(getTokenDetails(token)), http.layer({ retry: { times: 0 } }))
        if (exit._tag === "Failure") {
          const error = typedFailure(exit)
          assert.strictEqual(error._tag, "PlexInvalidInputError")
          assert.strictEqual(http.calls(), 0)
        } else {
          for (const { request } of http.requests) {
            for (const value of Object.values(request.headers)) assert.match(value, /^[\t\x20-\x7e\x80-\xff]*$/)
          }
        }
      }),
    { fastCheck: { numRuns: 200 } }
  )
})

describe("redirects are never followed", () => {
  for (const status of [301, 302, 303, 307, 308]) {
    it.effect(`${status}: PlexHttpError with the target host, never its path or query`, () => {
      const http = scripted(() =>
        emptyResponse(status, { location: `https://evil.example:8443/steal?token=${SENTINEL_TOKEN}#x` })
      )
      return Effect.gen(function*() {
        const error = typedFailure(yield* withClock(getTokenDetails(SENTINEL_TOKEN))) as PlexHttpError
        assert.strictEqual(error._tag, "PlexHttpError")
        assert.strictEqual(error.status, status)
        assert.strictEqual(error.redirectHost, "evil.example:8443")
        assert.include(error.message, "evil.example:8443")
        for (const text of allRenderings(error)) {
          assert.notInclude(text, "/steal")
          assert.notInclude(text, SENTINEL_TOKEN)
        }
        assert.strictEqual(http.calls(), 1) // not followed, not retried
      }).pipe(Effect.provide(http.layer()))
    })
  }
})

describe("the XML error scanner", () => {
  it.prop(
    "never throws, and finds at most the limit",
    [FastCheck.string({ unit: "binary", maxLength: 2000 })],
    ([text]) => {
      const found = parseXmlErrors(text, 20)
      assert.isAtMost(found.length, 20)
    }
  )

  it.prop(
    "reads back what was written, entities included",
    [FastCheck.array(
      FastCheck.record({
        code: FastCheck.integer({ min: 0, max: 99_999 }),
        message: FastCheck.string({ maxLength: 40 }).filter((s) => !/[\u0000-\u001f\u007f-\u009f]/.test(s)),
        status: FastCheck.integer({ min: 100, max: 599 })
      }),
      { maxLength: 5 }
    )],
    ([entries]) => {
      const escape = (s: string) =>
        s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")
      const xml = `<?xml version="1.0"?><errors>${
        entries.map((e) => `<error code="${e.code}" message="${escape(e.message)}" status="${e.status}"/>`).join("")
      }</errors>`
      const parsed = parseErrors("application/xml", xml)
      assert.deepStrictEqual(
        parsed.map((e) => [e.code, e.message ?? "", e.status]),
        entries.map((e) => [e.code, e.message.slice(0, 300), e.status])
      )
    }
  )

  it("an error body longer than any plex.tv error is not parsed", () => {
    const long = `<errors><error code="1001" message="m"/></errors>${" ".repeat(20_000)}`
    assert.deepStrictEqual(parseErrors("application/xml", long), [])
    assert.strictEqual(parseErrors("application/xml", long.trim())[0]?.code, 1001)
  })
})
