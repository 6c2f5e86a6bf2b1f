/**
 * Faults of the fake plex.tv: what can go wrong with an answer, and the plan saying which requests
 * get which fault. Both front doors obey the same plan: `PlexTvFake` simulates each fault in memory,
 * `PlexTvServer` performs it on the socket.
 *
 * @since 0.1.0
 */

/**
 * One way an answer of plex.tv (or of the network in front of it) can go wrong.
 *
 * - `Status`: that status (500, 502, 503, 504, 429, …) with plex.tv's `errors` body, and
 *   `Retry-After` when given (seconds, or an HTTP date as text). plex.tv's route is not reached.
 * - `HtmlErrorPage`: an HTML error page, as a CDN in front of plex.tv sends (default 502).
 * - `XmlBody`: the route's answer in XML, whatever `Accept` asked for.
 * - `TruncatedJson`: the route's answer cut in half.
 * - `ResetBeforeResponse`: the route runs (its effects happen), then the connection is reset
 *   before any byte of the answer.
 * - `ResetMidBody`: the headers and half of the body, then a reset.
 * - `EndlessBody`: the headers and the body, then whitespace every 50 ms, forever.
 * - `HeadersThenSilence`: the headers, then nothing.
 * - `HugeBody`: a 200 (or `status`) with a body far larger than any account (default 50 MB), with a
 *   `Content-Length` or without one.
 * - `Delay`: the route's answer, `millis` late.
 * - `HostileMarkup`: at `status`, an XML or HTML body (default 1 MiB) built to make a backtracking
 *   parser explode: an attribute whose quote never closes followed by spaces and attribute
 *   fragments (`unclosedAttribute`), `<error` repeated without a `>` (`repeatedOpen`), or a run of
 *   `&#` / `&amp`-like fragments (`entityRun`).
 * - `DeepJson`: at `status`, JSON arrays or objects nested `depth` deep (default 100,000), as the
 *   whole body of a 2xx or as the `errors` of a failure.
 * - `MalformedJson`: at `status`, a body declared JSON that is not (doubled commas, bare words).
 * - `SlowDrip`: the route's answer, its `Content-Length` declared, one byte every `intervalMillis`
 *   (default 100 ms): far longer than any per-attempt timeout.
 * - `CompressionBomb`: a 200 declaring `Content-Encoding: gzip` or `deflate` whose small body
 *   inflates to `inflatedBytes` (default 256 MiB). A client that inflates (`fetch`) must still
 *   stop at its size limit.
 * - `Redirect`: `status` (301, 302, 303, 307, 308) with a `Location` on another 127.0.0.1 port:
 *   by default one the front door listens on, counting the requests that follow it.
 *
 * @since 0.1.0
 * @category testing
 * @example
 * import { FakeFault } from "@effect-plex/core/testing"
 *
 * const faults: ReadonlyArray<FakeFault> = [FakeFault.status(429, { retryAfter: 2 }), FakeFault.resetMidBody]
 * console.log(faults.map(FakeFault.describe))
 */
export type FakeFault =
  | { readonly _tag: "Status"; readonly status: number; readonly retryAfter?: number | string | undefined }
  | { readonly _tag: "HtmlErrorPage"; readonly status?: number | undefined }
  | { readonly _tag: "XmlBody" }
  | { readonly _tag: "TruncatedJson" }
  | { readonly _tag: "ResetBeforeResponse" }
  | { readonly _tag: "ResetMidBody" }
  | { readonly _tag: "EndlessBody" }
  | { readonly _tag: "HeadersThenSilence" }
  | {
    readonly _tag: "HugeBody"
    readonly bytes?: number | undefined
    readonly contentLength?: boolean | undefined
    readonly status?: number | undefined
  }
  | { readonly _tag: "Delay"; readonly millis: number }
  | {
    readonly _tag: "HostileMarkup"
    readonly pattern: "unclosedAttribute" | "repeatedOpen" | "entityRun"
    readonly status: number
    readonly contentType: "xml" | "html"
    readonly bytes?: number | undefined
  }
  | {
    readonly _tag: "DeepJson"
    readonly shape: "array" | "object"
    readonly status: number
    readonly depth?: number | undefined
  }
  | { readonly _tag: "MalformedJson"; readonly status: number }
  | { readonly _tag: "SlowDrip"; readonly intervalMillis?: number | undefined }
  | {
    readonly _tag: "CompressionBomb"
    readonly encoding: "gzip" | "deflate"
    readonly inflatedBytes?: number | undefined
  }
  | { readonly _tag: "Redirect"; readonly status: number; readonly location?: string | undefined }

