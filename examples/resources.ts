/**
 * The servers and players of an account, and the connection to reach each server at: local before
 * remote before relay, https first, and never the LAN address of someone else's server.
 *
 *   pnpm example examples/resources.ts                   # against a local fake plex.tv, offline
 *   PLEX_TOKEN=… pnpm example examples/resources.ts      # against the real plex.tv
 */
import { PlexConfig, type PlexConnection, type PlexResource, PlexResources } from "@effect-plex/core"
import { PlexNode } from "@effect-plex/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Config from "effect/Config"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { hasEnv, localPlexNode } from "./internal/plex.js"

const real = hasEnv("PLEX_TOKEN")

// A token is a password to the whole account: read it as Redacted, and it stays Redacted.
const token = real
  ? Config.redacted("PLEX_TOKEN")
  : Effect.succeed(Redacted.make("FAKEtokenOwner000001")) // the local fake's owner token

const kindOf = (connection: PlexConnection) =>
  `${connection.relay ? "relay" : connection.local ? "local" : "remote"}, ${connection.protocol ?? "?"}${
    connection.IPv6 ? ", IPv6" : ""
  }`

const showServer = (server: PlexResource) => {
  const owner = server.isOwned ? "owned" : `shared by ${server.sourceTitle ?? "someone else"}`
  const product = [server.product, server.productVersion].filter((part) => part !== undefined).join(" ")
  const best = PlexResources.bestConnection(server, { preferHttps: true })
  return Console.log(
    [
      `${server.name} (${owner}, ${product || "unknown product"})`,
      `  best connection: ${
        Option.match(best, {
          onNone: () => "none usable",
          onSome: (connection) => `${connection.uri} (${kindOf(connection)})`
        })
      }`,
      `  connections:     ${server.connections.length} listed`,
      // the server's own access token: Redacted, so it prints <redacted>
      `  access token:    ${server.accessToken === undefined ? "none" : String(server.accessToken)}`
    ].join("\n")
  )
}

const program = Effect.gen(function*() {
  const resources = yield* PlexResources
  const { clientsBaseUrl } = yield* PlexConfig
  yield* Console.log(`Resources of ${real ? "plex.tv" : "the local fake plex.tv"} at ${clientsBaseUrl}:\n`)

  const all = yield* resources.list(yield* token, { includeHttps: true, includeRelay: true, includeIPv6: true })
  const servers = all.filter((resource) => resource.hasCapability("server"))
  const others = all.filter((resource) => !resource.hasCapability("server"))

  yield* Console.log(`${servers.length} server(s):`)
  for (const server of servers) yield* showServer(server)
  yield* Console.log(`\n${others.length} other device(s):`)
  for (const device of others) {
    const product = device.product ?? "unknown product"
    yield* Console.log(`${device.name} (${product}; provides ${device.provides ?? "nothing"})`)
  }
})

program.pipe(
  Effect.provide(PlexResources.layer.pipe(Layer.provideMerge(real ? PlexNode.layer : localPlexNode))),
  NodeRuntime.runMain
)
