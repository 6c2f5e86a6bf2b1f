import * as HttpClientError from "@effect/platform/HttpClientError"
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as FastCheck from "effect/FastCheck"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { inspect } from "node:util"
import { PasswordCredentials, type PlexAuthError, PlexUser } from "@effect-plex/core"
import {
  type Answer,
  emptyResponse,
  getTokenDetails,
  hang,
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
import { assertNoSecrets, renderings } from "../../../test-support/printed.js"

const secrets = [SENTINEL_PASSWORD, SENTINEL_TOKEN]
const decoder = new TextDecoder()

/** Everything secret the request carried, echoed back the way a broken proxy or a debug page might. */
const echo = ({ request, url }: Recorded) =>
  [
    url.href,
    JSON.stringify(request.headers),
    request.body._tag === "Uint8Array" ? decoder.decode(request.body.body) : ""
  ].join(" ")

/** Errors that come from an answer (a refused input never sends anything: see hostile inputs). */
type AnsweredTag = Exclude<PlexAuthError["_tag"], "PlexInvalidInputError">

/** One way to end in each error `PlexAuth` can fail with; the record type makes the list complete. */
const scenarios: { readonly [Tag in AnsweredTag]: (recorded: Recorded) => Answer } = {
  PlexBadRequestError: (recorded) =>
    jsonResponse(400, {
      errors: [{ code: 1000, message: "X-Plex-Client-Identifier is missing" }],
      echo: echo(recorded)
    }),
  PlexUnauthorizedError: (recorded) =>
    jsonResponse(401, { errors: [{ code: 1001, message: "User could not be authenticated" }], echo: echo(recorded) }),
  PlexRateLimitError: () => emptyResponse(429, { "retry-after": "5" }),
  PlexHttpError: (recorded) =>
    new Response(`<html><pre>${echo(recorded)}</pre></html>`, {
      status: 503,
      headers: { "content-type": "text/html" }
    }),
  PlexTransportError: (recorded) =>
    Effect.fail(
      new HttpClientError.RequestError({
        request: recorded.request,
        reason: "Transport",
        cause: Object.assign(new Error(`connect ECONNREFUSED ${echo(recorded)}`), { code: "ECONNREFUSED" })
      })
    ),
  PlexTimeoutError: hang,
  PlexDecodeError: (recorded) =>
    jsonResponse(201, userJson({ id: SENTINEL_TOKEN, authToken: SENTINEL_TOKEN, echo: echo(recorded) }))
}

const calls = {
  signIn: signIn(credentials("alice", SENTINEL_PASSWORD, { verificationCode: "123456" })),
  getTokenDetails: getTokenDetails(SENTINEL_TOKEN)
}

describe("errors never print a password or a token", () => {
  for (const tag of Object.keys(scenarios) as Array<AnsweredTag>) {
    for (const [name, call] of Object.entries(calls)) {
      it.effect(`${tag} from ${name}`, () => {
        const http = scripted(scenarios[tag])
        return Effect.gen(function*() {
          const exit = yield* withClock(call)
          const error = typedFailure(exit)
          assert.strictEqual(error._tag, tag)
          assertNoSecrets(error, secrets)
          // the whole cause as it would be logged: spans and stack included
          if (Exit.isFailure(exit)) {
            for (const text of [Cause.pretty(exit.cause), inspect(exit, { depth: 10 }), JSON.stringify(exit)]) {
              for (const secret of secrets) assert.notInclude(text, secret)
            }
          }
        }).pipe(Effect.provide(http.layer({ retry: { times: 0 } })))
      })
    }
  }
})

describe("values never print a password or a token", () => {
  it("PlexUser: the token, service credentials and the Home PIN hash stay redacted", () => {
    const user = Schema.decodeUnknownSync(PlexUser)(
      userJson({
        authToken: SENTINEL_TOKEN,
        pin: SENTINEL_PASSWORD,
        services: [{ identifier: "s", token: SENTINEL_TOKEN, secret: SENTINEL_PASSWORD, status: "online" }]
      })
    )
    assertNoSecrets(user, secrets)
    assertNoSecrets([user, { nested: user }], secrets)
    // and they are still there for whoever needs them
    assert.strictEqual(Redacted.value(user.authToken), SENTINEL_TOKEN)
    assert.strictEqual(Redacted.value(user.services![0]!.token!), SENTINEL_TOKEN)
  })

  it.effect("PlexUser returned by getTokenDetails", () => {
    const http = scripted(() => jsonResponse(200, userJson({ authToken: SENTINEL_TOKEN })))
    return Effect.gen(function*() {
      const user = yield* getTokenDetails(SENTINEL_TOKEN)
      assertNoSecrets(user, secrets)
    }).pipe(Effect.provide(http.layer()))
  })

  it("PasswordCredentials", () => {
    const value = credentials("alice", SENTINEL_PASSWORD, { verificationCode: "123456", rememberMe: true })
    assertNoSecrets(value, secrets)
    assert.strictEqual(Redacted.value(value.password), SENTINEL_PASSWORD)
  })
})

/** Every rendering of a rejected `PasswordCredentials`, by constructor and by decoding. */
const rejections = (
  input: { readonly login: string; readonly password: string; readonly verificationCode?: string }
) => {
  const out: Array<string> = []
  try {
    PasswordCredentials.make({ ...input, password: Redacted.make(input.password) })
    assert.fail("make accepted invalid credentials")
  } catch (error) {
    out.push(...renderings(error))
  }
  const decoded = Schema.decodeUnknownEither(PasswordCredentials)(input)
  if (Either.isRight(decoded)) return assert.fail("decoding accepted invalid credentials")
  out.push(...renderings(decoded.left))
  return out
}

describe("PasswordCredentials validation never echoes the password", () => {
  it("an empty password", () => {
    const texts = rejections({ login: SENTINEL_TOKEN, password: "" })
    assert.isTrue(texts.some((text) => text.includes("password must not be empty")))
  })

  it("a password with a control character", () => {
    const texts = rejections({ login: "alice", password: `${SENTINEL_PASSWORD}\r\n` })
    assert.isTrue(texts.some((text) => text.includes("control characters")))
    for (const text of texts) assert.notInclude(text, SENTINEL_PASSWORD)
  })

  it("a bad verification code next to a good password", () => {
    for (const verificationCode of ["12345", "1234567", "12345a", "", " 123456"]) {
      const texts = rejections({ login: "alice", password: SENTINEL_PASSWORD, verificationCode })
      assert.isTrue(texts.some((text) => text.includes("verificationCode must be exactly 6 digits")))
      for (const text of texts) assert.notInclude(text, SENTINEL_PASSWORD)
    }
  })

  it.prop(
    "any password with CR, LF or another control character",
    [
      FastCheck.string(),
      FastCheck.constantFrom("\r", "\n", "\u0000", "\t", "\u001b", "\u007f"),
      FastCheck.string()
    ],
    ([before, control, after]) => {
      const password = `SENTINEL-${before}${control}${after}`
      for (const text of rejections({ login: "alice", password })) assert.notInclude(text, "SENTINEL-")
    }
  )
})
