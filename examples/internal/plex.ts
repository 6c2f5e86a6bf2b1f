/**
 * Where the examples talk to: the real plex.tv when the environment says so, otherwise a local
 * fake plex.tv started on 127.0.0.1 for the length of the program. Either way the program itself
 * uses `PlexNode.layer`, configured from the environment, exactly as it would in production.
 */
import { FakeAccount } from "@effect-plex/core/testing"
import { PlexNode } from "@effect-plex/node"
import { PlexTvServer } from "@effect-plex/node/testing"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

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
