/**
 * PlexNode.layer end to end: configuration from a ConfigProvider, undici, the fake plex.tv over HTTP, and the
 * X-Plex-* headers that actually reached the server.
 */
import { afterAll, assert, describe, it } from "@effect/vitest"
import * as ConfigError from "effect/ConfigError"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { PasswordCredentials, PlexAuth, PlexConfig } from "@effect-plex/core"
import { type FakeRequest, PlexTvFake } from "@effect-plex/core/testing"
import { PlexNode } from "@effect-plex/node"
import { PlexTvServer } from "@effect-plex/node/testing"
import { accounts, tokens } from "../../../test-support/accounts.js"

const roots: Array<string> = []
afterAll(() => {
  for (const root of roots) Fs.rmSync(root, { recursive: true, force: true })
})

/** A PlexTvServer whose fake records the headers of every request it answers. */
const recordingServer = () => {
  const seen: Array<FakeRequest> = []
  const fake = Layer.effect(
    PlexTvFake,
    Effect.map(PlexTvFake.make({ accounts }), (fake) => ({
      ...fake,
      handle: (request: FakeRequest) => Effect.zipRight(Effect.sync(() => seen.push(request)), fake.handle(request))
    }))
  )
  return { seen, layer: PlexTvServer.layerWith().pipe(Layer.provideMerge(fake)) }
}

/** Runs `effect` with PlexNode.layer, its configuration read from `env` only. */
const withPlexNode = <A, E, R>(effect: Effect.Effect<A, E, R>, env: Record<string, string>) =>
  effect.pipe(
    Effect.provide(PlexNode.layer),
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
  )

const DEVICE_NAME = "Living Room – TV ✓" // non-ASCII: sent as its UTF-8 bytes

const identity = {
  PLEX_CLIENT_IDENTIFIER: "plex-node-layer-test",
  PLEX_PRODUCT: "effect-plex node test",
  PLEX_VERSION: "1.2.3",
  PLEX_PLATFORM: "Node.js",
  PLEX_PLATFORM_VERSION: process.versions.node,
  PLEX_DEVICE: "Linux",
  PLEX_MODEL: "test-model",
  PLEX_DEVICE_VENDOR: "effect-plex",
  PLEX_DEVICE_NAME: DEVICE_NAME,
  PLEX_MARKETPLACE: "none"
}

const expectedHeaders = {
  "x-plex-client-identifier": "plex-node-layer-test",
  "x-plex-product": "effect-plex node test",
  "x-plex-version": "1.2.3",
  "x-plex-platform": "Node.js",
  "x-plex-platform-version": process.versions.node,
  "x-plex-device": "Linux",
  "x-plex-model": "test-model",
  "x-plex-device-vendor": "effect-plex",
  "x-plex-device-name": DEVICE_NAME,
  "x-plex-marketplace": "none"
}

/** Node reads header bytes as latin1: undo that to compare with what was configured. */
const utf8 = (value: string | undefined) =>
  value === undefined ? undefined : Buffer.from(value, "latin1").toString("utf8")

