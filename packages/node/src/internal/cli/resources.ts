/**
 * `plex-auth resources [--json]`: the account's servers and players, as a table (each with the
 * connection `PlexResources.bestConnection` would pick) or JSON; never an access token.
 * `--connect NAME`: reaches that server (`PlexResources.connect` probes its connections) and
 * prints the URI that answered, for scripts.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { type PlexResource, PlexResources } from "@effect-plex/core"
import { refreshed } from "./environment.js"
import { usageError } from "./failure.js"
import { outJson, outLines } from "./output.js"
import { jsonOption, withToken } from "./plex.js"
import { table } from "./table.js"
import { withSpinner } from "./waiting.js"

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

const connectOption = Options.text("connect").pipe(
  Options.withPseudoName("NAME"),
  Options.withDescription(
    "reach the server NAME (its name or client identifier): probe its connections and print the URI that " +
      "answered (local before remote before relay)"
  ),
  Options.optional
)

/** The resource `wanted` names: its client identifier exactly, else its name (ignoring case), if only one has it. */
const find = (list: ReadonlyArray<PlexResource>, wanted: string) => {
  const exact = list.find((resource) => resource.clientIdentifier === wanted)
  if (exact !== undefined) return Option.some(exact)
  const named = list.filter((resource) => resource.name.toLowerCase() === wanted.toLowerCase())
  return named.length === 1 ? Option.some(named[0]!) : Option.none()
}

const connectTo = (list: ReadonlyArray<PlexResource>, wanted: string, json: boolean) =>
  Effect.gen(function*() {
    const resource = yield* Option.match(find(list, wanted), {
      onNone: () =>
        Effect.fail(usageError(`no single resource is called ${JSON.stringify(wanted)}: see plex-auth resources`)),
      onSome: Effect.succeed
    })
    const connected = yield* PlexResources.connect(resource).pipe(
      withSpinner(`reaching ${resource.name}`)
    )
    if (!json) return yield* outLines([connected.connection.uri])
    yield* outJson({
      name: resource.name,
      clientIdentifier: resource.clientIdentifier,
      uri: connected.connection.uri,
      local: connected.connection.local,
      relay: connected.connection.relay,
      version: connected.identity.version ?? null
    })
  })

/** `plex-auth resources [--json] [--connect NAME]`. */
export const resources = Command.make(
  "resources",
  { json: jsonOption, connect: connectOption },
  ({ connect, json }) =>
    withToken((current) =>
      Effect.gen(function*() {
        const { token } = yield* refreshed(current)
        const list = yield* (yield* PlexResources).list(token)
        if (Option.isSome(connect)) return yield* connectTo(list, connect.value, json)
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
      })
    )
).pipe(
  Command.withDescription(
    "the account's servers and players, with the connection to use; --connect NAME reaches one and prints its URI"
  )
)
