import * as Schema from "effect/Schema"

const controlCharacters = /[\u0000-\u001f\u007f]/

/** A non-empty header value with no control characters, so it can never split a header. */
export const HeaderValue = Schema.String.pipe(
  Schema.filter((s) => s.trim().length > 0 || "must not be empty", { identifier: "NonEmpty" }),
  Schema.filter((s) => !controlCharacters.test(s) || "must not contain control characters (such as CR or LF)", {
    identifier: "NoControlCharacters"
  })
)
