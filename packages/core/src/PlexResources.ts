/**
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { PlexClient } from "./PlexClient.js"
import type { PlexConfig } from "./PlexConfig.js"
import { type PlexBodyDecoder, PlexEndpoint } from "./PlexEndpoint.js"
import type { PlexAuthError } from "./PlexAuth.js"
import { type PlexConnectError, PlexInvalidInputError } from "./PlexError.js"
import { PlexConnection, PlexResource } from "./PlexResource.js"
import { connect } from "./internal/connect.js"
import { isHttps, rank } from "./internal/connectionRank.js"
import { decodeEntries, entryDecoder, type Skip } from "./internal/entries.js"
import { bodyDecoder } from "./internal/response.js"

/**
 * What a `PlexResources` call can fail with.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import type { PlexResourcesError } from "@effect-plex/core"
 *
 * const tokenIsDead = (error: PlexResourcesError) =>
 *   error._tag === "PlexUnauthorizedError" && error.reason === "InvalidToken"
 * console.log(tokenIsDead)
 */
export type PlexResourcesError = PlexAuthError

/**
 * Options of {@link PlexResourcesService.list}: which kinds of connection plex.tv should include.
 * Each is sent as a `0`/`1` query parameter. plex.tv's own default for each is `0`, but every real
 * client (and Plex's documentation) asks for all three, so this library sends `1` for each option
 * left unset (since 0.2.0; `0.1.0` sent `0`): pass `false` to leave a kind out.
 *
 * - `includeHttps`: the `https://….plex.direct` connections (without it, only plain http ones);
 * - `includeRelay`: the connections through Plex's relay;
 * - `includeIPv6`: IPv6 connections.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import type { PlexResourcesListOptions } from "@effect-plex/core"
 *
 * const noRelay: PlexResourcesListOptions = { includeRelay: false } // https and IPv6 still included
 * console.log(noRelay)
 */
export interface PlexResourcesListOptions {
  readonly includeHttps?: boolean | undefined
  readonly includeRelay?: boolean | undefined
  readonly includeIPv6?: boolean | undefined
}

/**
 * Options of {@link PlexResources.bestConnection}.
 *
 * - `preferHttps`: among connections of the same kind, take an https one when there is one
 *   (default `false`: plex.tv's order decides).
 * - `allowUnownedLocal`: also consider the `local` connections of servers the caller does not own
 *   (default `false`: their local addresses are on the owner's network, not the caller's).
 *
 * @since 0.1.0
 * @category models
 * @example
 * import type { PlexBestConnectionOptions } from "@effect-plex/core"
 *
 * const options: PlexBestConnectionOptions = { preferHttps: true }
 * console.log(options.preferHttps)
 */
export interface PlexBestConnectionOptions {
  readonly preferHttps?: boolean | undefined
  readonly allowUnownedLocal?: boolean | undefined
}

/**
 * Options of {@link PlexResources.connect}.
 *
 * - `prefer`: `"best"` (default) waits, once a connection answered, up to `grace` for a better one
 *   (local before remote before relay, https before http, as {@link PlexResources.bestConnection}
 *   orders them; among equals the first to answer); `"first"` takes the first answer.
 * - `timeout`: how long each probe may take, body included (default 5 seconds).
 * - `grace`: how long a better connection may still answer after the first (default 500 ms).
 * - `allowUnownedLocal`: also probe the `local` connections of a server the caller does not own
 *   (default `false`: they point into the owner's network, and are listed as `Skipped`).
 *
 * @since 0.2.0
 * @category models
 * @example
 * import type { PlexConnectOptions } from "@effect-plex/core"
 *
 * const quick: PlexConnectOptions = { prefer: "first", timeout: "2 seconds" }
 * console.log(quick.prefer)
 */
export interface PlexConnectOptions {
  readonly prefer?: "best" | "first" | undefined
  readonly timeout?: Duration.DurationInput | undefined
  readonly grace?: Duration.DurationInput | undefined
  readonly allowUnownedLocal?: boolean | undefined
}

