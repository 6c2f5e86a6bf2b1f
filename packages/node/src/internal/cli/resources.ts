/**
 * `plex-auth resources [--json]`: the account's servers and players, as a table (each with the
 * connection `PlexResources.bestConnection` would pick) or JSON; never an access token.
 */
import * as Command from "@effect/cli/Command"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { type PlexResource, PlexResources } from "@effect-plex/core"
import { freshToken } from "./environment.js"
import { outJson, outLines } from "./output.js"
import { jsonOption, withPlex } from "./plex.js"
import { table } from "./table.js"

const best = (resource: PlexResource) =>
  Option.getOrUndefined(Option.map(PlexResources.bestConnection(resource, { preferHttps: true }), (c) => c.uri))

const resourceJson = (resource: PlexResource) => ({
  name: resource.name,
  clientIdentifier: resource.clientIdentifier,
  product: resource.product ?? null,
  productVersion: resource.productVersion ?? null,
  platform: resource.platform ?? null,
  provides: resource.provides ?? null,
  owned: resource.isOwned,
  presence: resource.presence ?? null,
  bestConnection: best(resource) ?? null,
  connections: resource.connections.map((c) => ({ uri: c.uri, local: c.local, relay: c.relay, IPv6: c.IPv6 }))
})

/** `plex-auth resources [--json]`. */
export const resources = Command.make("resources", { json: jsonOption }, ({ json }) =>
  withPlex(Effect.gen(function*() {
    const { token } = yield* freshToken
    const list = yield* (yield* PlexResources).list(token)
    if (json) return yield* outJson(list.map(resourceJson))
    if (list.length === 0) return yield* outLines(["no servers or players on this account"])
    yield* outLines(table(
      ["NAME", "PRODUCT", "PROVIDES", "OWNED", "ONLINE", "CONNECTION"],
      list.map((resource) => [
        resource.name,
        resource.product ?? "",
        resource.provides ?? "",
        resource.isOwned ? "yes" : "no",
        resource.presence === true ? "yes" : resource.presence === false ? "no" : "?",
        best(resource) ?? "(none)"
      ])
    ))
  }))).pipe(Command.withDescription("the account's servers and players, with the connection to use"))
