/**
 * Resources: servers and players (plex-tv-api.md §2.6).
 *
 * `GET /api/v2/resources` answers 200 with a JSON array (XML `<resources>` without
 * `Accept: application/json`). The three flags filter the connections the way the real API's
 * switches are described: without `includeHttps=1` no https connection is listed, without
 * `includeRelay=1` no relay connection, without `includeIPv6=1` no IPv6 one. Any value but `1`
 * counts as off.
 */
import type {
  FakeAccount,
  FakeRequest,
  FakeResource,
  FakeResponse,
  PlexTvSettings,
  ResourcesOptions,
  ResourcesState
} from "../types.js"
import { json, toXml, wantsJson, xmlDocument, xmlType } from "../bodies.js"
import { authenticate, isResponse, type Route } from "../route.js"
import { FakeMediaServer, type FakeMediaServerOptions } from "../../FakeMediaServer.js"

export const initialResources = (
  options: ResourcesOptions | undefined,
  mediaServers?: ReadonlyArray<FakeMediaServerOptions> | undefined
): ResourcesState => ({
  list: options?.resources,
  oddEntries: options?.oddEntries === true,
  media: (mediaServers ?? []).map((server, index) => ({ uri: FakeMediaServer.memoryUri(index, server), server }))
})

/** The access token of the shared server in the default list (a token for that server only). */
export const sharedServerToken = "FAKEtokenSharedSrv01"

const hash = "0123456789abcdef0123456789abcdef"

const connection = (
  protocol: "http" | "https",
  address: string,
  port: number,
  flags: { readonly local?: boolean; readonly relay?: boolean; readonly IPv6?: boolean } = {}
) => {
  const ipv6 = flags.IPv6 === true
  const dashed = address.replace(/[.:]/g, "-")
  const uri = protocol === "https"
    ? `https://${dashed}.${hash}.plex.direct:${port}`
    : `http://${ipv6 ? `[${address}]` : address}:${port}`
  return {
    protocol,
    address,
    port,
    uri,
    local: flags.local === true,
    relay: flags.relay === true,
    IPv6: ipv6
  }
}

/** The access token of the Home admin's server in the default list, as a Home member sees it. */
export const homeServerToken = "FAKEtokenHomeSrv0001"

/**
 * The default list, as `caller` sees it: a server it owns (local, remote, IPv6 and relay
 * connections; its `accessToken` the caller's own token, as for owned servers) — for a member of
 * someone else's Home, that server is the admin's instead (`owned: false`, `home: true`, `ownerId`
 * the admin's, an `accessToken` of its own) — a server shared
 * with it (its own `accessToken`, `ownerId` and `sourceTitle`, and a local connection on the
 * owner's network that clients must skip), and a player (`accessToken` null, no connections;
 * `platformVersion` and `device` null, as old devices send).
 */
export const defaultResources = (
  caller: FakeAccount,
  token: string,
  admin: FakeAccount | undefined
): ReadonlyArray<FakeResource> => [
  {
    name: "Fake Server",
    product: "Plex Media Server",
    productVersion: "1.40.0.7998",
    platform: "Linux",
    platformVersion: "6.1.0",
    device: "PC",
    clientIdentifier: "fakeserver00000000000000000000000000000001",
    createdAt: "2021-01-01T00:00:00Z",
    lastSeenAt: "2026-01-02T03:04:05Z",
    provides: "server",
    ...(caller.homeAdminId === undefined
      ? { ownerId: null, sourceTitle: null, accessToken: token, owned: true, home: false }
      : {
        ownerId: caller.homeAdminId,
        sourceTitle: admin?.username ?? null,
        accessToken: homeServerToken,
        owned: false,
        home: true
      }),
    publicAddress: "203.0.113.10",
    synced: false,
    relay: true,
    presence: true,
    httpsRequired: false,
    publicAddressMatches: true,
    dnsRebindingProtection: false,
    natLoopbackSupported: false,
    connections: [
      connection("http", "192.168.1.10", 32400, { local: true }),
      connection("https", "192.168.1.10", 32400, { local: true }),
      connection("https", "203.0.113.10", 32400),
      connection("https", "2001:db8::10", 32400, { IPv6: true }),
      connection("https", "198.51.100.20", 8443, { relay: true })
    ]
  },
  {
    name: "Friend's Server",
    product: "Plex Media Server",
    productVersion: "1.32.5.7349",
    platform: "Windows",
    platformVersion: "10.0 (Build 19045)",
    device: "PC",
    clientIdentifier: "fakeserver00000000000000000000000000000002",
    createdAt: "2022-06-01T00:00:00Z",
    lastSeenAt: "2026-01-02T03:00:00Z",
    provides: "server",
    ownerId: 20000001,
    sourceTitle: "fake-friend",
    publicAddress: "198.51.100.7",
    accessToken: sharedServerToken,
    owned: false,
    home: false,
    synced: false,
    relay: true,
    presence: true,
    httpsRequired: true,
    publicAddressMatches: false,
    dnsRebindingProtection: false,
    natLoopbackSupported: true,
    connections: [
      connection("https", "10.0.0.5", 32400, { local: true }),
      connection("http", "198.51.100.7", 32400),
      connection("https", "198.51.100.7", 32400),
      connection("https", "198.51.100.21", 8443, { relay: true })
    ]
  },
  {
    name: "Fake Player",
    product: "Plex for Android (TV)",
    productVersion: "10.0.0",
    platform: "Android",
    platformVersion: null,
    device: null,
    clientIdentifier: "fakeplayer0000000000000001",
    createdAt: "2023-03-03T00:00:00Z",
    lastSeenAt: "2026-01-01T00:00:00Z",
    provides: "client,player,pubsub-player",
    ownerId: null,
    sourceTitle: null,
    publicAddress: "203.0.113.10",
    accessToken: null,
    owned: true,
    home: false,
    synced: false,
    relay: false,
    presence: false,
    httpsRequired: false,
    publicAddressMatches: true,
    dnsRebindingProtection: false,
    natLoopbackSupported: false,
    connections: []
  }
]

