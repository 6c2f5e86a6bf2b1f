/**
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { DEFAULT_PRODUCT } from "./internal/defaults.js"
import { PlexClientInfo } from "./PlexClientInfo.js"

const DEFAULT_BASE_URL = "https://plex.tv"
const DEFAULT_CLIENTS_BASE_URL = "https://clients.plex.tv"

const BaseUrl = Schema.String.pipe(
  Schema.filter((s) => {
    if (!URL.canParse(s)) return "must be an absolute http(s) URL, such as https://plex.tv"
    const url = new URL(s)
    if (url.protocol !== "https:" && url.protocol !== "http:") return "must use http or https"
    if (url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
      return "must not contain a query, a fragment or credentials"
    }
    return true
  }),
  Schema.transform(Schema.String, {
    strict: true,
    decode: (s) => s.replace(/\/+$/, ""),
    encode: (s) => s
  })
)

const isDurationInput = (u: unknown): u is Duration.DurationInput => Option.isSome(Duration.decodeUnknown(u))

/** A `Duration`, or anything `Duration.decode` takes: `"10 seconds"`, `2500` (millis), `[1, 0]`. */
const DurationInput = Schema.transformOrFail(
  Schema.declare(isDurationInput, {
    identifier: "DurationInput",
    message: () => "must be a duration, such as \"10 seconds\" or a number of milliseconds"
  }),
  Schema.DurationFromSelf,
  {
    strict: true,
    decode: (input, _, ast) =>
      Option.match(Duration.decodeUnknown(input), {
        onNone: () => ParseResult.fail(new ParseResult.Type(ast, input, "must be a duration")),
        onSome: ParseResult.succeed
      }),
    encode: ParseResult.succeed
  }
).annotations({ message: () => "must be a duration, such as \"10 seconds\" or a number of milliseconds" })

const Positive = DurationInput.pipe(
  Schema.filter((d) => Duration.greaterThan(d, Duration.zero) || "must be longer than zero")
)

const RetryOptions = Schema.Struct({
  times: Schema.optionalWith(Schema.Int.pipe(Schema.between(0, 10)), { default: () => 3 }),
  base: Schema.optionalWith(Positive, { default: () => Duration.millis(250) }),
  cap: Schema.optionalWith(Positive, { default: () => Duration.seconds(10) }),
  maxRetryAfter: Schema.optionalWith(Positive, { default: () => Duration.minutes(5) }),
  reopenRate: Schema.optionalWith(
    Schema.Number.pipe(
      Schema.filter((n) =>
        (Number.isFinite(n) && n > 0 && n <= 10_000) || "must be a number of calls a second in (0, 10000]"
      )
    ),
    { default: () => 10 }
  )
})

const Options = Schema.Struct({
  baseUrl: Schema.optionalWith(BaseUrl, { default: () => DEFAULT_BASE_URL }),
  clientsBaseUrl: Schema.optional(BaseUrl),
  client: PlexClientInfo,
  timeout: Schema.optionalWith(Positive, { default: () => Duration.seconds(10) }),
  deadline: Schema.optionalWith(Positive, { default: () => Duration.seconds(60) }),
  maxBodySize: Schema.optionalWith(Schema.Int.pipe(Schema.between(1024, 1024 * 1024 * 1024)), {
    default: () => 4 * 1024 * 1024
  }),
  retry: Schema.optionalWith(RetryOptions, {
    default: () => ({
      times: 3,
      base: Duration.millis(250),
      cap: Duration.seconds(10),
      maxRetryAfter: Duration.minutes(5),
      reopenRate: 10
    })
  })
})