/**
 * What a Plex Media Server says about itself at `GET /identity`.
 *
 * @since 0.2.0
 * @category models
 * @example
 * import type { PlexServerIdentity } from "@effect-plex/core"
 *
 * const identity: PlexServerIdentity = { machineIdentifier: "0123456789abcdef", version: "1.40.0.7998" }
 * console.log(identity.machineIdentifier)
 */
export interface PlexServerIdentity {
  readonly machineIdentifier: string
  readonly version?: string | undefined
  readonly claimed?: boolean | undefined
}

/**
 * The connection {@link PlexResources.connect} chose, and a client for that server.
 *
 * - `connection` and `index`: the chosen entry of `resource.connections`;
 * - `identity`: the server's answer to `/identity`;
 * - `client`: an `HttpClient` whose requests go to the chosen URI (`client.get("/library/sections")`)
 *   with the resource's `accessToken` in `X-Plex-Token` (redacted wherever the platform prints
 *   headers, and taken out of its transport errors); redirects are not followed, so the token never
 *   goes to another host;
 * - `layer`: the same client as an `HttpClient` layer.
 *
 * @since 0.2.0
 * @category models
 * @example
 * import type { PlexServerConnection } from "@effect-plex/core"
 *
 * const describe = (server: PlexServerConnection) => `${server.resource.name} at ${server.connection.uri}`
 * console.log(describe)
 */
export interface PlexServerConnection {
  readonly resource: PlexResource
  readonly connection: PlexConnection
  readonly index: number
  readonly identity: PlexServerIdentity
  readonly client: HttpClient.HttpClient
  readonly layer: Layer.Layer<HttpClient.HttpClient>
}

/**
 * The resources operations of plex.tv (on `clients.plex.tv`).
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { PlexResources } from "@effect-plex/core"
 * import * as Effect from "effect/Effect"
 * import * as Redacted from "effect/Redacted"
 *
 * const servers = Effect.flatMap(PlexResources, (resources) =>
 *   resources.list(Redacted.make("token"), { includeHttps: true, includeRelay: true })
 * ).pipe(Effect.map((all) => all.filter((resource) => resource.hasCapability("server"))))
 */
export interface PlexResourcesService {
  /**
   * `GET /api/v2/resources` on `clients.plex.tv`: the account's servers and players, the token
   * sent in the `X-Plex-Token` header. Idempotent: retryable failures are retried per
   * `PlexConfig.retry`. One odd entry never fails the list: a resource without its essential
   * fields (`name`, a non-empty `clientIdentifier`, see {@link PlexResource}) is left out, and so is
   * a connection without a non-empty `uri`, each with a `Warning` log naming its index and the
   * fields (never a value).
   */
  readonly list: (
    token: Redacted.Redacted<string>,
    options?: PlexResourcesListOptions
  ) => Effect.Effect<ReadonlyArray<PlexResource>, PlexResourcesError>
}

const bestConnection = (
  resource: PlexResource,
  options?: PlexBestConnectionOptions
): Option.Option<PlexConnection> => {
  const skipLocal = !resource.isOwned && options?.allowUnownedLocal !== true
  const preferHttps = options?.preferHttps === true
  let best: PlexConnection | undefined
  let bestScore = Infinity
  for (const connection of resource.connections) {
    const kind = rank(connection)
    if (kind === 0 && skipLocal) continue
    const score = kind * 2 + (preferHttps && !isHttps(connection) ? 1 : 0)
    if (score < bestScore) { // strict: on a tie the first in plex.tv's order wins
      best = connection
      bestScore = score
    }
  }
  return Option.fromNullable(best)
}

/** Unset means `1`, as real clients ask: only an explicit `false` leaves a kind of connection out. */
const flag = (value: boolean | undefined) => (value === false ? "0" : "1")

const listFlags = ["includeHttps", "includeRelay", "includeIPv6"] as const

