/**
 * Just enough XML for plex.tv's error bodies: `<errors><error code=".." message=".."/></errors>`
 * and the bare `<errors><error>Invalid token</error></errors>`. Never throws.
 */
const entities: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: "\"", apos: "'" }

export const unescapeXml = (text: string): string =>
  text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (match, entity: string) => {
    const lower = entity.toLowerCase()
    if (lower.startsWith("#x")) return safeCodePoint(parseInt(lower.slice(2), 16), match)
    if (lower.startsWith("#")) return safeCodePoint(parseInt(lower.slice(1), 10), match)
    return entities[lower] ?? match
  })

const safeCodePoint = (code: number, fallback: string) =>
  Number.isInteger(code) && code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : fallback

export const attributes = (source: string): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const match of source.matchAll(/([A-Za-z_][\w.-]*)\s*=\s*("([^"]*)"|'([^']*)')/g)) {
    out[match[1]!] = unescapeXml(match[3] ?? match[4] ?? "")
  }
  return out
}

export interface XmlError {
  readonly code?: string
  readonly message?: string
  readonly status?: string
}

export const parseXmlErrors = (text: string, limit: number): ReadonlyArray<XmlError> => {
  const out: Array<XmlError> = []
  for (const match of text.matchAll(/<error\b([^>]*?)(\/>|>([^<]*)<\/error\s*>)/g)) {
    if (out.length >= limit) break
    const attrs = attributes(match[1] ?? "")
    const body = match[3] === undefined ? undefined : unescapeXml(match[3]).trim()
    const message = attrs.message ?? (body === "" ? undefined : body)
    out.push({
      ...(attrs.code === undefined ? {} : { code: attrs.code }),
      ...(message === undefined ? {} : { message }),
      ...(attrs.status === undefined ? {} : { status: attrs.status })
    })
  }
  return out
}