/**
 * The plain options {@link PlexConfig.layer} takes. Only `client.clientIdentifier` is required.
 *
 * - `client.product`: default `"effect-plex"` ({@link PlexConfig.defaultProduct}, since 0.2.0). It
 *   is always sent as `X-Plex-Product` and put in `plexAuthAppUrl`: plex.tv's consent page and the
 *   user's Authorized Devices show it, so set your app's name.
 * - `baseUrl`: default `https://plex.tv`.
 * - `clientsBaseUrl`: the host of the resources and JWT endpoints; default `https://clients.plex.tv`
 *   when `baseUrl` is the default, otherwise `baseUrl` (a local or proxied plex.tv serves both).
 * - `timeout`: per attempt, default 10 seconds.
 * - `deadline`: for the whole call, retries and waits included; default 60 seconds.
 * - `maxBodySize`: bytes of a response body read at most (default 4 MiB); past it the call fails
 *   with `PlexDecodeError` (reason `TooLarge`) without reading further.
 * - `retry`: for idempotent calls only; `times` (default 3), exponential backoff from `base`
 *   (default 250 ms) with jitter, each wait at most `cap` (default 10 s) unless plex.tv's
 *   `Retry-After` asks for longer. `times: 0` turns automatic retries off. `maxRetryAfter`
 *   (default 5 minutes) caps how long a `Retry-After` (or its HTTP date) can close a host's
 *   rate-limit gate: a hostile or broken answer cannot lock the client out for days.
 *   `reopenRate` (default 10) is how many calls a second the gate lets through once a cool-down is
 *   over, so a crowd of waiting callers does not hit plex.tv all at once.
 *
 * @since 0.1.0
 * @category config
 * @example
 * import type { PlexConfigOptions } from "@effect-plex/core"
 *
 * const options: PlexConfigOptions = {
 *   client: { clientIdentifier: "3f1c0f0e-6a53-4a8e-9a51-2b7f0a6f8f10", product: "my-app" },
 *   timeout: "5 seconds",
 *   retry: { times: 2 }
 * }
 * console.log(options.timeout)
 */
export type PlexConfigOptions = Schema.Schema.Encoded<typeof Options>

/**
 * The validated configuration every plex.tv service reads.
 *
 * @since 0.1.0
 * @category config
 * @example
 * import { PlexConfig } from "@effect-plex/core"
 * import * as Effect from "effect/Effect"
 *
 * const timeout = Effect.map(PlexConfig, (config) => config.timeout)
 */
export interface PlexConfigService {
  /** Without a trailing slash, such as `https://plex.tv`. */
  readonly baseUrl: string
  /** The host of the resources and JWT endpoints, such as `https://clients.plex.tv`. */
  readonly clientsBaseUrl: string
  readonly client: PlexClientInfo
  /** How long one attempt may take, body included. */
  readonly timeout: Duration.Duration
  /** How long a whole call may take, retries and rate-limit waits included. */
  readonly deadline: Duration.Duration
  /** Bytes of a response body read at most. */
  readonly maxBodySize: number
  readonly retry: {
    readonly times: number
    readonly base: Duration.Duration
    readonly cap: Duration.Duration
    /** The longest a `Retry-After` can close a host's rate-limit gate. */
    readonly maxRetryAfter: Duration.Duration
    /** Calls a second let through once a rate-limit cool-down is over. */
    readonly reopenRate: number
  }
}

const decodeOptions = Schema.decodeUnknown(Options, { errors: "all", onExcessProperty: "ignore" })

/**
 * Each bad field and why, never its value (a base URL may hold credentials): Schema's own messages
 * read `Expected …, actual <value>`, so the value is cut off, and the `Expected undefined` noise of
 * the optional fields' union is left out.
 */
const describeIssues = (error: ParseResult.ParseError): string => {
  const lines = ParseResult.ArrayFormatter.formatErrorSync(error).flatMap((issue) => {
    if (issue.message.startsWith("Expected undefined,")) return []
    const path = issue.path.length > 0 ? issue.path.join(".") : "(options)"
    return [`${path} ${issue.message.replace(/, actual [\s\S]*$/, "")}`]
  })
  return [...new Set(lines)].join("; ")
}

const optional = <A>(config: Config.Config<A>) => Config.option(config).pipe(Config.map(Option.getOrUndefined))

const clientFromEnv = {
  product: optional(Config.string("PLEX_PRODUCT")),
  version: optional(Config.string("PLEX_VERSION")),
  platform: optional(Config.string("PLEX_PLATFORM")),
  platformVersion: optional(Config.string("PLEX_PLATFORM_VERSION")),
  device: optional(Config.string("PLEX_DEVICE")),
  model: optional(Config.string("PLEX_MODEL")),
  deviceVendor: optional(Config.string("PLEX_DEVICE_VENDOR")),
  deviceName: optional(Config.string("PLEX_DEVICE_NAME")),
  marketplace: optional(Config.string("PLEX_MARKETPLACE"))
}

const optionsFromEnv = Config.all({
  baseUrl: optional(Config.string("PLEX_BASE_URL")),
  clientsBaseUrl: optional(Config.string("PLEX_CLIENTS_BASE_URL")),
  timeout: optional(Config.duration("PLEX_TIMEOUT")),
  deadline: optional(Config.duration("PLEX_DEADLINE")),
  client: Config.all(clientFromEnv)
})