/** Each option is `true`, `false` or unset: any other value (from JavaScript callers) is refused, not guessed. */
const checkListOptions = (options: unknown): Effect.Effect<void, PlexInvalidInputError> => {
  if (options === undefined) return Effect.void
  if (typeof options !== "object" || options === null) {
    return Effect.fail(new PlexInvalidInputError({ argument: "options", reason: "must be an object" }))
  }
  for (const key of listFlags) {
    const value = (options as Record<string, unknown>)[key]
    if (value !== undefined && typeof value !== "boolean") {
      return Effect.fail(new PlexInvalidInputError({ argument: key, reason: "must be a boolean" }))
    }
  }
  return Effect.void
}

const readList = bodyDecoder(Schema.Array(Schema.Unknown))
const decodeResource = entryDecoder(PlexResource)
const decodeConnection = entryDecoder(PlexConnection)

/** A resource's connections without the ones that lack their essential `uri` (each dropped with a warning). */
const keepConnections = (entry: unknown, where: string, skips: Array<Skip>): unknown => {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) return entry
  const connections: unknown = (entry as { readonly connections?: unknown }).connections
  if (!Array.isArray(connections)) return entry
  const kept: Array<unknown> = []
  for (let j = 0; j < connections.length; j++) {
    const result = decodeConnection(connections[j])
    if (result._tag === "Right") kept.push(connections[j])
    else skips.push({ where: `${where}.connections[${j}]`, error: result.left })
  }
  return kept.length === connections.length ? entry : { ...entry, connections: kept }
}

/**
 * The list entry by entry: a resource without its essential fields is left out, and so is a
 * connection without its `uri`, each with a `Warning` log (plex-tv-api.md §2.6: other projects'
 * fixtures show `"uri": ""`). The rest of the list is returned.
 */
const decodeResources: PlexBodyDecoder<ReadonlyArray<PlexResource>> = (response, limit) =>
  Effect.flatMap(readList(response, limit), (list) => decodeEntries(list, decodeResource, "resources", keepConnections))

const listEndpoint = PlexEndpoint.make({
  name: "PlexResources.list",
  method: "GET",
  path: "/api/v2/resources",
  host: "clients",
  idempotent: true,
  decode: decodeResources
})

const make: Effect.Effect<PlexResourcesService, never, PlexClient> = Effect.map(PlexClient, (client) => {
  const list = (token: Redacted.Redacted<string>, options?: PlexResourcesListOptions) =>
    Effect.zipRight(
      checkListOptions(options),
      client.execute(listEndpoint, {
        token,
        urlParams: {
          includeHttps: flag(options?.includeHttps),
          includeRelay: flag(options?.includeRelay),
          includeIPv6: flag(options?.includeIPv6)
        }
      })
    )
  return { list }
})

/**
 * The plex.tv resources service: lists the servers and players an account can use, and picks the
 * connection to reach one at. Depends only on the abstract `HttpClient` and on `PlexConfig`
 * (its `clientsBaseUrl`).
 *
 * @since 0.1.0
 * @category tags
 * @example
 * import { PlexConfig, PlexResources } from "@effect-plex/core"
 * import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
 * import * as Effect from "effect/Effect"
 * import * as Layer from "effect/Layer"
 * import * as Option from "effect/Option"
 * import * as Redacted from "effect/Redacted"
 *
 * const ResourcesLive = PlexResources.layer.pipe(
 *   Layer.provide(PlexConfig.layer({ client: { clientIdentifier: "3f1c0f0e-6a53-4a8e-9a51-2b7f0a6f8f10" } })),
 *   Layer.provide(FetchHttpClient.layer)
 * )
 *
 * const program = Effect.gen(function*() {
 *   const resources = yield* PlexResources
 *   const all = yield* resources.list(Redacted.make("token"), { includeHttps: true, includeRelay: true })
 *   return all
 *     .filter((resource) => resource.hasCapability("server"))
 *     .map((server) => ({
 *       name: server.name,
 *       uri: Option.map(PlexResources.bestConnection(server, { preferHttps: true }), (c) => c.uri)
 *     }))
 * }).pipe(Effect.provide(ResourcesLive))
 */