/**
 * The kind of a {@link FakeFault}, as the request log and the fault counters name it.
 *
 * @since 0.1.0
 * @category testing
 * @example
 * import type { FakeFaultTag } from "@effect-plex/core/testing"
 *
 * const tag: FakeFaultTag = "ResetMidBody"
 * console.log(tag)
 */
export type FakeFaultTag = FakeFault["_tag"]

/**
 * What a front door does besides (or instead of) sending an answer's status, headers and body
 * plainly; set by the model on a `FakeResponse`.
 *
 * @since 0.1.0
 * @category testing
 * @example
 * import type { FakeTransport } from "@effect-plex/core/testing"
 *
 * const transport: FakeTransport = { _tag: "HugeBody", bytes: 50 * 1024 * 1024, contentLength: false }
 * console.log(transport._tag)
 */
export type FakeTransport =
  /** Reset the connection before any byte of the answer. */
  | { readonly _tag: "ResetBeforeResponse" }
  /** Send the headers (declaring the whole body's length) and the first half of the body, then reset. */
  | { readonly _tag: "ResetMidBody" }
  /** Send the headers and the body, then `chunk` every `intervalMillis`, until the client leaves. */
  | { readonly _tag: "EndlessBody"; readonly chunk: string; readonly intervalMillis: number }
  /** Send the headers, then nothing until the client leaves. */
  | { readonly _tag: "HeadersThenSilence" }
  /** A body of `bytes` bytes (the answer's body, then filler), with `Content-Length` or without. */
  | { readonly _tag: "HugeBody"; readonly bytes: number; readonly contentLength: boolean }
  /** Send the headers (declaring the body's length), then the body one byte every `intervalMillis`. */
  | { readonly _tag: "SlowDrip"; readonly intervalMillis: number }
  /**
   * Send, with `Content-Encoding: encoding`, the answer's body then filler up to `inflatedBytes`,
   * compressed (the front door compresses, once per size).
   */
  | { readonly _tag: "CompressionBomb"; readonly encoding: "gzip" | "deflate"; readonly inflatedBytes: number }
  /**
   * Answer with the status and body as given, adding a `Location` header: `location`, or when absent
   * a URL of the same path on another 127.0.0.1 port where the front door counts the requests that
   * followed the redirect (`FakeTransportStats.redirectsFollowed`).
   */
  | { readonly _tag: "Redirect"; readonly location: string | undefined }

/**
 * One step of a {@link FakeFaultPlan}: a fault for the next `times` requests (default 1), or for
 * `forMillis` from when the plan is set, or whichever ends first when both are given.
 *
 * @since 0.1.0
 * @category testing
 * @example
 * import { FakeFault, type FakeFaultStep } from "@effect-plex/core/testing"
 *
 * const step: FakeFaultStep = { fault: FakeFault.status(503), times: 3 }
 * console.log(step.times)
 */
export interface FakeFaultStep {
  readonly fault: FakeFault
  readonly times?: number | undefined
  readonly forMillis?: number | undefined
}

/**
 * Which requests the fake plex.tv spoils, and how. Set it with `PlexTvFake`'s `faults`, with
 * `PlexTvOptions.faults`, or with the flags of `pnpm fake-plex`.
 *
 * - `latencyMillis`: added before every answer, faulted or not.
 * - `next`: faults for the next requests, in order.
 * - `random`: once `next` is used up, a fault at `rate` (0 to 1) drawn from `faults` (default
 *   {@link FakeFault.mix}) by a PRNG seeded with `seed` and kept in the state: the same requests
 *   get the same faults on every run.
 * - `paths`: only requests to these route paths (such as `/api/v2/pins/:id`) are faulted.
 *
 * @since 0.1.0
 * @category testing
 * @example
 * import { FakeFault, type FakeFaultPlan } from "@effect-plex/core/testing"
 *
 * const plan: FakeFaultPlan = {
 *   next: [{ fault: FakeFault.status(429, { retryAfter: 2 }), forMillis: 1000 }],
 *   random: { rate: 0.05, seed: 42 }
 * }
 * console.log(plan.random?.rate)
 */
