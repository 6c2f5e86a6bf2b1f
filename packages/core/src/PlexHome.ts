/**
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Predicate from "effect/Predicate"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { decodeEntries, entryDecoder } from "./internal/entries.js"
import { bodyDecoder, issuePaths } from "./internal/response.js"
import { decodeUser } from "./internal/userBody.js"
import { PlexClient } from "./PlexClient.js"
import type { PlexConfig } from "./PlexConfig.js"
import { type PlexBodyDecoder, PlexEndpoint } from "./PlexEndpoint.js"
import type { PlexAuthError } from "./PlexAuth.js"
import { PlexDecodeError, PlexHomePinRequiredError, PlexInvalidInputError } from "./PlexError.js"
import { PlexHomeInfo, PlexHomeUser } from "./PlexHomeUser.js"
import type { PlexUser } from "./PlexUser.js"

/**
 * What a `PlexHome` call can fail with: the usual failures, and `PlexHomePinRequiredError` when a
 * switch needs a Home PIN that was missing or wrong.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import type { PlexHomeError } from "@effect-plex/core"
 *
 * const needsPin = (error: PlexHomeError) => error._tag === "PlexHomePinRequiredError"
 * console.log(needsPin)
 */
export type PlexHomeError = PlexAuthError | PlexHomePinRequiredError

/**
 * Options of {@link PlexHomeService.switchTo}.
 *
 * - `pin`: the target user's Home PIN (needed when the user is `protected`). A secret: it stays
 *   `Redacted` until the request is built, and never reaches a span, a log or an error.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import type { PlexHomeSwitchOptions } from "@effect-plex/core"
 * import * as Redacted from "effect/Redacted"
 *
 * const options: PlexHomeSwitchOptions = { pin: Redacted.make("1234") }
 * console.log(String(options.pin)) // "<redacted>"
 */
export interface PlexHomeSwitchOptions {
  readonly pin?: Redacted.Redacted<string> | undefined
}

/**
 * The Plex Home operations of plex.tv.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { PlexHome } from "@effect-plex/core"
 * import * as Effect from "effect/Effect"
 * import * as Redacted from "effect/Redacted"
 *
 * const adminToken = Redacted.make("token")
 * const kidToken = Effect.gen(function*() {
 *   const home = yield* PlexHome
 *   const users = yield* home.users(adminToken)
 *   const kid = users.find((user) => user.restricted === true)
 *   if (kid === undefined) return undefined
 *   const account = yield* home.switchTo(adminToken, kid, { pin: Redacted.make("1234") })
 *   return account.authToken
 * })
 */
export interface PlexHomeService {
  /**
   * `GET /api/v2/home/users`: the members of the caller's Plex Home (plex.tv's object form
   * `{ id, name, …, users }` and a bare array are both read). Idempotent: retryable failures are
   * retried per `PlexConfig.retry`. One odd entry never fails the list: a member without its
   * essential `id` (an integer) and non-empty `uuid` is left out, with a `Warning` log naming its
   * index and the fields (never a value). The Home's own fields: `home`.
   */
  readonly users: (token: Redacted.Redacted<string>) => Effect.Effect<ReadonlyArray<PlexHomeUser>, PlexHomeError>
  /**
   * `GET /api/v2/home/users`, all of it: the Home's `id`, `name`, guest user (`guestUserID`,
   * `guestUserUUID`, `guestEnabled`) and Plex Pass state, with its members (see
   * {@link PlexHomeInfo}). The same request as `users`, which keeps returning only the members.
   * From the bare-array form, only `users` is set.
   *
   * @since 0.2.0
   */
  readonly home: (token: Redacted.Redacted<string>) => Effect.Effect<PlexHomeInfo, PlexHomeError>
  /**
   * `POST /api/v2/home/users/{uuid}/switch` with the Home admin's token: the target user's account
   * with a token of its own (`authToken`). Any 2xx is a success. A protected user needs `pin`;
   * without it, or with a wrong one, the call fails with `PlexHomePinRequiredError`. Never retried
   * once plex.tv answered (only when the request never left this machine).
   *
   * The PIN goes in the `pin` query parameter, as plex.tv requires. Because the platform HTTP
   * client records the full URL (`url.full`, `url.query`) in its span, that span is not created
   * for a request that carries a PIN; the `PlexHome.switchTo` span still is.
   */
  readonly switchTo: (
    token: Redacted.Redacted<string>,
    user: PlexHomeUser | { readonly uuid: string },
    options?: PlexHomeSwitchOptions
  ) => Effect.Effect<PlexUser, PlexHomeError>
}