/**
 * The odd entries of other projects' fixtures (plex-tv-api.md §2.6), after the default list: a
 * server with one connection whose `uri` is `""` (beside a good one), a device registered without
 * a `clientIdentifier`, and a player without a `connections` member at all.
 */
export const oddResources: ReadonlyArray<FakeResource> = [
  {
    name: "Odd Server",
    product: "Plex Media Server",
    clientIdentifier: "fakeserver00000000000000000000000000000003",
    provides: "server",
    owned: true,
    accessToken: null,
    connections: [
      { protocol: "http", address: "192.168.1.30", port: 32400, uri: "", local: true, relay: false, IPv6: false },
      {
        protocol: "http",
        address: "192.168.1.30",
        port: 32400,
        uri: "http://192.168.1.30:32400",
        local: true,
        relay: false,
        IPv6: false
      }
    ]
  },
  { name: "Half-registered Device", product: "Plex Web", provides: "client,player", connections: [] },
  {
    name: "Bare Player",
    product: "Plex for Roku",
    clientIdentifier: "fakeplayer0000000000000002",
    provides: "client,player",
    owned: true
  }
]

const isOn = (query: URLSearchParams, name: string) => query.get(name) === "1"

/** The connections the flags leave in. Entries that are not objects are kept as they are. */
const filterConnections = (resource: FakeResource, query: URLSearchParams): FakeResource => {
  const connections = resource.connections
  if (!Array.isArray(connections)) return resource
  const https = isOn(query, "includeHttps")
  const relay = isOn(query, "includeRelay")
  const ipv6 = isOn(query, "includeIPv6")
  return {
    ...resource,
    connections: connections.filter((entry: unknown) => {
      if (typeof entry !== "object" || entry === null) return true
      const c = entry as Readonly<Record<string, unknown>>
      if (!https && c.protocol === "https") return false
      if (!relay && c.relay === true) return false
      if (!ipv6 && c.IPv6 === true) return false
      return true
    })
  }
}

/** `<connections>` holds `<connection>` elements, not the generic `<item>` of `toXml`. */
const resourceXml = (resource: FakeResource, settings: PlexTvSettings): string => {
  const { connections, ...rest } = resource
  const list = Array.isArray(connections) ? connections : []
  const inner = list
    .map((c: unknown) => toXml("connection", (typeof c === "object" && c !== null ? c : {}) as FakeResource, settings))
    .join("")
  const element = toXml("resource", rest, settings)
  const children = `<connections>${inner}</connections>`
  return element.endsWith("/>")
    ? `${element.slice(0, -2)}>${children}</resource>`
    : element.replace(/<\/resource>$/, `${children}</resource>`)
}

const answer = (request: FakeRequest, list: ReadonlyArray<FakeResource>, settings: PlexTvSettings): FakeResponse =>
  wantsJson(request)
    ? json(200, list)
    : {
      status: 200,
      headers: { "content-type": xmlType },
      body: xmlDocument(
        `<resources size="${list.length}">${list.map((r) => resourceXml(r, settings)).join("")}</resources>`
      )
    }

const list: Route = {
  method: "GET",
  path: "/api/v2/resources",
  handler: (state, request, context) => {
    const auth = authenticate(state, request, context)
    if (isResponse(auth)) return [auth, state]
    const admin = state.accounts.find((account) => account.id === auth.account.homeAdminId)
    const listed = state.resources.list ?? [
      ...defaultResources(auth.account, context.token ?? auth.token, admin),
      ...(state.resources.oddEntries ? oddResources : [])
    ]
    const media = state.resources.media
    const resources = media.length === 0 ? listed : [...listed, FakeMediaServer.resource(media)]
    return [answer(request, resources.map((r) => filterConnections(r, context.query)), state.settings), state]
  }
}

export const resourceRoutes: ReadonlyArray<Route> = [list]
