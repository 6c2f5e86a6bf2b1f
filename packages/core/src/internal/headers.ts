import type { PlexClientInfo } from "../PlexClientInfo.js"
import { plexClientHeaderNames } from "../PlexClientInfo.js"

const printableAscii = /^[\x20-\x7e]*$/
const encoder = new TextEncoder()

/**
 * HTTP header values are bytes: non-ASCII text goes out as its UTF-8 bytes, as plex.tv expects
 * (`Living Room – TV` stays readable in the user's device list instead of failing the request).
 */
export const headerValue = (value: string): string => {
  if (printableAscii.test(value)) return value
  let out = ""
  for (const byte of encoder.encode(value)) out += String.fromCharCode(byte)
  return out
}

/** The `X-Plex-*` identity headers of a client; unset fields are left out. */
export const clientHeaders = (client: PlexClientInfo): Record<string, string> => {
  const headers: Record<string, string> = {}
  for (const key of Object.keys(plexClientHeaderNames) as Array<keyof typeof plexClientHeaderNames>) {
    const value = client[key]
    if (value !== undefined) headers[plexClientHeaderNames[key]] = headerValue(value)
  }
  return headers
}
