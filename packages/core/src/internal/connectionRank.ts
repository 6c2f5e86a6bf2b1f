import type { PlexConnection } from "../PlexResource.js"

/** 0 local, 1 remote, 2 relay: lower is better. */
export const rank = (connection: PlexConnection): number => (connection.relay ? 2 : connection.local ? 0 : 1)

export const kindName = (connection: PlexConnection): "local" | "remote" | "relay" =>
  connection.relay ? "relay" : connection.local ? "local" : "remote"

export const isHttps = (connection: PlexConnection): boolean =>
  connection.protocol !== undefined
    ? connection.protocol.toLowerCase() === "https"
    : connection.uri.toLowerCase().startsWith("https:")
