/**
 * Text from elsewhere (plex.tv's usernames, titles and messages, a user's arguments) made safe for
 * a terminal: escape sequences and control characters removed, so nothing can move the cursor,
 * recolour, rewrite the title, hide text, or break one line into several.
 */

// ESC [ … final byte (CSI), ESC ] … BEL or ESC \ (OSC), ESC P/X/^/_ … ESC \ (DCS, SOS, PM, APC),
// then any other two-byte ESC sequence; the 8-bit CSI/OSC/DCS forms likewise
const sequences = new RegExp(
  [
    "\\u001b\\[[0-?]*[ -/]*[@-~]?",
    "\\u009b[0-?]*[ -/]*[@-~]?",
    "\\u001b[\\]PX^_][\\s\\S]*?(?:\\u0007|\\u001b\\\\|\\u009c|$)",
    "[\\u009d\\u0090\\u0098\\u009e\\u009f][\\s\\S]*?(?:\\u0007|\\u001b\\\\|\\u009c|$)",
    "\\u001b[\\s\\S]?"
  ].join("|"),
  "g"
)

// C0 and C1 controls, DEL, and the invisible characters that reorder or hide text (bidi
// overrides and isolates, line and paragraph separators)
const controls = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

/** `text` without escape sequences and control characters: safe to print on one line. */
export const printable = (text: string): string => text.replace(sequences, "").replace(controls, "")

/**
 * `text` without escape sequences, its line breaks kept: for text of our own (help pages, tables)
 * going to a terminal that gets no colour.
 */
export const withoutEscapes = (text: string): string => text.replace(sequences, "")

/** Colour and cursor movement only when stdout is a terminal and `NO_COLOR` is not set. */
export const colourful = (stream: { readonly isTTY?: boolean | undefined }): boolean =>
  stream.isTTY === true && (process.env.NO_COLOR ?? "") === "" && process.env.TERM !== "dumb"
