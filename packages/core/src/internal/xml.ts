/**
 * Just enough XML for plex.tv's error bodies: `<errors><error code=".." message=".."/></errors>`
 * and the bare `<errors><error>Invalid token</error></errors>`. A scanner that only moves forward:
 * its cost is linear in the text whatever the text holds (no regular expression that can
 * backtrack), and it never throws. Callers hand it a bounded prefix of the body.
 */
const entities: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: "\"", apos: "'" }

const safeCodePoint = (code: number): string | undefined =>
  Number.isInteger(code) && code >= 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff)
    ? String.fromCodePoint(code)
    : undefined

/** Replaces the five named entities and numeric references; anything else stays as it is. */
export const unescapeXml = (text: string): string => {
  let amp = text.indexOf("&")
  if (amp === -1) return text
  let out = ""
  let from = 0
  while (amp !== -1) {
    out += text.slice(from, amp)
    // an entity is short: look at most 10 characters ahead for its `;` (never to the end: that
    // would make a text of many `&` quadratic)
    const window = text.slice(amp + 1, amp + 11)
    const semicolon = window.indexOf(";")
    const end = semicolon === -1 ? -1 : amp + 1 + semicolon
    const name = end === -1 ? undefined : window.slice(0, semicolon)
    let replacement: string | undefined
    if (name !== undefined) {
      const lower = name.toLowerCase()
      if (/^#x[0-9a-f]{1,6}$/.test(lower)) replacement = safeCodePoint(parseInt(lower.slice(2), 16))
      else if (/^#[0-9]{1,7}$/.test(lower)) replacement = safeCodePoint(parseInt(lower.slice(1), 10))
      else replacement = entities[lower]
    }
    if (replacement === undefined) {
      out += "&"
      from = amp + 1
    } else {
      out += replacement
      from = end + 1
    }
    amp = text.indexOf("&", from)
  }
  return out + text.slice(from)
}

const isNameStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95
const isNameChar = (c: number) => isNameStart(c) || (c >= 48 && c <= 57) || c === 45 || c === 46 || c === 58
const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13

/**
 * The attributes of a start tag, from just after its name: scans `name="value"` pairs up to the
 * closing `>` (or `/>`). Returns the attributes, where the tag ends, and whether it closed itself.
 */
const scanTag = (
  text: string,
  from: number
): { readonly attributes: Record<string, string>; readonly end: number; readonly selfClosing: boolean } | undefined => {
  const attributes: Record<string, string> = {}
  let i = from
  const length = text.length
  while (i < length) {
    const c = text.charCodeAt(i)
    if (isSpace(c)) {
      i++
    } else if (c === 62) { // >
      return { attributes, end: i + 1, selfClosing: false }
    } else if (c === 47) { // /
      if (text.charCodeAt(i + 1) === 62) return { attributes, end: i + 2, selfClosing: true }
      i++
    } else if (isNameStart(c)) {
      const nameStart = i
      while (i < length && isNameChar(text.charCodeAt(i))) i++
      const name = text.slice(nameStart, i)
      while (i < length && isSpace(text.charCodeAt(i))) i++
      if (text.charCodeAt(i) !== 61) continue // no `=`: a bare word, skipped
      i++
      while (i < length && isSpace(text.charCodeAt(i))) i++
      const quote = text.charCodeAt(i)
      if (quote !== 34 && quote !== 39) continue
      const close = text.indexOf(quote === 34 ? "\"" : "'", i + 1)
      if (close === -1) return undefined // an unterminated value: the tag never ends
      if (!Object.hasOwn(attributes, name)) attributes[name] = unescapeXml(text.slice(i + 1, close))
      i = close + 1
    } else if (c === 60) { // a `<` inside a tag: the tag was broken, stop here
      return undefined
    } else {
      i++
    }
  }
  return undefined
}

export interface XmlError {
  readonly code?: string
  readonly message?: string
  readonly status?: string
}

/** Each `<error …/>` or `<error …>text</error>` of the text, at most `limit`. */
export const parseXmlErrors = (text: string, limit: number): ReadonlyArray<XmlError> => {
  const out: Array<XmlError> = []
  let at = text.indexOf("<error")
  while (at !== -1 && out.length < limit) {
    const after = at + 6
    const next = text.charCodeAt(after)
    // `<errors>` and `<errorFoo>` are other elements
    if (!(isSpace(next) || next === 62 || next === 47)) {
      at = text.indexOf("<error", after)
      continue
    }
    const tag = scanTag(text, after)
    if (tag === undefined) {
      at = text.indexOf("<error", after)
      continue
    }
    let body: string | undefined
    let resume = tag.end
    if (!tag.selfClosing) {
      const lt = text.indexOf("<", tag.end)
      if (lt !== -1 && text.startsWith("</error", lt)) {
        body = unescapeXml(text.slice(tag.end, lt)).trim()
        resume = lt
      }
    }
    const { code, message: attribute, status } = tag.attributes
    const message = attribute ?? (body === "" ? undefined : body)
    out.push({
      ...(code === undefined ? {} : { code }),
      ...(message === undefined ? {} : { message }),
      ...(status === undefined ? {} : { status })
    })
    at = text.indexOf("<error", resume)
  }
  return out
}
