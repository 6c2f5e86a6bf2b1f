/**
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Context from "effect/Context"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { DEFAULT_PRODUCT } from "./internal/defaults.js"
import { checkInterval, checkPinId, refuse, waitForLink } from "./internal/pinWait.js"
import { bodyDecoder } from "./internal/response.js"
import type { PlexAuthError } from "./PlexAuth.js"
import type { PlexClientInfo } from "./PlexClientInfo.js"
import { PlexClient } from "./PlexClient.js"
import type { PlexConfig } from "./PlexConfig.js"
import { PlexEndpoint } from "./PlexEndpoint.js"
import { PlexPinExpiredError } from "./PlexError.js"
import { PlexPin } from "./PlexPin.js"

/**
 * What a `PlexPinAuth` call can fail with: the failures of every plex.tv call, plus
 * {@link PlexPinExpiredError} when the PIN is unknown or has expired.
 *
 * @since 0.1.0
 * @category errors
 * @example
 * import type { PlexPinAuthError } from "@effect-plex/core"
 *
 * const startOver = (error: PlexPinAuthError) => error._tag === "PlexPinExpiredError"
 * console.log(startOver)
 */
export type PlexPinAuthError = PlexAuthError | PlexPinExpiredError

/**
 * The options of `PlexPinAuth.createPin`. `strong` (default `true`) asks for a 25-character code
 * for the browser flow (`authAppUrl`); `strong: false` gives a 4-character code the user types at
 * `https://plex.tv/link`.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import type { PlexPinCreateOptions } from "@effect-plex/core"
 *
 * const forTv: PlexPinCreateOptions = { strong: false }
 * console.log(forTv.strong)
 */
export interface PlexPinCreateOptions {
  readonly strong?: boolean | undefined
}

/**
 * The options of {@link plexAuthAppUrl} and `PlexPinAuth.authAppUrl`: where the browser goes back
 * to once the user approved the PIN.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import type { PlexAuthAppUrlOptions } from "@effect-plex/core"
 *
 * const options: PlexAuthAppUrlOptions = { forwardUrl: "https://my-app.example/linked?step=2" }
 * console.log(options.forwardUrl)
 */
export interface PlexAuthAppUrlOptions {
  readonly forwardUrl?: string | undefined
}

/**
 * The options of `PlexPinAuth.waitForToken`. `interval` is the pause between the answer to one
 * poll and the next poll: default 1 second (what plex.tv asks for), at least 100 milliseconds.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import type { PlexPinWaitOptions } from "@effect-plex/core"
 *
 * const options: PlexPinWaitOptions = { interval: "2 seconds" }
 * console.log(options.interval)
 */
export interface PlexPinWaitOptions {
  readonly interval?: Duration.DurationInput | undefined
}

/**
 * The PIN linking operations of plex.tv.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { PlexPinAuth } from "@effect-plex/core"
 * import * as Effect from "effect/Effect"
 *
 * const login = Effect.gen(function*() {
 *   const pins = yield* PlexPinAuth
 *   const pin = yield* pins.createPin()
 *   console.log(`Open ${pins.authAppUrl(pin)}`)
 *   return yield* pins.waitForToken(pin)
 * })
 */
export interface PlexPinAuthService {
  /**
   * `POST /api/v2/pins?strong=true` (strong by default): a new PIN, without a token yet. Any 2xx
   * is a success (plex.tv answers 201). Never retried once plex.tv answered: each call makes a PIN.
   */
  readonly createPin: (options?: PlexPinCreateOptions) => Effect.Effect<PlexPin, PlexAuthError>
  /**
   * The `https://app.plex.tv/auth#?…` page where the user approves the PIN; see
   * {@link plexAuthAppUrl}. Pure: the product context comes from `PlexConfig.client`.
   */
  readonly authAppUrl: (pin: PlexAuthAppUrlPin, options?: PlexAuthAppUrlOptions) => string
  /**
   * `GET /api/v2/pins/{id}`, once: the token when the PIN was linked, `None` while it is pending.
   * Fails with {@link PlexPinExpiredError} when plex.tv no longer knows the PIN (404, code 1020).
   * Retryable failures are retried per `PlexConfig.retry`. For redirect flows, which check once
   * when the browser comes back.
   */
  readonly checkPin: (
    pin: Pick<PlexPin, "id">
  ) => Effect.Effect<Option.Option<Redacted.Redacted<string>>, PlexPinAuthError>
  /**
   * Polls `GET /api/v2/pins/{id}` every `interval` (default 1 second) until the PIN is linked, and
   * returns its token. Fails with {@link PlexPinExpiredError} at the PIN's `expiresAt` (by the
   * Effect `Clock`), or sooner when plex.tv answers 404/1020. A 429 slows polling down (never
   * sooner than `Retry-After`, otherwise doubling the pause up to `PlexConfig.retry.cap`) instead
   * of failing; other retryable failures are retried per `PlexConfig.retry`, then fail.
   * Interrupting the fiber stops polling at once: the pending request is aborted and no further
   * request is made.
   */
  readonly waitForToken: (
    pin: Pick<PlexPin, "id" | "expiresAt">,
    options?: PlexPinWaitOptions
  ) => Effect.Effect<Redacted.Redacted<string>, PlexPinAuthError>
}

