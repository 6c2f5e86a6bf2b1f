import { assert, describe, it } from "@effect/vitest"
import * as ConfigError from "effect/ConfigError"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { PlexConfig, type PlexConfigOptions } from "@effect-plex/core"

const config = (layer: Layer.Layer<PlexConfig, ConfigError.ConfigError>) => Effect.provide(PlexConfig, layer)
const fromOptions = (options: PlexConfigOptions) => config(PlexConfig.layer(options))
const fromEnv = (env: Record<string, string>) =>
  config(PlexConfig.layerConfig).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))))

const client = { clientIdentifier: "3f1c0f0e-6a53-4a8e-9a51-2b7f0a6f8f10" }

/** The options layer fails with a ConfigError whose text names `field`. */
const failsNaming = (options: unknown, field: string) =>
  Effect.gen(function*() {
    const error = yield* Effect.flip(fromOptions(options as PlexConfigOptions))
    assert.isTrue(ConfigError.isConfigError(error))
    assert.include(String(error), field)
    assert.notInclude(String(error), "Expected undefined") // the optional fields' union is noise
    return String(error)
  })

describe("PlexConfig.layer", () => {
  it.effect("fills in the defaults", () =>
    Effect.gen(function*() {
      const value = yield* fromOptions({ client })
      assert.strictEqual(value.baseUrl, "https://plex.tv")
      assert.strictEqual(value.clientsBaseUrl, "https://clients.plex.tv")
      assert.strictEqual(value.client.clientIdentifier, client.clientIdentifier)
      assert.isTrue(Duration.equals(value.timeout, Duration.seconds(10)))
      assert.strictEqual(value.retry.times, 3)
      assert.isTrue(Duration.equals(value.retry.base, Duration.millis(250)))
      assert.isTrue(Duration.equals(value.retry.cap, Duration.seconds(10)))
    }))

  it.effect("takes the timeout as a duration string, as millis, or as a Duration", () =>
    Effect.gen(function*() {
      for (
        const [timeout, expected] of [
          ["5 seconds", Duration.seconds(5)],
          [2500, Duration.millis(2500)],
          [Duration.minutes(1), Duration.minutes(1)]
        ] as const
      ) {
        const value = yield* fromOptions({ client, timeout })
        assert.isTrue(Duration.equals(value.timeout, expected), String(timeout))
      }
    }))

  it.effect("strips trailing slashes; another baseUrl serves the clients endpoints too unless set", () =>
    Effect.gen(function*() {
      const local = yield* fromOptions({ client, baseUrl: "http://127.0.0.1:32400/" })
      assert.strictEqual(local.baseUrl, "http://127.0.0.1:32400")
      assert.strictEqual(local.clientsBaseUrl, "http://127.0.0.1:32400")
      const both = yield* fromOptions({
        client,
        baseUrl: "https://a.example.invalid",
        clientsBaseUrl: "https://b.example.invalid/"
      })
      assert.strictEqual(both.clientsBaseUrl, "https://b.example.invalid")
    }))

  it.effect("rejects a bad baseUrl, naming the field", () =>
    Effect.gen(function*() {
      for (
        const baseUrl of [
          "plex.tv",
          "not a url",
          "ftp://plex.tv",
          "https://plex.tv/?x=1",
          "https://plex.tv/#top",
          "https://user:pw@plex.tv"
        ]
      ) {
        yield* failsNaming({ client, baseUrl }, "baseUrl")
      }
      yield* failsNaming({ client, clientsBaseUrl: "file:///etc" }, "clientsBaseUrl")
    }))

  it.effect("never quotes the rejected value (a URL may hold credentials)", () =>
    Effect.gen(function*() {
      const text = yield* failsNaming({ client, baseUrl: "https://user:SENTINEL-pw@plex.tv" }, "baseUrl")
      assert.notInclude(text, "SENTINEL-pw")
    }))

  it.effect("never quotes a value of the wrong type either", () =>
    Effect.gen(function*() {
      const options = { client: { clientIdentifier: ["SENTINEL-id"] }, retry: { times: "SENTINEL-3" } }
      const text = yield* failsNaming(options, "retry.times")
      assert.include(text, "client.clientIdentifier")
      assert.notInclude(text, "SENTINEL")
    }))

  it.effect("rejects an empty or missing clientIdentifier, naming the field", () =>
    Effect.gen(function*() {
      yield* failsNaming({ client: { clientIdentifier: "" } }, "client.clientIdentifier")
      yield* failsNaming({ client: { clientIdentifier: "  " } }, "client.clientIdentifier")
      yield* failsNaming({ client: { clientIdentifier: "a\r\nX-Injected: 1" } }, "client.clientIdentifier")
      yield* failsNaming({ client: {} }, "client.clientIdentifier")
      yield* failsNaming({ client: { ...client, product: "" } }, "client.product")
    }))

  it.effect("rejects a zero, negative or unreadable timeout, naming the field", () =>
    Effect.gen(function*() {
      for (const timeout of [0, -5, "-5 seconds", "0 seconds", "soon", "5 parsecs", Number.NaN]) {
        yield* failsNaming({ client, timeout }, "timeout")
      }
    }))

  it.effect("rejects bad retry settings, naming the field", () =>
    Effect.gen(function*() {
      yield* failsNaming({ client, retry: { times: -1 } }, "retry.times")
      yield* failsNaming({ client, retry: { times: 1.5 } }, "retry.times")
      yield* failsNaming({ client, retry: { times: 11 } }, "retry.times")
      yield* failsNaming({ client, retry: { base: 0 } }, "retry.base")
      yield* failsNaming({ client, retry: { cap: "never" } }, "retry.cap")
    }))

  it.effect("names every bad field at once", () =>
    Effect.gen(function*() {
      const text = yield* failsNaming({ client: { clientIdentifier: "" }, baseUrl: "x", timeout: -1 }, "baseUrl")
      assert.include(text, "client.clientIdentifier")
      assert.include(text, "timeout")
    }))
})

