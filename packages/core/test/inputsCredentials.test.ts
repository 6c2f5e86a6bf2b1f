/**
 * A refused password or verification code is never kept: not in the message, not in a field, not
 * anywhere reachable from the error, however it is printed.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as FastCheck from "effect/FastCheck"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { inspect } from "node:util"
import { PasswordCredentials, PlexError } from "@effect-plex/core"

const SENTINEL = "SENTINEL-pw-41d7"
const SENTINEL_CODE = "90817"

/** Every string reachable from `value`: own keys of every kind (enumerable or not, symbols), deeply. */
const reachableStrings = (value: unknown): Array<string> => {
  const out: Array<string> = []
  const seen = new Set<unknown>()
  const walk = (u: unknown, depth: number) => {
    if (typeof u === "string") return void out.push(u)
    if (typeof u === "number" || typeof u === "bigint" || typeof u === "symbol") return void out.push(String(u))
    if ((typeof u !== "object" && typeof u !== "function") || u === null || seen.has(u) || depth > 40) return
    seen.add(u)
    for (const key of Reflect.ownKeys(u)) {
      out.push(String(key))
      const descriptor = Object.getOwnPropertyDescriptor(u, key)
      if (descriptor !== undefined && "value" in descriptor) walk(descriptor.value, depth + 1)
    }
  }
  walk(value, 0)
  return out
}

/** A pino-style error serializer: type, message, stack and every own enumerable property, with causes. */
const pinoLike = (error: unknown, seen = new Set<unknown>()): unknown => {
  if (typeof error !== "object" || error === null || seen.has(error)) return error
  seen.add(error)
  const out: Record<string, unknown> = {
    type: error.constructor?.name,
    message: (error as { message?: unknown }).message,
    stack: (error as { stack?: unknown }).stack
  }
  for (const key in error) {
    const value = (error as Record<string, unknown>)[key]
    out[key] = typeof value === "object" && value !== null ? pinoLike(value, seen) : value
  }
  const cause = (error as { cause?: unknown }).cause
  if (cause !== undefined) out.cause = pinoLike(cause, seen)
  return out
}

/** Every way the error gets printed or logged. */
const printed = (error: unknown): Array<string> => [
  String(error),
  String((error as { message?: unknown }).message),
  String((error as { stack?: unknown }).stack),
  JSON.stringify(error) ?? "",
  JSON.stringify({ ...(error as object) }) ?? "",
  JSON.stringify(pinoLike(error)) ?? "",
  inspect(error),
  inspect(error, { customInspect: false, depth: Infinity, showHidden: true, getters: true }),
  inspect({ ...(error as object) }, { customInspect: false, depth: Infinity, showHidden: true }),
  Cause.pretty(Cause.fail(error)),
  Cause.pretty(Cause.die(error)),
  ...reachableStrings(error)
]

const assertKeepsNothing = (error: unknown, secrets: ReadonlyArray<string>) => {
  for (const text of printed(error)) {
    for (const secret of secrets) assert.notInclude(text, secret)
  }
}

const thrownBy = (f: () => unknown): unknown => {
  try {
    f()
  } catch (error) {
    return error
  }
  return assert.fail("expected a throw")
}

const decodeFailure = (input: Parameters<typeof PasswordCredentials.decode>[0]) => {
  const exit = Effect.runSyncExit(PasswordCredentials.decode(input))
  if (Exit.isSuccess(exit)) return assert.fail("decode accepted invalid credentials")
  const failure = Cause.failureOption(exit.cause)
  if (failure._tag === "None") return assert.fail(`not a typed failure: ${Cause.pretty(exit.cause)}`)
  return failure.value
}

type Input = Parameters<typeof PasswordCredentials.make>[0]

/** Refused by `make`, by `new` and by `decode`: none keeps a secret. */
const assertRefusedSafely = (input: Input, argument: string, secrets: ReadonlyArray<string>) => {
  const thrown = thrownBy(() => PasswordCredentials.make(input))
  assert.isTrue(PlexError.is(thrown))
  assert.deepInclude(thrown, { _tag: "PlexInvalidInputError", argument })
  assertKeepsNothing(thrown, secrets)
  assertKeepsNothing(thrownBy(() => new PasswordCredentials(input)), secrets)
  const failed = decodeFailure(input)
  assert.deepInclude(failed, { _tag: "PlexInvalidInputError", argument })
  assertKeepsNothing(failed, secrets)
}

/** Text that cannot be a password: a control character or a lone surrogate somewhere in it. */
const badInsert = FastCheck.oneof(
  FastCheck.integer({ min: 0, max: 0x1f }).map((code) => String.fromCharCode(code)),
  FastCheck.constant("\u007f"),
  FastCheck.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code))
)

/** Surrounding text without a lone surrogate: the planted sentinel stays intact around the bad part. */
const text = FastCheck.string({ unit: "grapheme", maxLength: 12 })

