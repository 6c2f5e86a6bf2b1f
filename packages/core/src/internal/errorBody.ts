import * as Option from "effect/Option"
import { PlexApiError } from "../PlexError.js"
import { errorBodyPrefix } from "./body.js"
import { parseJson } from "./json.js"
import { noSecrets, redact, type Secrets } from "./secrets.js"
import { parseXmlErrors } from "./xml.js"

/**
 * plex.tv's error bodies: the `errors` list of a failure, in JSON or XML, read leniently from a
 * bounded prefix, with every secret of the request that drew it redacted.
 */

type BodyKind = "json" | "xml" | "other"

/** How to read a body, from its `Content-Type` (never from what was asked for). */
export const bodyKind = (contentType: string | undefined): BodyKind => {
  if (contentType === undefined || contentType === "") return "json" // plex.tv always names it; be lenient
  const type = contentType.split(";")[0]!.trim().toLowerCase()
  if (type === "application/json" || type.endsWith("+json")) return "json"
  if (type.endsWith("/xml") || type.endsWith("+xml")) return "xml"
  return "other"
}

const maxErrors = 20
const maxMessage = 300

const toInt = (u: unknown): number | undefined => {
  const n = typeof u === "string" && u.trim() !== "" ? Number(u) : u
  return typeof n === "number" && Number.isSafeInteger(n) ? n : undefined // what Schema.Int accepts
}

const controlCharacters = /[\u0000-\u001f\u007f-\u009f]+/g

/**
 * A message as it may be kept: control characters made spaces, every secret the request carried
 * replaced with `<redacted>` (a server may echo the request), then cut to 300 characters.
 * Redacting before cutting means no part of a secret survives the cut.
 */
const safeMessage = (message: string, secrets: Secrets): string =>
  redact(message.slice(0, 16 * 1024).replace(controlCharacters, " "), secrets).slice(0, maxMessage)

const apiError = (
  u: { readonly code?: unknown; readonly message?: unknown; readonly status?: unknown },
  secrets: Secrets
) => {
  const code = toInt(u.code)
  const status = toInt(u.status)
  const message = typeof u.message === "string" ? safeMessage(u.message, secrets) : undefined
  return PlexApiError.make({
    ...(code === undefined ? {} : { code }),
    ...(message === undefined ? {} : { message }),
    ...(status === undefined ? {} : { status })
  })
}

/**
 * plex.tv's `errors` list from a failure body, JSON or XML. Anything else (an HTML page from a
 * proxy, an empty or broken body, a body longer than any plex.tv error) gives `[]`: the status
 * alone still classifies the failure. The text is at most `errorBodyPrefix` long (see
 * `readErrorBody`) and both parsers are linear in it.
 */
export const parseErrors = (
  contentType: string | undefined,
  text: string,
  secrets: Secrets = noSecrets
): ReadonlyArray<PlexApiError> => {
  if (text.length > errorBodyPrefix) return []
  switch (bodyKind(contentType)) {
    case "json": {
      const body = Option.getOrUndefined(parseJson(text))
      const list = typeof body === "object" && body !== null && "errors" in body ? body.errors : undefined
      if (!Array.isArray(list)) return []
      return list.slice(0, maxErrors).flatMap((entry: unknown) =>
        typeof entry === "object" && entry !== null ? [apiError(entry, secrets)] : []
      )
    }
    case "xml":
      return parseXmlErrors(text, maxErrors).map((entry) => apiError(entry, secrets))
    case "other":
      return []
  }
}
