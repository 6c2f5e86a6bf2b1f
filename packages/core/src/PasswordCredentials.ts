/**
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Predicate from "effect/Predicate"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { PlexInvalidInputError } from "./PlexError.js"

const controlCharacters = /[\u0000-\u001f\u007f]/
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/**
 * What is wrong with a login, a password or a verification code, never quoting it. A lone UTF-16
 * surrogate cannot be encoded as UTF-8: it would reach plex.tv as U+FFFD, a different password.
 */
const loginProblem = (u: unknown): string | undefined =>
  typeof u !== "string"
    ? "must be a string"
    : u.trim().length === 0
    ? "must not be empty"
    : controlCharacters.test(u)
    ? "must not contain control characters"
    : loneSurrogate.test(u)
    ? "must not contain a lone surrogate"
    : undefined

const passwordTextProblem = (u: unknown): string | undefined =>
  typeof u !== "string"
    ? "must be a string"
    : u.length === 0
    ? "must not be empty"
    : controlCharacters.test(u)
    ? "must not contain control characters"
    : loneSurrogate.test(u)
    ? "must not contain a lone surrogate"
    : undefined

const passwordProblem = (u: unknown): string | undefined =>
  Redacted.isRedacted(u) ? passwordTextProblem(Redacted.value(u)) : "must be Redacted"

const verificationCodeProblem = (u: unknown): string | undefined =>
  typeof u === "string" && /^[0-9]{6}$/.test(u) ? undefined : "must be exactly 6 digits"

/** What a failed check keeps instead of the value: a `ParseError` keeps `actual` for anyone to print. */
const hidden = "<redacted>"

/**
 * A schema of one secret value whose failures never keep the value: the issue's `actual` is
 * {@link hidden}, and the message names the field and the problem only.
 */
const secret = <A>(
  field: string,
  problem: (u: unknown) => string | undefined,
  annotations: Schema.Annotations.Schema<A>
) =>
  Schema.declare(
    [],
    {
      decode: () => (u, _, ast) => {
        const reason = problem(u)
        return reason === undefined
          ? ParseResult.succeed(u as A)
          : ParseResult.fail(new ParseResult.Type(ast, hidden, `${field} ${reason}`))
      },
      encode: () => (u, _, ast) => {
        const reason = problem(u)
        return reason === undefined
          ? ParseResult.succeed(u as A)
          : ParseResult.fail(new ParseResult.Type(ast, hidden, `${field} ${reason}`))
      }
    },
    annotations
  )

const Login = Schema.String.pipe(
  Schema.filter((s) => s.trim().length > 0 || "login must not be empty"),
  Schema.filter((s) => !controlCharacters.test(s) || "login must not contain control characters"),
  Schema.filter((s) => !loneSurrogate.test(s) || "login must not contain a lone surrogate")
)

const validPassword = (s: string) => passwordTextProblem(s) === undefined

/** The password as it is decoded from: a plain string, checked without keeping it. */
const PasswordText = secret<string>("password", (u) => (typeof u === "string" ? undefined : "must be a string"), {
  identifier: "PasswordText",
  arbitrary: () => (fc) => fc.string({ minLength: 1 }).filter(validPassword),
  pretty: () => () => hidden
})

/** The password as it is kept: `Redacted`, non-empty, without control characters. */
const PasswordValue = secret<Redacted.Redacted<string>>("password", passwordProblem, {
  identifier: "Password",
  arbitrary: () => (fc) => fc.string({ minLength: 1 }).filter(validPassword).map((s) => Redacted.make(s)),
  pretty: () => () => hidden,
  equivalence: () => (a, b) => Redacted.value(a) === Redacted.value(b)
})

const Password = Schema.transform(PasswordText, PasswordValue, {
  strict: true,
  decode: (s) => Redacted.make(s),
  encode: (r) => Redacted.value(r)
})

/**
 * A 6-digit code is short-lived, but a secret all the same: a refused one is not kept either. The
 * schema takes `undefined` itself (the field is `optionalWith(…, { exact: true })`): with
 * `Schema.optional`, a union with `undefined` would quote the refused code in its message.
 */
const VerificationCode = secret<string | undefined>(
  "verificationCode",
  (u) => (u === undefined ? undefined : verificationCodeProblem(u)),
  {
    identifier: "VerificationCode",
    arbitrary: () => (fc) => fc.option(fc.stringMatching(/^[0-9]{6}$/), { nil: undefined }),
    pretty: () => () => hidden
  }
)

