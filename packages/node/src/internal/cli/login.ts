/**
 * `plex-auth login`: PIN linking by default (a Plex JWT for a device key of this machine), or
 * `--password` (a classic token from a password sign-in, asking for the two-factor code when
 * plex.tv wants one). The token goes to the credential store, and with `--save FILE` to FILE too.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { type PasswordCredentials, PlexAuth, PlexJwtAuth } from "@effect-plex/core"
import * as CredentialStore from "./credentialStore.js"
import { credentialsOf, interactive, passwordCredentials, verificationCodePrompt } from "./environment.js"
import { usageError } from "./failure.js"
import * as Issued from "./issued.js"
import { out } from "./output.js"
import { describe, saveOption, saveTarget, withPlex } from "./plex.js"
import { qrCode, withSpinner } from "./waiting.js"

/** Where a short (4-character) PIN code is entered; a strong one is only accepted through the app URL. */
const linkPage = "https://plex.tv/link"

/** How many two-factor codes a terminal user may try: each wrong one counts toward plex.tv's lockout. */
const CODE_ATTEMPTS = 3

/**
 * Signs in; in a terminal, asks for the two-factor code when plex.tv wants one (1029) and again
 * when it refused one (1028), a few times at most. Never retried otherwise.
 */
const signIn = (credentials: PasswordCredentials) =>
  Effect.gen(function*() {
    const auth = yield* PlexAuth
    let attempt = credentials
    let codes = 0
    while (true) {
      const result = yield* Effect.either(auth.signIn(attempt))
      if (Either.isRight(result)) return result.right
      const error = result.left
      const asking = interactive() && error._tag === "PlexUnauthorizedError" && codes < CODE_ATTEMPTS &&
        (error.reason === "VerificationRequired" ||
          (error.reason === "InvalidVerificationCode" && codes > 0))
      if (!asking) return yield* Effect.fail(error)
      codes++
      const code = yield* verificationCodePrompt(
        error.reason === "VerificationRequired"
          ? "Two-factor code (6 digits from your authenticator app)"
          : "That code was wrong or expired. Two-factor code"
      )
      attempt = yield* credentialsOf(credentials.login, credentials.password, Option.some(code))
    }
  })

const withPassword = (saveTo: Option.Option<string>) =>
  Effect.scoped(Effect.gen(function*() {
    const credentials = yield* passwordCredentials
    const destinations = yield* Issued.prepare(saveTo)
    const user = yield* signIn(credentials)
    yield* Issued.keepIssued(
      user.authToken,
      Effect.zipRight(
        out(`signed in: ${describe(user)}`),
        Issued.keep(
          destinations,
          CredentialStore.StoredCredential.make({
            kind: "token",
            token: user.authToken,
            account: Issued.accountOf(user)
          })
        )
      )
    )
  }))

// PIN + JWT, Plex's login for new apps: a device key (kept by FileKeyStore in the config
// directory once linked) and a Plex JWT; no classic token is issued
const withPin = (saveTo: Option.Option<string>, short: boolean) =>
  Effect.scoped(Effect.gen(function*() {
    const destinations = yield* Issued.prepare(saveTo)
    const link = yield* (yield* PlexJwtAuth).linkDeviceWithPin({ strong: !short })
    const pin = link.pin
    // plex.tv/link takes only the 4-character code of a short PIN; a strong one goes through the app URL
    if (short) {
      yield* out(`PIN ${pin.code}: enter it at ${linkPage}`)
    } else {
      yield* out(`PIN ${pin.code}: open ${link.authAppUrl}`)
      yield* qrCode(link.authAppUrl)
    }
    const linked = yield* link.token.pipe(withSpinner("waiting for the PIN to be linked (Ctrl-C to cancel)"))
    yield* Issued.keepIssued(
      linked.token,
      Effect.gen(function*() {
        const user = yield* (yield* PlexAuth).getTokenDetails(linked.token)
        yield* out(`linked: ${describe(user)}`)
        yield* Issued.keep(
          destinations,
          CredentialStore.StoredCredential.make({
            kind: "jwt",
            token: linked.token,
            expiresAt: linked.expiresAt,
            account: Issued.accountOf(user)
          })
        )
      })
    )
  }))

/** `plex-auth login [--password] [--short] [--save FILE]`. */
export const login = Command.make(
  "login",
  {
    password: Options.boolean("password").pipe(
      Options.withDescription(
        "sign in with a password instead of a PIN: PLEX_LOGIN and PLEX_PASSWORD (and PLEX_VERIFICATION_CODE), " +
          "or asked for in a terminal (the password hidden, the two-factor code when plex.tv asks)"
      )
    ),
    short: Options.boolean("short").pipe(
      Options.withDescription(
        `a 4-character code to enter at ${linkPage} (for a TV or a machine without a browser) instead of the app URL`
      )
    ),
    save: saveOption
  },
  ({ password, save, short }) =>
    Effect.gen(function*() {
      const saveTo = yield* saveTarget(save)
      if (password && short) return yield* Effect.fail(usageError("--short applies only to PIN login, not --password"))
      yield* (password ? withPlex(withPassword(saveTo)) : withPlex(withPin(saveTo, short)))
    })
).pipe(
  Command.withDescription(
    "link this machine with a PIN (open the printed URL, or the QR code, and approve), or sign in with --password; " +
      "the token is kept for the next commands (plex-auth logout removes it)"
  )
)