/**
 * What {@link plexAuthAppUrl} needs of a PIN: its code, the client identifier that created it and,
 * as a fallback for the product name, its product.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import type { PlexAuthAppUrlPin } from "@effect-plex/core"
 *
 * const pin: PlexAuthAppUrlPin = { code: "7RQZ", clientIdentifier: "my-app-1" }
 * console.log(pin.code)
 */
export type PlexAuthAppUrlPin = Pick<PlexPin, "code" | "clientIdentifier"> & Partial<Pick<PlexPin, "product">>

/**
 * The client facts {@link plexAuthAppUrl} puts in the page's `context[device][…]`.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import type { PlexAuthAppUrlClient } from "@effect-plex/core"
 *
 * const client: PlexAuthAppUrlClient = { product: "my-app", version: "1.0.0" }
 * console.log(client.product)
 */
export type PlexAuthAppUrlClient = Partial<
  Pick<PlexClientInfo, "product" | "version" | "platform" | "platformVersion" | "device" | "deviceName">
>

const AUTH_APP = "https://app.plex.tv/auth#?"

/** Lone UTF-16 surrogates cannot be URL-encoded (`encodeURIComponent` throws): U+FFFD instead. */
const wellFormed = (s: string) =>
  s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD")

const encode = (s: string) => encodeURIComponent(wellFormed(s))

/** The first product that is a non-empty string: the page shows it, so it is never left out. */
const productOf = (...products: ReadonlyArray<unknown>): string =>
  (products.find((product) => typeof product === "string" && product !== "") as string | undefined) ?? DEFAULT_PRODUCT

/**
 * The page where the user approves a PIN in the browser: `https://app.plex.tv/auth#?` followed by
 * `clientID`, `code`, `context[device][product]` (the client's product, else the PIN's, else
 * `PlexConfig.defaultProduct`: the page shows it, so it is never left out), the other
 * `context[device][…]` facts that are set (`version`, `platform`, `platformVersion`, `device`,
 * `deviceName`) and `forwardUrl`. Every key and value is percent-encoded (`encodeURIComponent`), so
 * `&`, `=`, `#`, `+`, spaces and non-ASCII text survive; `new URLSearchParams(fragment)` reads them
 * back unchanged. The URL never holds a token.
 *
 * @since 0.1.0
 * @category utils
 * @example
 * import { plexAuthAppUrl } from "@effect-plex/core"
 *
 * const url = plexAuthAppUrl(
 *   { product: "my app" },
 *   { code: "abc", clientIdentifier: "my-app-1" },
 *   { forwardUrl: "https://my-app.example/done" }
 * )
 * console.log(url)
 * // https://app.plex.tv/auth#?clientID=my-app-1&code=abc&context%5Bdevice%5D%5Bproduct%5D=my%20app
 * //   &forwardUrl=https%3A%2F%2Fmy-app.example%2Fdone (on one line)
 */
export const plexAuthAppUrl = (
  client: PlexAuthAppUrlClient,
  pin: PlexAuthAppUrlPin,
  options?: PlexAuthAppUrlOptions
): string => {
  const params: Array<readonly [string, unknown]> = [
    ["clientID", pin?.clientIdentifier],
    ["code", pin?.code],
    ["context[device][product]", productOf(client?.product, pin?.product)],
    ["context[device][version]", client?.version],
    ["context[device][platform]", client?.platform],
    ["context[device][platformVersion]", client?.platformVersion],
    ["context[device][device]", client?.device],
    ["context[device][deviceName]", client?.deviceName],
    ["forwardUrl", options?.forwardUrl]
  ]
  // a value that is not a string (from a JavaScript caller) is left out like an unset one
  const pairs = params.flatMap(([key, value]) => typeof value !== "string" ? [] : [`${encode(key)}=${encode(value)}`])
  return AUTH_APP + pairs.join("&")
}

/** A poll needs only the token: the rest of the PIN may change shape without breaking the wait. */
const PinPoll = Schema.Struct({
  authToken: Schema.optionalWith(Schema.Redacted(Schema.String), { nullable: true })
})

const createPinEndpoint = PlexEndpoint.make({
  name: "PlexPinAuth.createPin",
  method: "POST",
  path: "/api/v2/pins",
  idempotent: false,
  credential: "none",
  success: PlexPin
})

const decodePoll = bodyDecoder(PinPoll)

