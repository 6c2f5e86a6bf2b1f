/**
 * Fake Plex Media Servers for `PlexResources.connect`: each answers `GET /identity` (or refuses,
 * stalls, names another machine, speaks only TLS), and the fake plex.tv lists one resource, "Fake
 * Media Server", with one connection per fake server.
 *
 * @since 0.2.0
 */
import type { FakeRequest, FakeResponse } from "./internal/types.js"

/**
 * How one fake Plex Media Server behaves, and how its connection is flagged in the resource.
 *
 * - `machineIdentifier`: what its `/identity` names (default {@link FakeMediaServer.machineIdentifier},
 *   the resource's own `clientIdentifier`: another value is a stale address now used by another server);
 * - `delayMillis`: it answers only after this long (on the Effect `Clock` in memory, real time over HTTP);
 * - `refuses`: nothing listens (the connection is refused);
 * - `tls`: it speaks only TLS, with a self-signed certificate made at start that no client trusts
 *   (its connection is `https://`); in memory, a certificate failure;
 * - `status`: it answers this status with an empty body instead of its identity;
 * - `local`, `relay`: the connection's flags in the resource (default `false`).
 *
 * @since 0.2.0
 * @category testing
 * @example
 * import type { FakeMediaServerOptions } from "@effect-plex/core/testing"
 *
 * const slowLocal: FakeMediaServerOptions = { local: true, delayMillis: 2_000 }
 * console.log(slowLocal.local)
 */
export interface FakeMediaServerOptions {
  readonly machineIdentifier?: string | undefined
  readonly delayMillis?: number | undefined
  readonly refuses?: boolean | undefined
  readonly tls?: boolean | undefined
  readonly status?: number | undefined
  readonly local?: boolean | undefined
  readonly relay?: boolean | undefined
}

/**
 * One request a fake media server got. The token itself is never kept: only where it was sent and
 * whether it was the resource's `accessToken`.
 *
 * @since 0.2.0
 * @category testing
 * @example
 * import type { FakeMediaRequest } from "@effect-plex/core/testing"
 *
 * const rightToken = (request: FakeMediaRequest) => request.tokenIn === "header" && request.tokenMatches
 * console.log(rightToken)
 */
export interface FakeMediaRequest {
  /** The index of the server in `mediaServers` (and of its connection in the resource). */
  readonly server: number
  readonly method: string
  readonly path: string
  readonly tokenIn: "header" | "query" | "none"
  readonly tokenMatches: boolean
  readonly accept: string | undefined
}

/**
 * A fake media server and the URI its connection in the resource points at (the fake's state holds
 * them in `resources.media`).
 *
 * @since 0.2.0
 * @category testing
 * @example
 * import type { FakeMediaServerEntry } from "@effect-plex/core/testing"
 *
 * const entry: FakeMediaServerEntry = { uri: "http://127.0.0.1:32400", server: { local: true } }
 * console.log(entry.uri)
 */
export interface FakeMediaServerEntry {
  readonly uri: string
  readonly server: FakeMediaServerOptions
}

const machineIdentifier = "fakemediaserver000000000000000000000000001"
const accessToken = "FAKEtokenMediaSrv001"

/** The in-memory address of server `index`: a `.invalid` name, never resolved (the fake answers it). */
const memoryUri = (index: number, server: FakeMediaServerOptions): string =>
  `${server.tls === true ? "https" : "http"}://media-${index}.fake-plex.invalid:32400`

const isMemoryHost = (hostname: string): boolean => hostname.endsWith(".fake-plex.invalid")

const connectionOf = (entry: FakeMediaServerEntry) => {
  const url = new URL(entry.uri)
  const protocol = url.protocol === "https:" ? "https" : "http"
  return {
    protocol,
    address: url.hostname,
    port: Number(url.port || (protocol === "https" ? 443 : 80)),
    uri: entry.uri,
    local: entry.server.local === true,
    relay: entry.server.relay === true,
    IPv6: false
  }
}

/** The resource plex.tv lists for the fake media servers: owned, one connection per server, in order. */
const resource = (entries: ReadonlyArray<FakeMediaServerEntry>): Readonly<Record<string, unknown>> => ({
  name: "Fake Media Server",
  product: "Plex Media Server",
  productVersion: "1.41.0.8992",
  platform: "Linux",
  platformVersion: "6.1.0",
  device: "PC",
  clientIdentifier: machineIdentifier,
  createdAt: "2024-01-01T00:00:00Z",
  lastSeenAt: "2026-01-02T03:04:05Z",
  provides: "server",
  ownerId: null,
  sourceTitle: null,
  publicAddress: "127.0.0.1",
  accessToken,
  owned: true,
  home: false,
  synced: false,
  relay: true,
  presence: true,
  httpsRequired: false,
  publicAddressMatches: true,
  dnsRebindingProtection: false,
  natLoopbackSupported: false,
  connections: entries.map(connectionOf)
})