export class PlexResources extends Context.Tag("@effect-plex/core/PlexResources")<
  PlexResources,
  PlexResourcesService
>() {
  /**
   * Builds the service once from the `HttpClient` and `PlexConfig` in context.
   *
   * @since 0.1.0
   */
  static readonly make = make

  /**
   * The service over a {@link PlexClient} you provide.
   *
   * @since 0.2.0
   */
  static readonly layerWithoutDependencies: Layer.Layer<PlexResources, never, PlexClient> = Layer.effect(
    PlexResources,
    make
  )

  /**
   * The service as a layer, with its {@link PlexClient} built from the `HttpClient` and `PlexConfig`
   * in context (services built in the same layer share that client).
   *
   * @since 0.1.0
   */
  static readonly layer: Layer.Layer<PlexResources, never, HttpClient.HttpClient | PlexConfig> = PlexResources
    .layerWithoutDependencies.pipe(Layer.provide(PlexClient.layer))

  /**
   * The connection to reach a resource at, the way mature Plex clients choose it (pure, no I/O):
   *
   * 1. a `local` connection, then a remote one, then a `relay` one (relays are bandwidth-limited:
   *    never chosen while anything else is left);
   * 2. the `local` connections of a resource the caller does not own (`PlexResource.isOwned`) are
   *    skipped, unless `allowUnownedLocal` is set: they point into the owner's network;
   * 3. with `preferHttps`, https before http within the same kind (a local http connection still
   *    beats a remote https one);
   * 4. otherwise plex.tv's order.
   *
   * `None` when no connection is left. Reachability is not checked: probe the URI (for example
   * `GET {uri}/identity`) and fall back to the next one if that matters.
   *
   * @since 0.1.0
   */
  static readonly bestConnection: (
    resource: PlexResource,
    options?: PlexBestConnectionOptions
  ) => Option.Option<PlexConnection> = bestConnection

  /**
   * Reaches a server: probes every connection of the resource at once (`GET {uri}/identity`, the
   * resource's own `accessToken` in `X-Plex-Token`, `Accept: application/json`, each probe bounded
   * by `timeout`), and succeeds with one that answered 200 with the resource's `clientIdentifier`
   * as its `machineIdentifier` (see {@link PlexConnectOptions} for which one). Every other probe is
   * interrupted at once: its request aborted, its socket closed. A connection whose server names
   * another machine is rejected (a stale address now used by another server); the `local`
   * connections of a server the caller does not own are skipped unless `allowUnownedLocal`.
   *
   * Talks to the server, not plex.tv (no rate-limit gate): only the `HttpClient` in context is
   * needed. Redirects are never followed and the answer is read no further than 16 KiB. Fails with
   * `PlexConnectError` listing, per connection, why it failed, or with `PlexInvalidInputError` for
   * an option of the wrong type or an access token no header can carry.
   *
   * @since 0.2.0
   * @example
   * import { PlexResources } from "@effect-plex/core"
   * import * as HttpClient from "@effect/platform/HttpClient"
   * import * as Effect from "effect/Effect"
   * import * as Redacted from "effect/Redacted"
   *
   * const sections = Effect.gen(function*() {
   *   const resources = yield* PlexResources
   *   const [server] = (yield* resources.list(Redacted.make("token"))).filter((r) => r.hasCapability("server"))
   *   if (server === undefined) return "no server"
   *   const connected = yield* PlexResources.connect(server, { timeout: "3 seconds" })
   *   const response = yield* HttpClient.get("/library/sections").pipe(Effect.provide(connected.layer))
   *   return `${connected.connection.uri}: HTTP ${response.status}`
   * })
   */
  static readonly connect: (
    resource: PlexResource,
    options?: PlexConnectOptions
  ) => Effect.Effect<PlexServerConnection, PlexConnectError | PlexInvalidInputError, HttpClient.HttpClient> = connect
}
