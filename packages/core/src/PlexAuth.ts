/**
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { makePlexHttp, withToken } from "./internal/client.js"
import { bodyDecoder, ignoreBody } from "./internal/response.js"
import type { PasswordCredentials } from "./PasswordCredentials.js"
import { PlexConfig } from "./PlexConfig.js"
import type { PlexAuthError } from "./PlexError.js"
import { PlexUser } from "./PlexUser.js"

export type { PlexAuthError } from "./PlexError.js"

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

const make: Effect.Effect<PlexAuthService, never, HttpClient.HttpClient | PlexConfig> = Effect.gen(function*() {
  const http = yield* makePlexHttp
  const decodeUser = bodyDecoder(PlexUser)

  const signIn = Effect.fn("PlexAuth.signIn")(function*(credentials: PasswordCredentials) {
    yield* Effect.annotateCurrentSpan("plex.endpoint", "POST /api/v2/users/signin")
    const request = HttpClientRequest.post("/api/v2/users/signin").pipe(
      HttpClientRequest.bodyUrlParams({ // undefined fields are not sent
        login: credentials.login,
        password: Redacted.value(credentials.password),
        verificationCode: credentials.verificationCode,
        rememberMe: credentials.rememberMe
      })
    )
    return yield* http.execute(request, { call: "signIn", decode: decodeUser, idempotent: false })
  })

  const getTokenDetails = Effect.fn("PlexAuth.getTokenDetails")(function*(token: Redacted.Redacted<string>) {
    yield* Effect.annotateCurrentSpan("plex.endpoint", "GET /api/v2/user")
    const request = HttpClientRequest.get("/api/v2/user").pipe(withToken(token))
    return yield* http.execute(request, { call: "token", decode: decodeUser, idempotent: true })
  })

  const signOut = Effect.fn("PlexAuth.signOut")(function*(token: Redacted.Redacted<string>) {
    yield* Effect.annotateCurrentSpan("plex.endpoint", "DELETE /api/v2/users/signout")
    const request = HttpClientRequest.del("/api/v2/users/signout").pipe(withToken(token))
    return yield* http.execute(request, { call: "token", decode: ignoreBody, idempotent: false })
  })

  const ping = Effect.fn("PlexAuth.ping")(function*(token: Redacted.Redacted<string>) {
    yield* Effect.annotateCurrentSpan("plex.endpoint", "GET /api/v2/ping")
    const request = HttpClientRequest.get("/api/v2/ping").pipe(withToken(token))
    return yield* http.execute(request, { call: "token", decode: ignoreBody, idempotent: true })
  })

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
   * Builds the service once from the `HttpClient` and {@link PlexConfig} in context.
   */
  static readonly make = make

  /**
   * The service as a layer.
   */
  static readonly layer: Layer.Layer<PlexAuth, never, HttpClient.HttpClient | PlexConfig> = Layer.effect(
    PlexAuth,
    make
  )
}