const tokenOf = (request: FakeRequest): { readonly in: FakeMediaRequest["tokenIn"]; readonly value?: string } => {
  const header = request.headers["x-plex-token"]
  if (header !== undefined) return { in: "header", value: header }
  const query = new URL(request.url, "http://media.invalid").searchParams.get("X-Plex-Token")
  return query === null ? { in: "none" } : { in: "query", value: query }
}

/** What the server records of a request. */
const requestOf = (index: number, request: FakeRequest): FakeMediaRequest => {
  const token = tokenOf(request)
  return {
    server: index,
    method: request.method.toUpperCase(),
    path: new URL(request.url, "http://media.invalid").pathname,
    tokenIn: token.in,
    tokenMatches: token.value === accessToken,
    accept: request.headers.accept
  }
}

/**
 * The server's answer (its delay and transport behaviour are the front door's): `GET /identity`
 * answers its `MediaContainer` (JSON, as a server does for `Accept: application/json`), anything
 * else 404; `status` overrides both.
 */
const answer = (server: FakeMediaServerOptions, request: FakeRequest): FakeResponse => {
  if (server.status !== undefined) return { status: server.status, headers: {}, body: "" }
  const path = new URL(request.url, "http://media.invalid").pathname
  if (request.method.toUpperCase() !== "GET" || path !== "/identity") {
    return { status: 404, headers: { "content-type": "text/html" }, body: "<html><body>404 Not Found</body></html>" }
  }
  return {
    status: 200,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      MediaContainer: {
        size: 0,
        apiVersion: "1.1.1",
        claimed: true,
        machineIdentifier: server.machineIdentifier ?? machineIdentifier,
        version: "1.41.0.8992-e7c2e7d2d"
      }
    })
  }
}

/**
 * Fake Plex Media Servers: presets for each behaviour, and what both front doors share. Pass them
 * as `mediaServers` to `PlexTvFake.layer` (answered in memory, at `*.fake-plex.invalid` addresses)
 * or to `PlexTvServer.layer` (each a real server on 127.0.0.1); plex.tv then lists "Fake Media
 * Server" with one connection per server, in order, its `accessToken` {@link FakeMediaServer.accessToken}.
 *
 * @since 0.2.0
 * @category testing
 * @example
 * import { FakeAccount, FakeMediaServer, PlexTvFake } from "@effect-plex/core/testing"
 *
 * const layer = PlexTvFake.layer({
 *   accounts: [FakeAccount.owner],
 *   mediaServers: [FakeMediaServer.slow({ local: true }), FakeMediaServer.answering(), FakeMediaServer.refusing()]
 * })
 */
export const FakeMediaServer = {
  /** The resource's `clientIdentifier`, which its servers' `/identity` names. */
  machineIdentifier,
  /** The resource's `accessToken`. */
  accessToken,
  /** Answers its identity at once. */
  answering: (options?: FakeMediaServerOptions): FakeMediaServerOptions => ({ ...options }),
  /** Answers after 30 seconds (or `delayMillis`). */
  slow: (options?: FakeMediaServerOptions): FakeMediaServerOptions => ({ delayMillis: 30_000, ...options }),
  /** Nothing listens. */
  refusing: (options?: FakeMediaServerOptions): FakeMediaServerOptions => ({ refuses: true, ...options }),
  /** Answers with another machine's identity. */
  otherMachine: (options?: FakeMediaServerOptions): FakeMediaServerOptions => ({
    machineIdentifier: "fakemediaserver0000000000000000000000other",
    ...options
  }),
  /** Speaks only TLS, with a certificate no client trusts. */
  httpsOnly: (options?: FakeMediaServerOptions): FakeMediaServerOptions => ({ tls: true, ...options }),
  /** Answers `status` with an empty body. */
  status: (status: number, options?: FakeMediaServerOptions): FakeMediaServerOptions => ({ status, ...options }),
  /** The in-memory URI of server `index` (`http(s)://media-<index>.fake-plex.invalid:32400`). */
  memoryUri,
  /** Whether a host name is one of the in-memory servers'. */
  isMemoryHost,
  /** The resource plex.tv lists for these servers (JSON members, as plex.tv sends them). */
  resource,
  /** What a server records of a request (never the token). */
  requestOf,
  /** A server's answer to a request, without its delay or transport behaviour (the front door's). */
  answer
} as const