export interface FakeFaultPlan {
  readonly latencyMillis?: number | undefined
  readonly next?: ReadonlyArray<FakeFaultStep> | undefined
  readonly random?: {
    readonly rate: number
    readonly seed: number
    readonly faults?: ReadonlyArray<FakeFault> | undefined
  } | undefined
  readonly paths?: ReadonlyArray<string> | undefined
}

/**
 * What a front door of the fake plex.tv saw of its connections: the requests it got, those whose client went away
 * before the whole answer was delivered (interrupted, timed out, gave up on a huge body), and the
 * bytes of fault bodies (huge, endless) it produced.
 *
 * @since 0.1.0
 * @category testing
 * @example
 * import { PlexTvFake } from "@effect-plex/core/testing"
 * import * as Effect from "effect/Effect"
 *
 * const aborted = Effect.flatMap(PlexTvFake, (fake) => Effect.map(fake.transportStats, (stats) => stats.aborted))
 */
export interface FakeTransportStats {
  /** Requests answered (or spoiled) by this front door. */
  readonly requests: number
  readonly aborted: number
  readonly streamedBytes: number
  /**
   * Requests that followed a `Redirect` fault to the other port the front door listens on (only
   * `PlexTvServer` counts them; absent until one arrives). Each carried the call's headers, its
   * token included, to another origin.
   *
   * @since 0.2.0
   */
  readonly redirectsFollowed?: number | undefined
}

// The defaults and the mixes live here, next to the type, so this module imports nothing (internal/types.ts
// takes its types from it); internal/faults.ts reads them from here.

/** The default size of a huge body: far larger than any account. */
const HUGE_BYTES = 50 * 1024 * 1024

/** The default size of hostile markup: large enough for a quadratic parser to hurt, below the 4 MiB limit. */
const MARKUP_BYTES = 1024 * 1024
/** The default depth of deeply nested JSON. */
const DEEP_DEPTH = 100_000
/** The default pace of a slow drip: one byte every this many milliseconds. */
const DRIP_MILLIS = 100
/** The default size a compression bomb inflates to. */
const BOMB_BYTES = 256 * 1024 * 1024
/** The default `maxBodySize` of `PlexConfig`: hostile sizes sit around it. */
const LIMIT = 4 * 1024 * 1024

/** Every kind of fault once: the default of a plan's random mix. */
const mix: ReadonlyArray<FakeFault> = [
  { _tag: "Status", status: 500 },
  { _tag: "Status", status: 502 },
  { _tag: "Status", status: 503 },
  { _tag: "Status", status: 504 },
  { _tag: "Status", status: 429 },
  { _tag: "Status", status: 429, retryAfter: 1 },
  { _tag: "HtmlErrorPage", status: 502 },
  { _tag: "XmlBody" },
  { _tag: "TruncatedJson" },
  { _tag: "ResetBeforeResponse" },
  { _tag: "ResetMidBody" },
  { _tag: "EndlessBody" },
  { _tag: "HeadersThenSilence" },
  { _tag: "HugeBody", bytes: HUGE_BYTES, contentLength: true },
  { _tag: "HugeBody", bytes: HUGE_BYTES, contentLength: false },
  { _tag: "Delay", millis: 200 }
]

