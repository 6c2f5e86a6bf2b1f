/**
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

const controlCharacters = /[\u0000-\u001f\u007f]/

const Login = Schema.String.pipe(
  Schema.filter((s) => s.trim().length > 0 || "login must not be empty"),
  Schema.filter((s) => !controlCharacters.test(s) || "login must not contain control characters")
)

// The messages of these schemas never quote the value: it is a password.
const Password = Schema.String.annotations({ message: () => "password must be a string" }).pipe(
  Schema.filter((s) => s.length > 0, { message: () => "password must not be empty" }),
  Schema.filter((s) => !controlCharacters.test(s), { message: () => "password must not contain control characters" })
)

const VerificationCode = Schema.String.annotations({ message: () => "verificationCode must be a string" }).pipe(
  Schema.filter((s) => /^\d{6}$/.test(s), { message: () => "verificationCode must be exactly 6 digits" })
)

/**
 * What a password sign-in sends: the username or e-mail, the password (kept `Redacted`), and for
 * two-factor accounts the 6-digit code of the authenticator app.
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
export class PasswordCredentials extends Schema.Class<PasswordCredentials>("@effect-plex/core/PasswordCredentials")({
  login: Login,
  password: Schema.Redacted(Password),
  verificationCode: Schema.optional(VerificationCode),
  rememberMe: Schema.optional(Schema.Boolean)
}) {}
