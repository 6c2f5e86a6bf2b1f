/**
 * From a token to a server: list the account's servers, race each one's connections, and talk to
 * the one that answered as that server, through a client that carries the server's own token.
 *
 *   pnpm example examples/connect.ts                   # against a local fake plex.tv, offline
 *   PLEX_TOKEN=… pnpm example examples/connect.ts      # against the real plex.tv and your servers
 *
 * The local fake lists one server, "Fake Media Server", whose connections point at fake Plex Media
 * Servers on 127.0.0.1: a slow local one, a refused port, one that names another machine, one that
 * speaks only TLS with a certificate nobody trusts, and two that answer (a remote one and a relay).
 */
import { PlexConnectError, type PlexConnection, PlexResource, PlexResources } from "@effect-plex/core"
import { FakeMediaServer } from "@effect-plex/core/testing"
import { PlexNode } from "@effect-plex/node"
import { PlexTvServer } from "@effect-plex/node/testing"
import * as HttpClient from "@effect/platform/HttpClient"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { accounts, hasEnv } from "./internal/plex.js"

const real = hasEnv("PLEX_TOKEN")

// A token is a password to the whole account: read it as Redacted, and it stays Redacted.
const token = real
  ? Config.redacted("PLEX_TOKEN")
  : Effect.succeed(Redacted.make("FAKEtokenOwner000001")) // the local fake's owner token

/** The local fake plex.tv, listing only the fake media server (nothing but 127.0.0.1 is ever probed). */
const localPlexNode = Layer.unwrapScoped(
  Effect.map(PlexTvServer, (server) =>
    PlexNode.layer.pipe(
      Layer.provide(
        Layer.setConfigProvider(
          ConfigProvider.fromMap(new Map([["PLEX_BASE_URL", server.baseUrl], ["PLEX_PRODUCT", "effect-plex example"]]))
            .pipe(ConfigProvider.orElse(() => ConfigProvider.fromEnv()))
        )
      )
    ))
).pipe(Layer.provideMerge(PlexTvServer.layer({
  accounts,
  resources: { resources: [] },
  mediaServers: [
    FakeMediaServer.slow({ local: true }),
    FakeMediaServer.refusing(),
    FakeMediaServer.otherMachine(),
    FakeMediaServer.httpsOnly(),
    FakeMediaServer.answering(),
    FakeMediaServer.answering({ relay: true })
  ]
})))

const kindOf = (connection: PlexConnection) =>
  `${connection.relay ? "relay" : connection.local ? "local" : "remote"}, ${connection.protocol ?? "?"}`

const reach = (server: PlexResource) =>
  Effect.gen(function*() {
    yield* Console.log(
      `${server.name} (${server.isOwned ? "owned" : "shared"}): ${server.connections.length} connection(s)`
    )
    // every connection probed at once; a better kind answering within the grace wins
    const connected = yield* PlexResources.connect(server, { timeout: "3 seconds" })
    yield* Console.log(`  chose #${connected.index} ${connected.connection.uri} (${kindOf(connected.connection)})`)
    yield* Console.log(
      `  identity: ${connected.identity.machineIdentifier}, Plex Media Server ${connected.identity.version ?? "?"}`
    )
    // the next call goes straight to that server, with its own token (redacted wherever printed)
    const response = yield* HttpClient.get("/identity").pipe(Effect.provide(connected.layer))
    yield* Console.log(`  GET /identity through its client: HTTP ${response.status}`)
  }).pipe(
    Effect.catchTag("PlexConnectError", (error) => Console.log(`  ${error._tag}: ${error.message}`)),
    Effect.catchAll((error) => Console.log(`  failed: ${error._tag}: ${error.message}`))
  )

const program = Effect.gen(function*() {
  const resources = yield* PlexResources
  yield* Console.log(`Servers of ${real ? "plex.tv" : "the local fake plex.tv"}:\n`)
  const all = yield* resources.list(yield* token)
  const servers = all.filter((resource) => resource.hasCapability("server"))
  for (const server of servers) yield* reach(server)

  if (!real) {
    // the same server without its answering connections: every failure, one per connection
    const [server] = servers
    if (server === undefined) return
    const failing = PlexResource.make({ ...server, connections: server.connections.slice(0, 4) })
    yield* Console.log(`\nWithout its answering connections (each probe given 1 second):`)
    const error = yield* Effect.flip(PlexResources.connect(failing, { timeout: "1 second" }))
    yield* Console.log(`  ${error._tag}: ${error.message}`)
    if (error instanceof PlexConnectError) {
      for (const failure of error.failures) yield* Console.log(`  #${failure.index}: ${failure.reason}`)
    }
  }
})

program.pipe(
  Effect.provide(PlexResources.layer.pipe(Layer.provideMerge(real ? PlexNode.layer : localPlexNode))),
  NodeRuntime.runMain
)