describe("a refused password is not kept", () => {
  it.prop(
    "a password with a control character or a lone surrogate anywhere",
    [text, badInsert, text],
    ([before, bad, after]) => {
      const password = `${before}${SENTINEL}${bad}${after}`
      assertRefusedSafely({ login: "alice", password: Redacted.make(password) }, "password", [SENTINEL])
      const reversed = `${before}${bad}${SENTINEL}${after}`
      assertRefusedSafely({ login: "alice", password: Redacted.make(reversed) }, "password", [SENTINEL])
    }
  )

  it("an empty password", () => {
    assertRefusedSafely({ login: SENTINEL, password: Redacted.make("") }, "password", [])
  })

  it.prop(
    "a password that is not a Redacted string (from JavaScript callers)",
    [FastCheck.oneof(
      text.map((s) => `${SENTINEL}${s}`),
      FastCheck.constant(Redacted.make(123456 as unknown as string)),
      FastCheck.constant({ value: SENTINEL }),
      FastCheck.constant([SENTINEL])
    )],
    ([password]) => {
      assertRefusedSafely(
        { login: "alice", password: password as Redacted.Redacted<string> },
        "password",
        [SENTINEL, "123456"]
      )
    }
  )

  it.prop(
    "a bad verification code next to a good password keeps neither",
    [FastCheck.oneof(text, FastCheck.string({ unit: "binary", maxLength: 8 })).filter((s) => !/^[0-9]{6}$/.test(s))],
    ([suffix]) => {
      const verificationCode = `${SENTINEL_CODE}${suffix}`
      if (/^[0-9]{6}$/.test(verificationCode)) return
      assertRefusedSafely(
        { login: "alice", password: Redacted.make(SENTINEL), verificationCode },
        "verificationCode",
        [SENTINEL, verificationCode]
      )
    }
  )

  it.prop(
    "a bad login next to a good password keeps the password out",
    [text, badInsert],
    ([login, bad]) => {
      assertRefusedSafely({ login: `${login}${bad}`, password: Redacted.make(SENTINEL) }, "login", [SENTINEL])
    }
  )

  it("decoding from the schema's encoded side keeps neither a bad password nor a bad code in an issue", () => {
    for (
      const input of [
        { login: "alice", password: `${SENTINEL}\r\n` },
        { login: "alice", password: `${SENTINEL}\ud800` },
        { login: "alice", password: SENTINEL, verificationCode: `${SENTINEL_CODE}x` }
      ]
    ) {
      const decoded = Schema.decodeUnknownEither(PasswordCredentials)(input)
      if (Either.isRight(decoded)) return assert.fail("decoding accepted invalid credentials")
      const texts = [decoded.left.message, String(decoded.left), inspect(decoded.left)]
      for (const text of texts) {
        assert.notInclude(text, SENTINEL)
        assert.notInclude(text, SENTINEL_CODE)
      }
    }
  })
})

describe("PasswordCredentials.decode", () => {
  it.prop(
    "accepts what make accepts, with the same fields and nothing else",
    [
      FastCheck.string({ minLength: 1, maxLength: 20 }).filter((s) =>
        s.trim() !== "" && !/[\u0000-\u001f\u007f]/.test(s)
      ),
      FastCheck.string({ minLength: 1, maxLength: 20 }).filter((s) => !/[\u0000-\u001f\u007f]/.test(s)),
      FastCheck.option(FastCheck.stringMatching(/^[0-9]{6}$/), { nil: undefined }),
      FastCheck.option(FastCheck.boolean(), { nil: undefined })
    ],
    ([login, password, verificationCode, rememberMe]) => {
      const input = { login, password: Redacted.make(password), verificationCode, rememberMe, extra: "x" }
      const decoded = Effect.runSync(PasswordCredentials.decode(input))
      const made = PasswordCredentials.make(input)
      assert.instanceOf(decoded, PasswordCredentials)
      assert.strictEqual(decoded.login, login)
      assert.strictEqual(Redacted.value(decoded.password), password)
      assert.strictEqual(decoded.verificationCode, verificationCode)
      assert.strictEqual(decoded.rememberMe, rememberMe)
      assert.notProperty(decoded, "extra")
      assert.deepStrictEqual(Object.keys(decoded).sort(), Object.keys(made).sort())
    }
  )

  it("names the field it refuses", () => {
    const password = Redacted.make("pw")
    const cases: ReadonlyArray<readonly [unknown, string]> = [
      [{ login: " ", password }, "login"],
      [{ login: "a", password: Redacted.make("") }, "password"],
      [{ login: "a", password, verificationCode: "12345" }, "verificationCode"],
      [{ login: "a", password, rememberMe: "yes" }, "rememberMe"],
      [null, "credentials"]
    ]
    for (const [input, argument] of cases) {
      const error = decodeFailure(input as Input)
      assert.strictEqual(error._tag, "PlexInvalidInputError")
      assert.strictEqual(error.argument, argument)
      assert.isFalse(PlexError.isRetryable(error))
    }
  })
})