/** The plain mix, then hostile bodies: what `pnpm soak --hostile` draws from. */
const hostileMix: ReadonlyArray<FakeFault> = [
  ...mix,
  // close to and above the default limit, with and without Content-Length
  { _tag: "HugeBody", bytes: LIMIT - 1024, contentLength: true },
  { _tag: "HugeBody", bytes: LIMIT - 1024, contentLength: false },
  { _tag: "HugeBody", bytes: LIMIT + 1, contentLength: true },
  { _tag: "HugeBody", bytes: LIMIT + 1, contentLength: false, status: 503 },
  // markup for backtracking parsers, on error statuses and on a 2xx
  { _tag: "HostileMarkup", pattern: "unclosedAttribute", status: 401, contentType: "xml", bytes: MARKUP_BYTES },
  { _tag: "HostileMarkup", pattern: "unclosedAttribute", status: 500, contentType: "html", bytes: MARKUP_BYTES },
  { _tag: "HostileMarkup", pattern: "repeatedOpen", status: 422, contentType: "xml", bytes: MARKUP_BYTES },
  { _tag: "HostileMarkup", pattern: "repeatedOpen", status: 503, contentType: "xml", bytes: MARKUP_BYTES },
  { _tag: "HostileMarkup", pattern: "repeatedOpen", status: 200, contentType: "xml", bytes: MARKUP_BYTES },
  { _tag: "HostileMarkup", pattern: "repeatedOpen", status: 401, contentType: "html", bytes: MARKUP_BYTES },
  { _tag: "HostileMarkup", pattern: "entityRun", status: 500, contentType: "xml", bytes: MARKUP_BYTES },
  { _tag: "HostileMarkup", pattern: "entityRun", status: 503, contentType: "html", bytes: MARKUP_BYTES },
  { _tag: "HostileMarkup", pattern: "entityRun", status: 200, contentType: "html", bytes: MARKUP_BYTES },
  // nesting, as a 2xx and as an error body
  { _tag: "DeepJson", shape: "array", status: 200, depth: DEEP_DEPTH },
  { _tag: "DeepJson", shape: "object", status: 200, depth: DEEP_DEPTH },
  { _tag: "DeepJson", shape: "array", status: 500, depth: DEEP_DEPTH },
  { _tag: "DeepJson", shape: "object", status: 401, depth: DEEP_DEPTH },
  { _tag: "MalformedJson", status: 200 },
  { _tag: "MalformedJson", status: 503 },
  { _tag: "SlowDrip", intervalMillis: DRIP_MILLIS },
  { _tag: "CompressionBomb", encoding: "gzip", inflatedBytes: BOMB_BYTES },
  { _tag: "CompressionBomb", encoding: "deflate", inflatedBytes: BOMB_BYTES },
  { _tag: "Redirect", status: 302 },
  { _tag: "Redirect", status: 307 },
  { _tag: "Redirect", status: 308 }
]

const describe = (fault: FakeFault): string => {
  switch (fault._tag) {
    case "Status":
      return `HTTP ${fault.status}${fault.retryAfter === undefined ? "" : ` with Retry-After: ${fault.retryAfter}`}`
    case "HtmlErrorPage":
      return `an HTML error page (HTTP ${fault.status ?? 502}), as a CDN sends`
    case "XmlBody":
      return "an XML body instead of JSON"
    case "TruncatedJson":
      return "truncated JSON"
    case "ResetBeforeResponse":
      return "a connection reset before the response"
    case "ResetMidBody":
      return "a connection reset in the middle of the body"
    case "EndlessBody":
      return "a body that never ends"
    case "HeadersThenSilence":
      return "headers, then silence"
    case "HugeBody":
      return `a ${size(fault.bytes ?? HUGE_BYTES)} body ${fault.contentLength === false ? "without" : "with"}` +
        ` Content-Length${fault.status === undefined || fault.status === 200 ? "" : ` (HTTP ${fault.status})`}`
    case "Delay":
      return `an answer ${fault.millis} ms late`
    case "HostileMarkup":
      return `a ${size(fault.bytes ?? MARKUP_BYTES)} ${fault.contentType === "xml" ? "XML" : "HTML"} body of ${
        markupNames[fault.pattern]
      } (HTTP ${fault.status})`
    case "DeepJson":
      return `JSON ${fault.shape === "array" ? "arrays" : "objects"} nested ${
        (fault.depth ?? DEEP_DEPTH).toLocaleString("en-US")
      } deep (HTTP ${fault.status})`
    case "MalformedJson":
      return `malformed JSON (HTTP ${fault.status})`
    case "SlowDrip":
      return `the answer one byte every ${fault.intervalMillis ?? DRIP_MILLIS} ms`
    case "CompressionBomb":
      return `a ${fault.encoding} body inflating to ${size(fault.inflatedBytes ?? BOMB_BYTES)}`
    case "Redirect":
      return `a redirect (HTTP ${fault.status}) to ${fault.location ?? "another 127.0.0.1 port"}`
  }
}

