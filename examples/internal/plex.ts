/**
 * Where the examples talk to: the real plex.tv when the environment says so, otherwise a local
 * fake plex.tv started on 127.0.0.1 for the length of the program. Either way the program itself
 * uses `PlexNode.layer`, configured from the environment, exactly as it would in production.
 */
import { PlexAuth, PlexConfig } from "@effect-plex/core"
import { FakeAccount } from "@effect-plex/core/testing"
import { PlexNode } from "@effect-plex/node"
import { PlexTvServer } from "@effect-plex/node/testing"
import type * as ConfigError from "effect/ConfigError"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Net from "node:net"

/** The accounts of the local fake plex.tv. */
export const accounts = [FakeAccount.owner, FakeAccount.twoFactor, FakeAccount.managed]

/** `PlexNode.layer`, pointed at a local fake plex.tv that lives as long as the layer. */
export const localPlexNode = Layer.unwrapScoped(
  Effect.map(PlexTvServer, (server) =>
    PlexNode.layer.pipe(
      Layer.provide(
        Layer.setConfigProvider(
          ConfigProvider.fromMap(new Map([["PLEX_BASE_URL", server.baseUrl], ["PLEX_PRODUCT", "effect-plex example"]]))
            .pipe(ConfigProvider.orElse(() => ConfigProvider.fromEnv()))
        )
      )
    ))
).pipe(Layer.provideMerge(PlexTvServer.layer({ accounts })))

/** True when the environment names a variable, so the example talks to the real plex.tv. */
export const hasEnv = (...names: ReadonlyArray<string>) => names.every((name) => (process.env[name] ?? "") !== "")

/** A port on 127.0.0.1 that was free a moment ago: the OS picks it, we close it again at once. */
const closedLocalPort = Effect.async<number>((resume) => {
  const server = Net.createServer()
  server.listen(0, "127.0.0.1", () => {
    const { port } = server.address() as Net.AddressInfo
    server.close(() => resume(Effect.succeed(port)))
  })
})

/**
 * `PlexAuth` pointed at an address on 127.0.0.1 where nothing listens: every call fails with
 * `PlexTransportError` (connection refused), as when plex.tv is down or the network is out.
 */
export const unreachablePlexAuth: Layer.Layer<PlexAuth, ConfigError.ConfigError> = Layer.unwrapEffect(
  Effect.map(closedLocalPort, (port) =>
    PlexAuth.layer.pipe(
      Layer.provide(PlexConfig.layer({
        baseUrl: `http://127.0.0.1:${port}`,
        client: { clientIdentifier: "effect-plex-example-offline", product: "effect-plex example" },
        retry: { times: 0 }
      })),
      Layer.provide(PlexNode.layerHttpClient)
    ))
)