const fields = {
  login: Login,
  password: Password,
  verificationCode: Schema.optionalWith(VerificationCode, { exact: true }),
  rememberMe: Schema.optional(Schema.Boolean)
}

const optional = (u: unknown, problem: (u: unknown) => string | undefined) => (u === undefined ? undefined : problem(u))

/** The first problem of an input, by field, never quoting a value. */
const check = (input: unknown): PlexInvalidInputError | undefined => {
  if (!Predicate.isRecord(input)) {
    return new PlexInvalidInputError({ argument: "credentials", reason: "must be an object" })
  }
  const problems: ReadonlyArray<readonly [string, string | undefined]> = [
    ["login", loginProblem(input.login)],
    ["password", passwordProblem(input.password)],
    ["verificationCode", optional(input.verificationCode, verificationCodeProblem)],
    ["rememberMe", optional(input.rememberMe, (u) => (typeof u === "boolean" ? undefined : "must be a boolean"))]
  ]
  for (const [argument, reason] of problems) {
    if (reason !== undefined) return new PlexInvalidInputError({ argument, reason })
  }
  return undefined
}

/** Only the fields of the class: other keys of the input are not kept (as when the schema validates). */
const known = <A extends { readonly verificationCode?: unknown; readonly rememberMe?: unknown }>(
  props: A & { readonly login: unknown; readonly password: unknown }
): A => {
  const out: Record<string, unknown> = { login: props.login, password: props.password }
  if (props.verificationCode !== undefined) out.verificationCode = props.verificationCode
  if (props.rememberMe !== undefined) out.rememberMe = props.rememberMe
  return out as A
}

const disablesValidation = (options: Schema.MakeOptions | undefined) =>
  typeof options === "boolean" ? options : options?.disableValidation ?? false

/**
 * What a password sign-in sends: the username or e-mail, the password (kept `Redacted`), and for
 * two-factor accounts the 6-digit code of the authenticator app.
 *
 * `make` (and `new`) throw a {@link PlexInvalidInputError} naming the field for a refused value;
 * {@link PasswordCredentials.decode} returns it as a typed failure instead. Neither error, nor the
 * `ParseError` of decoding it as a schema, keeps the password or the verification code: every
 * refusal names the field and the problem only.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { PasswordCredentials } from "@effect-plex/core"
 * import * as Redacted from "effect/Redacted"
 *
 * const credentials = PasswordCredentials.make({
 *   login: "alice@example.com",
 *   password: Redacted.make("correct horse battery staple"),
 *   verificationCode: "123456"
 * })
 * console.log(String(credentials.password)) // "<redacted>"
 */
export class PasswordCredentials
  extends Schema.Class<PasswordCredentials>("@effect-plex/core/PasswordCredentials")(fields)
{
  constructor(
    props: {
      readonly login: string
      readonly password: Redacted.Redacted<string>
      readonly verificationCode?: string | undefined
      readonly rememberMe?: boolean | undefined
    },
    options?: Schema.MakeOptions
  ) {
    if (disablesValidation(options)) {
      super(props, true)
    } else {
      const error = check(props)
      if (error !== undefined) throw error
      super(known(props), true)
    }
  }

  /**
   * Like `make`, but a refused value is a typed failure instead of a thrown error: a
   * {@link PlexInvalidInputError} whose `argument` is `"login"`, `"password"`,
   * `"verificationCode"` or `"rememberMe"` (`"credentials"` when the input is not an object) and
   * whose `reason` never quotes the value.
   *
   * @since 0.2.0
   * @category constructors
   * @example
   * import { PasswordCredentials } from "@effect-plex/core"
   * import * as Effect from "effect/Effect"
   * import * as Redacted from "effect/Redacted"
   *
   * const program = PasswordCredentials.decode({ login: "alice", password: Redacted.make("") }).pipe(
   *   Effect.catchTag("PlexInvalidInputError", (error) => Effect.succeed(error.message))
   * )
   * // succeeds with "invalid password: must not be empty (nothing was sent)"
   */
  static decode(input: {
    readonly login: string
    readonly password: Redacted.Redacted<string>
    readonly verificationCode?: string | undefined
    readonly rememberMe?: boolean | undefined
  }): Effect.Effect<PasswordCredentials, PlexInvalidInputError> {
    return Effect.suspend(() => {
      const error = check(input)
      return error === undefined ? Effect.succeed(new PasswordCredentials(known(input), true)) : Effect.fail(error)
    })
  }
}