const markupNames = {
  unclosedAttribute: "an attribute quote never closed",
  repeatedOpen: "`<error` repeated, never closed",
  entityRun: "`&#`/`&amp` fragments"
} as const

const size = (bytes: number) =>
  bytes % (1024 * 1024) === 0
    ? `${bytes / 1024 / 1024} MiB`
    : bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(2)} MiB (${bytes.toLocaleString("en-US")} bytes)`
    : `${(bytes / 1024).toFixed(0)} KiB`

const int = (s: string | undefined) => (s !== undefined && /^\d+$/.test(s) ? Number(s) : undefined)
const isStatus = (n: number | undefined): n is number => n !== undefined && n >= 200 && n <= 599
const args = (arg: string | undefined): Array<string> => (arg === undefined || arg === "" ? [] : arg.split(":"))
const markupPatterns: Record<string, "unclosedAttribute" | "repeatedOpen" | "entityRun"> = {
  "unclosed-attribute": "unclosedAttribute",
  "repeated-open": "repeatedOpen",
  "entity-run": "entityRun"
}
/** Redirects of the fake point only at this machine. */
const isLoopback = (location: string) =>
  URL.canParse(location) && new URL(location).hostname === "127.0.0.1" && /^https?:$/.test(new URL(location).protocol)

const parse = (spec: string): FakeFaultStep | undefined => {
  const suffix = /\*(\d+)$/.exec(spec)
  const text = suffix === null ? spec : spec.slice(0, suffix.index)
  const colon = text.indexOf(":")
  const name = (colon < 0 ? text : text.slice(0, colon)).trim().toLowerCase()
  const arg = colon < 0 ? undefined : text.slice(colon + 1).trim()
  const times = suffix === null ? undefined : Number(suffix[1])
  const step = (fault: FakeFault): FakeFaultStep => (times === undefined ? { fault } : { fault, times })
  if (/^\d{3}$/.test(name)) {
    const status = Number(name)
    if (!isStatus(status)) return undefined
    if (arg === undefined || arg === "") return step({ _tag: "Status", status })
    return step({ _tag: "Status", status, retryAfter: int(arg) ?? arg })
  }
  switch (name) {
    case "html": {
      if (arg === undefined) return step({ _tag: "HtmlErrorPage", status: 502 })
      const status = int(arg)
      return isStatus(status) ? step({ _tag: "HtmlErrorPage", status }) : undefined
    }
    case "xml":
      return arg === undefined ? step({ _tag: "XmlBody" }) : undefined
    case "truncated-json":
      return arg === undefined ? step({ _tag: "TruncatedJson" }) : undefined
    case "reset":
      return arg === undefined ? step({ _tag: "ResetBeforeResponse" }) : undefined
    case "reset-mid-body":
      return arg === undefined ? step({ _tag: "ResetMidBody" }) : undefined
    case "endless":
      return arg === undefined ? step({ _tag: "EndlessBody" }) : undefined
    case "silence":
      return arg === undefined ? step({ _tag: "HeadersThenSilence" }) : undefined
    case "huge":
    case "huge-no-length": {
      const [bytesArg, statusArg, ...rest] = args(arg)
      const bytes = bytesArg === undefined || bytesArg === "" ? HUGE_BYTES : int(bytesArg)
      const status = statusArg === undefined ? 200 : int(statusArg)
      if (bytes === undefined || !isStatus(status) || rest.length > 0) return undefined
      const fault: FakeFault = { _tag: "HugeBody", bytes, contentLength: name === "huge" }
      return step(status === 200 ? fault : { ...fault, status })
    }
    case "delay": {
      const millis = int(arg)
      return millis === undefined ? undefined : step({ _tag: "Delay", millis })
    }
    case "markup": {
      const [patternArg, statusArg, typeArg, bytesArg, ...rest] = args(arg)
      const pattern = patternArg === undefined ? undefined : markupPatterns[patternArg]
      const status = statusArg === undefined ? 500 : int(statusArg)
      const contentType = typeArg ?? "xml"
      const bytes = bytesArg === undefined ? MARKUP_BYTES : int(bytesArg)
      if (pattern === undefined || !isStatus(status) || bytes === undefined || rest.length > 0) return undefined
      if (contentType !== "xml" && contentType !== "html") return undefined
      return step({ _tag: "HostileMarkup", pattern, status, contentType, bytes })
    }
    case "deep-json": {
      const [shape, statusArg, depthArg, ...rest] = args(arg)
      const status = statusArg === undefined ? 200 : int(statusArg)
      const depth = depthArg === undefined ? DEEP_DEPTH : int(depthArg)
      if ((shape !== "array" && shape !== "object") || !isStatus(status) || depth === undefined) return undefined
      return rest.length > 0 ? undefined : step({ _tag: "DeepJson", shape, status, depth })
    }
    case "malformed-json": {
      const status = arg === undefined ? 200 : int(arg)
      return isStatus(status) ? step({ _tag: "MalformedJson", status }) : undefined
    }
    case "drip": {
      const intervalMillis = arg === undefined ? DRIP_MILLIS : int(arg)
      return intervalMillis === undefined || intervalMillis < 1
        ? undefined
        : step({ _tag: "SlowDrip", intervalMillis })
    }
    case "gzip-bomb":
    case "deflate-bomb": {
      const inflatedBytes = arg === undefined ? BOMB_BYTES : int(arg)
      const encoding = name === "gzip-bomb" ? "gzip" : "deflate"
      return inflatedBytes === undefined ? undefined : step({ _tag: "CompressionBomb", encoding, inflatedBytes })
    }
    case "redirect": {
      const [statusArg, ...url] = args(arg)
      const status = statusArg === undefined ? 302 : int(statusArg)
      if (status === undefined || ![301, 302, 303, 307, 308].includes(status)) return undefined
      if (url.length === 0) return step({ _tag: "Redirect", status })
      const location = url.join(":")
      return isLoopback(location) ? step({ _tag: "Redirect", status, location }) : undefined
    }
    default:
      return undefined
  }
}

/**
 * Constructors of {@link FakeFault}s, the default random mix and the hostile one, a description for
 * reports, and the parser of `pnpm fake-plex --fault`: `500`, `502`, `503`, `504`, `429`, `429:2`
 * (Retry-After in seconds) or `429:<HTTP date>`, `html[:status]`, `xml`, `truncated-json`, `reset`,
 * `reset-mid-body`, `endless`, `silence`, `huge[:bytes[:status]]`, `huge-no-length[:bytes[:status]]`,
 * `delay:<millis>`, `markup:<unclosed-attribute|repeated-open|entity-run>[:status[:xml|html[:bytes]]]`,
 * `deep-json:<array|object>[:status[:depth]]`, `malformed-json[:status]`, `drip[:millis]`,
 * `gzip-bomb[:bytes]`, `deflate-bomb[:bytes]`, `redirect[:status[:http://127.0.0.1:port/path]]`;
 * a `*N` suffix gives it to N requests.
 *
 * @since 0.1.0
 * @category testing
 * @example
 * import { FakeFault } from "@effect-plex/core/testing"
 *
 * const step = FakeFault.parse("503*3") // { fault: { _tag: "Status", status: 503 }, times: 3 }
 * console.log(step, FakeFault.describe(FakeFault.hugeBody({ contentLength: false })))
 * console.log(FakeFault.hostileMix.length, FakeFault.describe(FakeFault.deepJson("array", { status: 500 })))
 */
export const FakeFault = {
  /** The sizes and paces a fault takes when its options leave them out. */
  defaults: {
    hugeBytes: HUGE_BYTES,
    markupBytes: MARKUP_BYTES,
    deepDepth: DEEP_DEPTH,
    dripMillis: DRIP_MILLIS,
    bombBytes: BOMB_BYTES
  },
  /** A status, with `Retry-After` when given. */
  status: (status: number, options?: { readonly retryAfter?: number | string | undefined }): FakeFault =>
    options?.retryAfter === undefined ? { _tag: "Status", status } : {
      _tag: "Status",
      status,
      retryAfter: options.retryAfter
    },
  htmlErrorPage: (status = 502): FakeFault => ({ _tag: "HtmlErrorPage", status }),
  xmlBody: { _tag: "XmlBody" } as FakeFault,
  truncatedJson: { _tag: "TruncatedJson" } as FakeFault,
  resetBeforeResponse: { _tag: "ResetBeforeResponse" } as FakeFault,
  resetMidBody: { _tag: "ResetMidBody" } as FakeFault,
  endlessBody: { _tag: "EndlessBody" } as FakeFault,
  headersThenSilence: { _tag: "HeadersThenSilence" } as FakeFault,
  /** Default 50 MB with a `Content-Length`, at 200. */
  hugeBody: (
    options?: {
      readonly bytes?: number | undefined
      readonly contentLength?: boolean | undefined
      readonly status?: number | undefined
    }
  ): FakeFault => ({
    _tag: "HugeBody",
    bytes: options?.bytes ?? HUGE_BYTES,
    contentLength: options?.contentLength ?? true,
    ...(options?.status === undefined || options.status === 200 ? {} : { status: options.status })
  }),
  delay: (millis: number): FakeFault => ({ _tag: "Delay", millis }),
  /**
   * Markup built to make a backtracking parser explode (default: at 500, XML, 1 MiB).
   *
   * @since 0.2.0
   */
  hostileMarkup: (
    pattern: "unclosedAttribute" | "repeatedOpen" | "entityRun",
    options?: {
      readonly status?: number | undefined
      readonly contentType?: "xml" | "html" | undefined
      readonly bytes?: number | undefined
    }
  ): FakeFault => ({
    _tag: "HostileMarkup",
    pattern,
    status: options?.status ?? 500,
    contentType: options?.contentType ?? "xml",
    bytes: options?.bytes ?? MARKUP_BYTES
  }),
  /**
   * JSON nested `depth` deep (default 100,000), at `status` (default 200); an error status nests it in `errors`.
   *
   * @since 0.2.0
   */
  deepJson: (
    shape: "array" | "object",
    options?: { readonly status?: number | undefined; readonly depth?: number | undefined }
  ): FakeFault => ({ _tag: "DeepJson", shape, status: options?.status ?? 200, depth: options?.depth ?? DEEP_DEPTH }),
  /**
   * A body declared JSON that is not, at `status` (default 200).
   *
   * @since 0.2.0
   */
  malformedJson: (status = 200): FakeFault => ({ _tag: "MalformedJson", status }),
  /**
   * The route's answer one byte every `intervalMillis` (default 100).
   *
   * @since 0.2.0
   */
  slowDrip: (intervalMillis = DRIP_MILLIS): FakeFault => ({ _tag: "SlowDrip", intervalMillis }),
  /**
   * A small body declared `Content-Encoding: gzip`/`deflate` that inflates to `inflatedBytes` (default 256 MiB).
   *
   * @since 0.2.0
   */
  compressionBomb: (encoding: "gzip" | "deflate", inflatedBytes = BOMB_BYTES): FakeFault => ({
    _tag: "CompressionBomb",
    encoding,
    inflatedBytes
  }),
  /**
   * A redirect (default 302) to `location`, or by default to another 127.0.0.1 port that counts the requests
   * following it.
   *
   * @since 0.2.0
   */
  redirect: (status = 302, location?: string): FakeFault =>
    location === undefined ? { _tag: "Redirect", status } : { _tag: "Redirect", status, location },
  /** Every kind of fault once (429 with and without Retry-After, the huge body with and without length). */
  mix,
  /**
   * The mix of `pnpm soak --hostile`: {@link FakeFault.mix}, then hostile bodies: sizes close to and
   * above the default `maxBodySize` (4 MiB) with and without `Content-Length`, markup built for
   * backtracking parsers in XML and HTML on 401, 422, 500, 503 and 200, JSON nested 100,000 deep as a
   * 2xx and as an error, malformed JSON, a slow drip, gzip and deflate bombs, and redirects.
   *
   * @since 0.2.0
   */
  hostileMix,
  /** A short English description, for reports. */
  describe,
  /** Reads a fault step from text; `undefined` when the text is not one. */
  parse
}
