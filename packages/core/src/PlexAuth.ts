/**
 * @since 0.1.0
 */
import * as HttpBody from "@effect/platform/HttpBody"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { decodeUser } from "./internal/userBody.js"
import { PasswordCredentials } from "./PasswordCredentials.js"
import { PlexClient } from "./PlexClient.js"
import type { PlexConfig } from "./PlexConfig.js"
import { PlexEndpoint } from "./PlexEndpoint.js"
import type { PlexAuthError } from "./PlexError.js"
import type { PlexUser } from "./PlexUser.js"

export type {
  /**
   * Re-exported for convenience.
   *
   * @since 0.1.0
   */
  PlexAuthError
} from "./PlexError.js"

/**
 * The account operations of plex.tv.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { PlexAuth } from "@effect-plex/core"
 * import * as Effect from "effect/Effect"
 * import * as Redacted from "effect/Redacted"
 *
 * const username = Effect.flatMap(PlexAuth, (auth) => auth.getTokenDetails(Redacted.make("token"))).pipe(
 *   Effect.map((user) => user.username)
 * )
 */
export interface PlexAuthService {
  /**
   * `POST /api/v2/users/signin` with a login and password (and the 6-digit code of two-factor
   * accounts). Never retried once plex.tv has seen it: each failed attempt counts toward plex.tv's
   * lockout. Only a request that never left the machine (connection refused, name not resolved)
   * is tried again.
   */
  readonly signIn: (credentials: PasswordCredentials) => Effect.Effect<PlexUser, PlexAuthError>
  /**
   * `GET /api/v2/user`: the account behind a token, the token sent in the `X-Plex-Token` header.
   * Retryable failures are retried per `PlexConfig.retry`. A `PlexUnauthorizedError` with reason
   * `InvalidToken` means the token is dead; any other failure says nothing about the token.
   */
  readonly getTokenDetails: (token: Redacted.Redacted<string>) => Effect.Effect<PlexUser, PlexAuthError>
  /**
   * `DELETE /api/v2/users/signout`: invalidates the token on plex.tv. Never retried
   * automatically.
   */
  readonly signOut: (token: Redacted.Redacted<string>) => Effect.Effect<void, PlexAuthError>
  /**
   * `GET /api/v2/ping`: keeps a token alive (long-running apps ping about once a day). Any 2xx
   * means alive. Retried like `getTokenDetails`.
   */
  readonly ping: (token: Redacted.Redacted<string>) => Effect.Effect<void, PlexAuthError>
}

/** `POST /api/v2/users/signin`: never retried once sent (each try counts toward plex.tv's lockout). */
const signInEndpoint = PlexEndpoint.make({
  name: "PlexAuth.signIn",
  method: "POST",
  path: "/api/v2/users/signin",
  idempotent: false,
  credential: "password",
  decode: decodeUser
})

const getUser = PlexEndpoint.make({
  name: "PlexAuth.getTokenDetails",
  method: "GET",
  path: "/api/v2/user",
  idempotent: true,
  decode: decodeUser
})

const signOutEndpoint = PlexEndpoint.make({
  name: "PlexAuth.signOut",
  method: "DELETE",
  path: "/api/v2/users/signout",
  idempotent: false
})

const pingEndpoint = PlexEndpoint.make({ name: "PlexAuth.ping", method: "GET", path: "/api/v2/ping", idempotent: true })

const make: Effect.Effect<PlexAuthService, never, PlexClient> = Effect.map(PlexClient, (client) => {
  const signIn = (input: PasswordCredentials) =>
    Effect.flatMap(
      // checked again: a value built with validation disabled, or a plain object from JavaScript,
      // is refused with PlexInvalidInputError here instead of failing (or dying) on the way out
      PasswordCredentials.decode(input),
      (credentials) =>
        client.execute(signInEndpoint, {
          body: HttpBody.urlParams(UrlParams.fromInput({ // undefined fields are not sent
            login: credentials.login,
            password: Redacted.value(credentials.password),
            verificationCode: credentials.verificationCode,
            rememberMe: credentials.rememberMe
          })),
          secrets: credentials.verificationCode === undefined
            ? [credentials.password]
            : [credentials.password, Redacted.make(credentials.verificationCode)]
        })
    )
  const getTokenDetails = (token: Redacted.Redacted<string>) => client.execute(getUser, { token })
  const signOut = (token: Redacted.Redacted<string>) => client.execute(signOutEndpoint, { token })
  const ping = (token: Redacted.Redacted<string>) => client.execute(pingEndpoint, { token })
  return { signIn, getTokenDetails, signOut, ping }
})

/**
 * The plex.tv account service. Depends only on the abstract `HttpClient` of `@effect/platform`
 * and on {@link PlexConfig}: pick the runtime (`@effect-plex/node`, `FetchHttpClient`, a fake) at
 * the edge.
 *
 * @since 0.1.0
 * @category tags
 * @example
 * import { PasswordCredentials, PlexAuth, PlexConfig } from "@effect-plex/core"
 * import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
 * import * as Effect from "effect/Effect"
 * import * as Layer from "effect/Layer"
 * import * as Redacted from "effect/Redacted"
 *
 * const AuthLive = PlexAuth.layer.pipe(
 *   Layer.provide(PlexConfig.layer({ client: { clientIdentifier: "3f1c0f0e-6a53-4a8e-9a51-2b7f0a6f8f10" } })),
 *   Layer.provide(FetchHttpClient.layer)
 * )
 *
 * const program = Effect.gen(function*() {
 *   const auth = yield* PlexAuth
 *   const user = yield* auth.signIn(PasswordCredentials.make({ login: "alice", password: Redacted.make("pw") }))
 *   return user.username
 * }).pipe(
 *   Effect.catchTag("PlexUnauthorizedError", (error) => Effect.succeed(`refused: ${error.reason}`)),
 *   Effect.provide(AuthLive)
 * )
 */
export class PlexAuth extends Context.Tag("@effect-plex/core/PlexAuth")<PlexAuth, PlexAuthService>() {
  /**
   * Builds the service from the {@link PlexClient} in context.
   */
  static readonly make = make

  /**
   * The service over a {@link PlexClient} you provide (to share one client, and its rate-limit
   * gate, between services built apart).
   *
   * @since 0.2.0
   */
  static readonly layerWithoutDependencies: Layer.Layer<PlexAuth, never, PlexClient> = Layer.effect(PlexAuth, make)

  /**
   * The service as a layer, with its {@link PlexClient} built from the `HttpClient` and
   * {@link PlexConfig} in context (services built in the same layer share that client).
   */
  static readonly layer: Layer.Layer<PlexAuth, never, HttpClient.HttpClient | PlexConfig> = PlexAuth
    .layerWithoutDependencies.pipe(Layer.provide(PlexClient.layer))
}