describe("PlexConfig.layerConfig", () => {
  const env = {
    PLEX_CLIENT_IDENTIFIER: "env-client-id",
    PLEX_PRODUCT: "env product",
    PLEX_VERSION: "1.2.3",
    PLEX_PLATFORM: "Node.js",
    PLEX_PLATFORM_VERSION: "22.4.0",
    PLEX_DEVICE: "Server",
    PLEX_MODEL: "4200X",
    PLEX_DEVICE_VENDOR: "Vendor",
    PLEX_DEVICE_NAME: "Living Room – TV",
    PLEX_MARKETPLACE: "googlePlay",
    PLEX_BASE_URL: "https://plex.example.invalid/",
    PLEX_CLIENTS_BASE_URL: "https://clients.example.invalid",
    PLEX_TIMEOUT: "2 seconds",
    PLEX_DEADLINE: "30 seconds"
  }

  it.effect("reads every PLEX_* variable", () =>
    Effect.gen(function*() {
      const value = yield* fromEnv(env)
      assert.deepStrictEqual({ ...value.client }, {
        clientIdentifier: "env-client-id",
        product: "env product",
        version: "1.2.3",
        platform: "Node.js",
        platformVersion: "22.4.0",
        device: "Server",
        model: "4200X",
        deviceVendor: "Vendor",
        deviceName: "Living Room – TV",
        marketplace: "googlePlay"
      })
      assert.strictEqual(value.baseUrl, "https://plex.example.invalid")
      assert.strictEqual(value.clientsBaseUrl, "https://clients.example.invalid")
      assert.isTrue(Duration.equals(value.timeout, Duration.seconds(2)))
      assert.isTrue(Duration.equals(value.deadline, Duration.seconds(30)))
    }))

  it.effect("needs only PLEX_CLIENT_IDENTIFIER; the rest has defaults", () =>
    Effect.gen(function*() {
      const value = yield* fromEnv({ PLEX_CLIENT_IDENTIFIER: "only-this" })
      assert.deepStrictEqual({ ...value.client }, { clientIdentifier: "only-this", product: "effect-plex" })
      assert.strictEqual(value.baseUrl, "https://plex.tv")
      assert.strictEqual(value.clientsBaseUrl, "https://clients.plex.tv")
      assert.isTrue(Duration.equals(value.timeout, Duration.seconds(10)))
    }))

  it.effect("fails naming PLEX_CLIENT_IDENTIFIER when it is missing", () =>
    Effect.gen(function*() {
      const { PLEX_CLIENT_IDENTIFIER: _, ...rest } = env
      const error = yield* Effect.flip(fromEnv(rest))
      assert.isTrue(ConfigError.isConfigError(error))
      assert.isTrue(ConfigError.isMissingData(error))
      assert.include(String(error), "PLEX_CLIENT_IDENTIFIER")
    }))

  it.effect("fails on an empty PLEX_CLIENT_IDENTIFIER, a bad PLEX_BASE_URL or PLEX_TIMEOUT", () =>
    Effect.gen(function*() {
      assert.include(String(yield* Effect.flip(fromEnv({ ...env, PLEX_CLIENT_IDENTIFIER: "" }))), "clientIdentifier")
      assert.include(String(yield* Effect.flip(fromEnv({ ...env, PLEX_BASE_URL: "plex.tv" }))), "baseUrl")
      assert.include(String(yield* Effect.flip(fromEnv({ ...env, PLEX_TIMEOUT: "soon" }))), "PLEX_TIMEOUT")
      assert.include(String(yield* Effect.flip(fromEnv({ ...env, PLEX_TIMEOUT: "-1 seconds" }))), "timeout")
    }))
})