const readJson = bodyDecoder(Schema.Unknown)
const decodeMember = entryDecoder(PlexHomeUser)
const { users: _users, ...homeFields } = PlexHomeInfo.fields
const decodeHomeFields = entryDecoder(Schema.Struct(homeFields))
const noUsers = new PlexDecodeError({ paths: ["users"] })

/** The members, entry by entry: one without its essential `id` and `uuid` is left out, with a warning. */
const membersOf = (list: ReadonlyArray<unknown>) => decodeEntries(list, decodeMember, "users")

const usersOf = (body: unknown): unknown =>
  Array.isArray(body) ? body : Predicate.isRecord(body) ? (body as { readonly users?: unknown }).users : undefined

/** The object form `{ id, name, …, users: [...] }` or a bare array (both seen; plex-tv-api.md §2.7). */
const decodeUsers: PlexBodyDecoder<ReadonlyArray<PlexHomeUser>> = (response, limit) =>
  Effect.flatMap(readJson(response, limit), (body) => {
    const users = usersOf(body)
    return Array.isArray(users) ? membersOf(users) : Effect.fail(noUsers)
  })

/** The Home with its members; from the bare-array form, only the members. */
const decodeHome: PlexBodyDecoder<PlexHomeInfo> = (response, limit) =>
  Effect.flatMap(readJson(response, limit), (body): Effect.Effect<PlexHomeInfo, PlexDecodeError> => {
    const users = usersOf(body)
    if (!Array.isArray(users)) return Effect.fail(noUsers)
    if (Array.isArray(body)) return Effect.map(membersOf(users), (members) => PlexHomeInfo.make({ users: members }))
    const fields = decodeHomeFields(body)
    if (Either.isLeft(fields)) return Effect.fail(new PlexDecodeError({ paths: issuePaths(fields.left) }))
    return Effect.map(membersOf(users), (members) => PlexHomeInfo.make({ ...fields.right, users: members }))
  })

const refuse = (argument: string, reason: string) => Effect.fail(new PlexInvalidInputError({ argument, reason }))

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
const controlCharacters = /[\u0000-\u001f\u007f]/

/**
 * The Home user's uuid is one segment of the URL path: a non-empty, well-formed string (a lone
 * surrogate cannot be percent-encoded), without control characters, and not `.` or `..`, which
 * a URL would resolve to another path.
 */
const checkUuid = (user: unknown): Effect.Effect<string, PlexInvalidInputError> => {
  if (!Predicate.isObject(user)) return refuse("user", "must be an object with a uuid")
  const uuid = (user as { readonly uuid?: unknown }).uuid
  if (typeof uuid !== "string" || uuid.length === 0) return refuse("uuid", "must be a non-empty string")
  if (loneSurrogate.test(uuid)) return refuse("uuid", "must not contain a lone surrogate")
  if (controlCharacters.test(uuid)) return refuse("uuid", "must not contain control characters")
  if (uuid === "." || uuid === "..") return refuse("uuid", "must not be a dot segment")
  return Effect.succeed(uuid)
}

/** A Home PIN is digits (plex.tv's are 4): anything else can never be right. Never quoted. */
const checkHomePin = (
  pin: unknown
): Effect.Effect<Redacted.Redacted<string> | undefined, PlexInvalidInputError> => {
  if (pin === undefined) return Effect.succeed(undefined)
  if (!Redacted.isRedacted(pin)) return refuse("pin", "must be Redacted")
  const value: unknown = Redacted.value(pin)
  return typeof value === "string" && /^[0-9]{1,32}$/.test(value)
    ? Effect.succeed(pin as Redacted.Redacted<string>)
    : refuse("pin", "must be digits")
}

const usersEndpoint = PlexEndpoint.make({
  name: "PlexHome.users",
  method: "GET",
  path: "/api/v2/home/users",
  idempotent: true,
  decode: decodeUsers
})