describe("PlexNode.layer", () => {
  it.live("configured from the environment, it talks to the server with the configured identity", () => {
    const server = recordingServer()
    return Effect.gen(function*() {
      const { baseUrl } = yield* PlexTvServer
      const env = { ...identity, PLEX_BASE_URL: baseUrl, PLEX_TIMEOUT: "2 seconds" }
      const result = yield* withPlexNode(
        Effect.gen(function*() {
          const config = yield* PlexConfig
          const auth = yield* PlexAuth
          const signedIn = yield* auth.signIn(
            PasswordCredentials.make({ login: "fake-owner", password: Redacted.make("owner-password") })
          )
          const owner = yield* auth.getTokenDetails(Redacted.make(tokens.owner))
          const refused = yield* Effect.flip(auth.getTokenDetails(Redacted.make("FAKEtokenUnknown9999")))
          return { config, signedIn, owner, refused }
        }),
        env
      )

      assert.strictEqual(result.config.baseUrl, baseUrl)
      assert.strictEqual(result.config.clientsBaseUrl, baseUrl) // a non-default base URL serves both
      assert.isTrue(Duration.equals(result.config.timeout, Duration.seconds(2)))
      assert.strictEqual(result.config.client.deviceName, DEVICE_NAME)
      assert.strictEqual(result.signedIn.username, "fake-owner")
      assert.strictEqual(result.owner.username, "fake-owner")
      assert.strictEqual(result.refused._tag, "PlexUnauthorizedError")

      // the fake's own log: every request carried the configured client identifier, tokens only in the header
      const log = yield* Effect.flatMap(PlexTvFake, (fake) => fake.requests)
      assert.deepStrictEqual(log.map((entry) => [entry.path, entry.status, entry.clientIdentifier, entry.tokenIn]), [
        ["/api/v2/users/signin", 201, "plex-node-layer-test", "none"],
        ["/api/v2/user", 200, "plex-node-layer-test", "header"],
        ["/api/v2/user", 401, "plex-node-layer-test", "header"]
      ])
      // the token the sign-in issued belongs to the configured client identifier
      const issued = yield* Effect.flatMap(PlexTvFake, (fake) => fake.token(Redacted.value(result.signedIn.authToken)))
      assert.strictEqual(issued?.clientIdentifier, "plex-node-layer-test")

      // the headers as the server received them
      assert.strictEqual(server.seen.length, 3)
      for (const request of server.seen) {
        const received = Object.fromEntries(
          Object.keys(expectedHeaders).map((name) => [name, utf8(request.headers[name])])
        )
        assert.deepStrictEqual(received, expectedHeaders)
        assert.strictEqual(request.headers.accept, "application/json")
        assert.notInclude(request.url, "X-Plex-Token")
        // no trace context is sent to plex.tv
        assert.isUndefined(request.headers.traceparent)
        assert.isUndefined(request.headers.b3)
      }
      assert.strictEqual(server.seen[0]!.headers["content-type"], "application/x-www-form-urlencoded")
      assert.isUndefined(server.seen[0]!.headers["x-plex-token"])
      assert.strictEqual(server.seen[1]!.headers["x-plex-token"], tokens.owner)
    }).pipe(Effect.provide(server.layer))
  })

  it.live("a base URL with a trailing slash and only the required settings", () => {
    const server = recordingServer()
    return Effect.gen(function*() {
      const { baseUrl } = yield* PlexTvServer
      const config = yield* withPlexNode(
        Effect.gen(function*() {
          yield* Effect.flatMap(PlexAuth, (auth) => auth.getTokenDetails(Redacted.make(tokens.managed)))
          return yield* PlexConfig
        }),
        { PLEX_BASE_URL: `${baseUrl}/`, PLEX_CLIENT_IDENTIFIER: "minimal" }
      )
      assert.isTrue(Duration.equals(config.timeout, Duration.seconds(10))) // the default
      assert.deepStrictEqual(server.seen.map((request) => request.url), ["/api/v2/user"])
      const headers = Object.keys(server.seen[0]!.headers).filter((name) => name.startsWith("x-plex-")).sort()
      // unset fields are not sent, but the product always is (the consent page shows it): its default
      assert.deepStrictEqual(headers, ["x-plex-client-identifier", "x-plex-product", "x-plex-token"])
      assert.strictEqual(server.seen[0]!.headers["x-plex-product"], PlexConfig.defaultProduct)
    }).pipe(Effect.provide(server.layer))
  })

  it.live("without PLEX_CLIENT_IDENTIFIER, the identifier kept in XDG_CONFIG_HOME goes out", () => {
    const server = recordingServer()
    const xdg = Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-plex-node-test-"))
    roots.push(xdg)
    return Effect.gen(function*() {
      const { baseUrl } = yield* PlexTvServer
      const env = { PLEX_BASE_URL: baseUrl, XDG_CONFIG_HOME: xdg }
      const call = Effect.flatMap(PlexAuth, (auth) => auth.getTokenDetails(Redacted.make(tokens.owner)))
      yield* withPlexNode(call, env)
      yield* withPlexNode(call, env) // a second run
      const stored = Fs.readFileSync(Path.join(xdg, "effect-plex", "effect-plex", "client-identifier"), "utf8").trim()
      const sent = server.seen.map((request) => request.headers["x-plex-client-identifier"])
      assert.deepStrictEqual(sent, [stored, stored])
    }).pipe(Effect.provide(server.layer))
  })

  it.live("a bad PLEX_TIMEOUT or PLEX_BASE_URL fails the layer with a ConfigError", () =>
    Effect.gen(function*() {
      const call = Effect.flatMap(PlexAuth, (auth) => auth.getTokenDetails(Redacted.make(tokens.owner)))
      const timeout = yield* Effect.flip(
        withPlexNode(call, { PLEX_CLIENT_IDENTIFIER: "x", PLEX_BASE_URL: "http://127.0.0.1:9", PLEX_TIMEOUT: "soon" })
      )
      assert.isTrue(ConfigError.isConfigError(timeout))
      assert.include(String(timeout), "PLEX_TIMEOUT")

      const baseUrl = yield* Effect.flip(
        withPlexNode(call, { PLEX_CLIENT_IDENTIFIER: "x", PLEX_BASE_URL: "not a url" })
      )
      assert.isTrue(ConfigError.isConfigError(baseUrl))
      assert.include(String(baseUrl), "baseUrl")
    }))
})
