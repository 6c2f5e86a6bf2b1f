/**
 * @since 0.2.0
 */
import type * as Headers from "@effect/platform/Headers"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import type * as Effect from "effect/Effect"
import type * as Schema from "effect/Schema"
import { bodyDecoder, ignoreBody } from "./internal/response.js"
import type { PlexApiError, PlexDecodeError, PlexTransportError } from "./PlexError.js"

/**
 * Which plex.tv API host an endpoint lives on: `plex` is `PlexConfig.baseUrl` (`https://plex.tv`),
 * `clients` is `PlexConfig.clientsBaseUrl` (`https://clients.plex.tv`).
 *
 * @since 0.2.0
 * @category models
 * @example
 * import type { PlexHost } from "@effect-plex/core"
 *
 * const host: PlexHost = "clients"
 * console.log(host)
 */
export type PlexHost = "plex" | "clients"

/**
 * What an endpoint sends to prove who it is, which decides what a 401 means: a wrong password
 * (`password`: `InvalidCredentials`), a dead token (`token`: `InvalidToken`), or nothing known
 * (`none`: `Unknown`). Only a 401 with plex.tv's own error list says so: one without it (a proxy's
 * or captive portal's page, an empty body) is `UnrecognizedAnswer` whatever the credential.
 *
 * @since 0.2.0
 * @category models
 * @example
 * import type { PlexCredential } from "@effect-plex/core"
 *
 * const credential: PlexCredential = "token"
 * console.log(credential)
 */
export type PlexCredential = "password" | "token" | "none"

/**
 * A failure status as an endpoint's error rules see it: the status, plex.tv's `errors` list (read
 * leniently, secrets redacted) and the response headers.
 *
 * @since 0.2.0
 * @category models
 * @example
 * import type { PlexFailure } from "@effect-plex/core"
 *
 * const isHomePin = (failure: PlexFailure) => failure.status === 403 && failure.errors.some((e) => e.code === 1041)
 * console.log(isHomePin)
 */
export interface PlexFailure {
  readonly status: number
  readonly errors: ReadonlyArray<PlexApiError>
  readonly headers: Headers.Headers
}

/**
 * Reads the body of a success into a value; at most `limit` bytes (`PlexConfig.maxBodySize`).
 *
 * @since 0.2.0
 * @category models
 * @example
 * import type { PlexBodyDecoder } from "@effect-plex/core"
 * import * as Effect from "effect/Effect"
 *
 * const status: PlexBodyDecoder<number> = (response) => Effect.succeed(response.status)
 * console.log(status)
 */
export type PlexBodyDecoder<A> = (
  response: HttpClientResponse.HttpClientResponse,
  limit: number
) => Effect.Effect<A, PlexDecodeError | PlexTransportError>

/**
 * One plex.tv endpoint as data: its method and path, its host, whether it may be retried, how its
 * success is decoded and the failures that mean something special there (a 404 that means an
 * expired PIN, a 403 that means a Home PIN is needed). `PlexClient.execute` runs it with the
 * deadline, the per-attempt timeout, the retries, the rate-limit gate and the typed errors every
 * call gets.
 *
 * @since 0.2.0
 * @category models
 * @example
 * import { PlexEndpoint } from "@effect-plex/core"
 * import * as Schema from "effect/Schema"
 *
 * const devices: PlexEndpoint<ReadonlyArray<{ readonly name: string }>> = PlexEndpoint.make({
 *   name: "MyApp.devices",
 *   method: "GET",
 *   path: "/api/v2/devices",
 *   idempotent: true,
 *   success: Schema.Array(Schema.Struct({ name: Schema.String }))
 * })
 */
export interface PlexEndpoint<A, E = never> {
  /** The span of each call, such as `PlexAuth.getTokenDetails`. */
  readonly name: string
  readonly method: "GET" | "POST" | "PUT" | "DELETE" | "PATCH"
  /** The path, with `{name}` placeholders filled per call (URL-encoded), such as `/api/v2/pins/{id}`. */
  readonly path: string
  readonly host: PlexHost
  /**
   * Idempotent endpoints are retried per `PlexConfig.retry`; the others only when the request never
   * left this machine (refused, not resolved): plex.tv never saw it.
   */
  readonly idempotent: boolean
  readonly credential: PlexCredential
  readonly decode: PlexBodyDecoder<A>
  /** Tried in order on a failure status (not on 429 or a redirect); the first error returned wins. */
  readonly rules: ReadonlyArray<(failure: PlexFailure) => E | undefined>
}

/**
 * The options of {@link PlexEndpoint.make}: `success` is the schema of the success body (JSON);
 * leave it out for an endpoint whose body does not matter (204, `{"pong":true}`), or give a
 * `decode` of your own.
 *
 * @since 0.2.0
 * @category models
 * @example
 * import type { PlexEndpointOptions } from "@effect-plex/core"
 *
 * const options: PlexEndpointOptions<void, never, never> = { name: "MyApp.ping", method: "GET", path: "/api/v2/ping", idempotent: true }
 * console.log(options.path)
 */
export interface PlexEndpointOptions<A, I, E> {
  readonly name: string
  readonly method: PlexEndpoint<A, E>["method"]
  readonly path: string
  /** Default `plex`. */
  readonly host?: PlexHost | undefined
  readonly idempotent: boolean
  /** Default `token`. */
  readonly credential?: PlexCredential | undefined
  readonly success?: Schema.Schema<A, I> | undefined
  readonly decode?: PlexBodyDecoder<A> | undefined
  readonly rules?: ReadonlyArray<(failure: PlexFailure) => E | undefined> | undefined
}

const make = <A = void, I = A, E = never>(options: PlexEndpointOptions<A, I, E>): PlexEndpoint<A, E> => ({
  name: options.name,
  method: options.method,
  path: options.path,
  host: options.host ?? "plex",
  idempotent: options.idempotent,
  credential: options.credential ?? "token",
  decode: options.decode ??
    (options.success === undefined ? ignoreBody as unknown as PlexBodyDecoder<A> : bodyDecoder(options.success)),
  rules: options.rules ?? []
})

/**
 * Builds endpoints. A success schema is compiled once, when the endpoint is made: build endpoints
 * once (at module level or in a service's `make`), not per call.
 *
 * @since 0.2.0
 * @category constructors
 * @example
 * import { PlexClient, PlexEndpoint } from "@effect-plex/core"
 * import * as Effect from "effect/Effect"
 * import * as Redacted from "effect/Redacted"
 * import * as Schema from "effect/Schema"
 *
 * const optOuts = PlexEndpoint.make({
 *   name: "MyApp.optOuts",
 *   method: "GET",
 *   path: "/api/v2/user/{uuid}/settings/opt_outs",
 *   idempotent: true,
 *   success: Schema.Array(Schema.Struct({ key: Schema.String, value: Schema.String }))
 * })
 *
 * const program = Effect.flatMap(PlexClient, (client) =>
 *   client.execute(optOuts, { path: { uuid: "0f0f0f0f0f0f0f0f" }, token: Redacted.make("token") }))
 */
export const PlexEndpoint = { make }