/** `GET /api/v2/pins/{id}`: a 404 there means the PIN expired (or never was). */
const pollEndpoint = (id: number, idempotent: boolean) =>
  PlexEndpoint.make({
    name: "PlexPinAuth.checkPin",
    method: "GET",
    path: "/api/v2/pins/{id}",
    idempotent,
    credential: "none",
    decode: decodePoll,
    rules: [(failure) => failure.status === 404 ? new PlexPinExpiredError({ pinId: id }) : undefined]
  })

const make: Effect.Effect<PlexPinAuthService, never, PlexClient> = Effect.gen(function*() {
  const plex = yield* PlexClient
  const { client, retry } = plex.config

  const poll = (id: number, idempotent: boolean) =>
    plex.execute(pollEndpoint(id, idempotent), { path: { id }, attributes: { "plex.pin.id": id } }).pipe(
      Effect.map(({ authToken }) =>
        Option.filter(Option.fromNullable(authToken), (token) => Redacted.value(token) !== "")
      )
    )

  const createPin = (options?: PlexPinCreateOptions) => {
    // only a missing `strong` means the default: `null` (from a JavaScript caller) is not a boolean
    const strong = options?.strong === undefined ? true : options.strong
    if (typeof strong !== "boolean") return refuse("strong", "must be a boolean")
    return plex.execute(createPinEndpoint, {
      urlParams: { strong: strong ? "true" : undefined },
      attributes: { "plex.pin.strong": strong }
    })
  }

  const authAppUrl = (pin: PlexAuthAppUrlPin, options?: PlexAuthAppUrlOptions) => plexAuthAppUrl(client, pin, options)

  const checkPin = (pin: Pick<PlexPin, "id">) => Effect.flatMap(checkPinId(pin), (id) => poll(id, true))

  const waitForToken = Effect.fn("PlexPinAuth.waitForToken")(
    function*(pin: Pick<PlexPin, "id" | "expiresAt">, options?: PlexPinWaitOptions) {
      const id = yield* checkPinId(pin)
      if (!DateTime.isDateTime(pin.expiresAt)) return yield* refuse("expiresAt", "must be a DateTime")
      const interval = yield* checkInterval(options?.interval)
      yield* Effect.annotateCurrentSpan({
        "plex.endpoint": "GET /api/v2/pins/{id}",
        "plex.pin.id": id,
        "plex.pin.interval": Duration.format(interval)
      })
      return yield* waitForLink(id, pin.expiresAt, interval, retry, poll(id, false))
    }
  )

  return { createPin, authAppUrl, checkPin, waitForToken }
})

/**
 * PIN linking, the flow plex.tv recommends for apps: create a PIN, send the user to
 * {@link plexAuthAppUrl} (or have them type a 4-character code at `https://plex.tv/link`), then wait
 * for the token plex.tv issues to this client identifier. Depends only on the abstract
 * `HttpClient` and on {@link PlexConfig}; PINs are polled with the same client identifier that
 * created them.
 *
 * @since 0.1.0
 * @category tags
 * @example
 * import { PlexAuth, PlexConfig, PlexPinAuth } from "@effect-plex/core"
 * import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
 * import * as Console from "effect/Console"
 * import * as Effect from "effect/Effect"
 * import * as Layer from "effect/Layer"
 *
 * const PlexLive = Layer.mergeAll(PlexPinAuth.layer, PlexAuth.layer).pipe(
 *   Layer.provide(PlexConfig.layer({ client: { clientIdentifier: "3f1c0f0e-6a53", product: "my-app" } })),
 *   Layer.provide(FetchHttpClient.layer)
 * )
 *
 * const program = Effect.gen(function*() {
 *   const pins = yield* PlexPinAuth
 *   const pin = yield* pins.createPin()
 *   yield* Console.log(`Approve this app at ${pins.authAppUrl(pin)}`)
 *   const token = yield* pins.waitForToken(pin)
 *   const user = yield* (yield* PlexAuth).getTokenDetails(token)
 *   yield* Console.log(`Linked to ${user.username}`)
 * }).pipe(
 *   Effect.catchTag("PlexPinExpiredError", () => Console.log("The PIN expired: start over")),
 *   Effect.provide(PlexLive)
 * )
 */
export class PlexPinAuth extends Context.Tag("@effect-plex/core/PlexPinAuth")<PlexPinAuth, PlexPinAuthService>() {
  /**
   * Builds the service from the {@link PlexClient} in context.
   */
  static readonly make = make

  /**
   * The service over a {@link PlexClient} you provide.
   *
   * @since 0.2.0
   */
  static readonly layerWithoutDependencies: Layer.Layer<PlexPinAuth, never, PlexClient> = Layer.effect(
    PlexPinAuth,
    make
  )

  /**
   * The service as a layer, with its {@link PlexClient} built from the `HttpClient` and
   * {@link PlexConfig} in context (services built in the same layer share that client).
   */
  static readonly layer: Layer.Layer<PlexPinAuth, never, HttpClient.HttpClient | PlexConfig> = PlexPinAuth
    .layerWithoutDependencies.pipe(Layer.provide(PlexClient.layer))
}
