/**
 * The consumer test's check of `@effect-plex/node/platform`, run after `@effect/platform-node` (the
 * optional peer it needs) is installed: the platform's client against the local fake plex.tv.
 */
import { PlexAuth, PlexConfig } from "@effect-plex/core"
import { FakeAccount } from "@effect-plex/core/testing"
import { PlexNodePlatform } from "@effect-plex/node/platform"
import { PlexTvServer } from "@effect-plex/node/testing"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"

const AuthLive = PlexAuth.layer.pipe(
  Layer.provide(
    Layer.unwrapEffect(Effect.map(PlexTvServer, (server) =>
      PlexConfig.layer({
        baseUrl: server.baseUrl,
        client: { clientIdentifier: "consumer-test", product: "consumer" }
      })))
  ),
  Layer.provide(PlexNodePlatform.layerHttpClient),
  Layer.provideMerge(PlexTvServer.layer({ accounts: [FakeAccount.owner] }))
)

Effect.runPromise(
  Effect.flatMap(PlexAuth, (auth) => auth.getTokenDetails(Redacted.make("FAKEtokenOwner000001"))).pipe(
    Effect.map((user) => console.log(`platform client: account ${user.id}`)),
    Effect.provide(AuthLive)
  )
).catch((error: unknown) => {
  console.error(String(error))
  process.exitCode = 1
})