/** Leaves out the keys whose value is `undefined`, so schema defaults apply. */
const defined = (record: object): object =>
  Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined))

const make = (options: unknown): Effect.Effect<PlexConfigService, ConfigError.ConfigError> =>
  decodeOptions(options).pipe(
    Effect.mapError((error) =>
      ConfigError.InvalidData(["PlexConfig"], `invalid plex.tv configuration: ${describeIssues(error)}`)
    ),
    Effect.map(({ client, clientsBaseUrl, ...config }) => ({
      ...config,
      // plex.tv's consent page (app.plex.tv/auth) and the device list show the product: always send one
      client: client.product === undefined ? PlexClientInfo.make({ ...client, product: DEFAULT_PRODUCT }) : client,
      clientsBaseUrl: clientsBaseUrl ??
        (config.baseUrl === DEFAULT_BASE_URL ? DEFAULT_CLIENTS_BASE_URL : config.baseUrl)
    }))
  )

/**
 * The configuration of the plex.tv services: base URL, client identity, timeout and retries.
 *
 * @since 0.1.0
 * @category tags
 * @example
 * import { PlexConfig } from "@effect-plex/core"
 *
 * const ConfigLive = PlexConfig.layer({
 *   client: { clientIdentifier: "3f1c0f0e-6a53-4a8e-9a51-2b7f0a6f8f10", product: "my-app", version: "1.0.0" },
 *   timeout: "5 seconds"
 * })
 */
export class PlexConfig extends Context.Tag("@effect-plex/core/PlexConfig")<PlexConfig, PlexConfigService>() {
  /**
   * The product name sent when `client.product` is unset: `"effect-plex"`. plex.tv shows the
   * product on its consent page (`app.plex.tv/auth`) and in the user's Authorized Devices, so it
   * is never left out; set your app's name instead.
   *
   * @since 0.2.0
   * @category config
   * @example
   * import { PlexConfig } from "@effect-plex/core"
   *
   * console.log(PlexConfig.defaultProduct) // "effect-plex"
   */
  static readonly defaultProduct: string = DEFAULT_PRODUCT

  /**
   * Validates plain options and fills in the defaults. A bad value fails the layer with a
   * `ConfigError` that names each bad field and why.
   */
  static readonly make: (options: PlexConfigOptions) => Effect.Effect<PlexConfigService, ConfigError.ConfigError> = make

  /**
   * A layer from plain options; see {@link PlexConfigOptions}.
   */
  static readonly layer = (options: PlexConfigOptions): Layer.Layer<PlexConfig, ConfigError.ConfigError> =>
    Layer.effect(PlexConfig, make(options))

  /**
   * Like {@link PlexConfig.layerConfig}, but the client identifier comes from the given effect (a
   * `Config` is one), for runtimes that keep a stable identifier of their own.
   */
  static readonly layerConfigWith = <E, R>(
    clientIdentifier: Effect.Effect<string, E, R>
  ): Layer.Layer<PlexConfig, ConfigError.ConfigError | E, R> =>
    Layer.effect(
      PlexConfig,
      Effect.gen(function*() {
        const options = yield* optionsFromEnv
        const id = yield* clientIdentifier
        return yield* make(defined({ ...options, client: defined({ ...options.client, clientIdentifier: id }) }))
      })
    )

  /**
   * Reads the configuration through Effect `Config` (by default from the environment):
   * `PLEX_CLIENT_IDENTIFIER` (required), `PLEX_PRODUCT`, `PLEX_VERSION`, `PLEX_PLATFORM`,
   * `PLEX_PLATFORM_VERSION`, `PLEX_DEVICE`, `PLEX_MODEL`, `PLEX_DEVICE_VENDOR`, `PLEX_DEVICE_NAME`,
   * `PLEX_MARKETPLACE`, `PLEX_BASE_URL`, `PLEX_CLIENTS_BASE_URL`, `PLEX_TIMEOUT` (such as `"5 seconds"`) and
   * `PLEX_DEADLINE`.
   */
  static readonly layerConfig: Layer.Layer<PlexConfig, ConfigError.ConfigError> = PlexConfig.layerConfigWith(
    Config.string("PLEX_CLIENT_IDENTIFIER")
  )
}