const homeEndpoint = PlexEndpoint.make({
  name: "PlexHome.home",
  method: "GET",
  path: "/api/v2/home/users",
  idempotent: true,
  decode: decodeHome
})

/** A switch needs the Home PIN of a protected user: without it (or with a wrong one), 403 / 1041. */
const switchEndpoint = PlexEndpoint.make({
  name: "PlexHome.switchTo",
  method: "POST",
  path: "/api/v2/home/users/{uuid}/switch",
  idempotent: false,
  decode: decodeUser,
  rules: [(failure) =>
    failure.status === 403 && failure.errors.some((error) => error.code === 1041)
      ? new PlexHomePinRequiredError({ status: failure.status, errors: failure.errors })
      : undefined]
})

const make: Effect.Effect<PlexHomeService, never, PlexClient> = Effect.map(PlexClient, (client) => {
  const users = (token: Redacted.Redacted<string>) => client.execute(usersEndpoint, { token })
  const home = (token: Redacted.Redacted<string>) => client.execute(homeEndpoint, { token })

  const switchTo = (
    token: Redacted.Redacted<string>,
    user: PlexHomeUser | { readonly uuid: string },
    options?: PlexHomeSwitchOptions
  ) =>
    Effect.gen(function*() {
      const uuid = yield* checkUuid(user)
      const pin = yield* checkHomePin(Predicate.isObject(options) ? options.pin : undefined)
      // the PIN goes in the query, as plex.tv requires; the executor makes no platform span that
      // would record the URL, and the PIN is redacted from anything kept of the answer
      return yield* client.execute(switchEndpoint, {
        path: { uuid },
        token,
        urlParams: { pin: pin === undefined ? undefined : Redacted.value(pin) },
        secrets: pin === undefined ? undefined : [pin],
        attributes: { "plex.home.pin": pin === undefined ? "none" : "provided" }
      })
    })

  return { users, home, switchTo }
})

/**
 * The Plex Home service: list the members of the caller's Home and switch to one of them, getting
 * a token that acts as that user. Depends only on the abstract `HttpClient` and on `PlexConfig`.
 *
 * @since 0.1.0
 * @category tags
 * @example
 * import { PlexConfig, PlexHome } from "@effect-plex/core"
 * import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
 * import * as Effect from "effect/Effect"
 * import * as Layer from "effect/Layer"
 * import * as Redacted from "effect/Redacted"
 *
 * const HomeLive = PlexHome.layer.pipe(
 *   Layer.provide(PlexConfig.layer({ client: { clientIdentifier: "3f1c0f0e-6a53-4a8e-9a51-2b7f0a6f8f10" } })),
 *   Layer.provide(FetchHttpClient.layer)
 * )
 *
 * const program = Effect.gen(function*() {
 *   const home = yield* PlexHome
 *   const account = yield* home.switchTo(Redacted.make("admin-token"), { uuid: "1e1e1e1e1e1e1e1e" }, {
 *     pin: Redacted.make("1234")
 *   })
 *   return account.title
 * }).pipe(
 *   Effect.catchTag("PlexHomePinRequiredError", () => Effect.succeed("wrong PIN")),
 *   Effect.provide(HomeLive)
 * )
 */
export class PlexHome extends Context.Tag("@effect-plex/core/PlexHome")<PlexHome, PlexHomeService>() {
  /**
   * Builds the service from the {@link PlexClient} in context.
   *
   * @since 0.1.0
   */
  static readonly make = make

  /**
   * The service over a {@link PlexClient} you provide.
   *
   * @since 0.2.0
   */
  static readonly layerWithoutDependencies: Layer.Layer<PlexHome, never, PlexClient> = Layer.effect(PlexHome, make)

  /**
   * The service as a layer, with its {@link PlexClient} built from the `HttpClient` and `PlexConfig`
   * in context (services built in the same layer share that client).
   *
   * @since 0.1.0
   */
  static readonly layer: Layer.Layer<PlexHome, never, HttpClient.HttpClient | PlexConfig> = PlexHome
    .layerWithoutDependencies.pipe(Layer.provide(PlexClient.layer))
}
