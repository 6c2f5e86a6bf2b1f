/**
 * Faults of the fake plex.tv: what can go wrong with an answer, and the plan saying which requests
 * get which fault. Both front doors obey the same plan: `PlexTvFake` simulates each fault in memory,
 * `PlexTvServer` performs it on the socket.
 *
 * @since 0.1.0
 */
import { HUGE_BYTES, mix } from "./internal/faults.js"

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
 * - `HugeBody`: a 200 with a body far larger than any account (default 50 MB), with a
 *   `Content-Length` or without one.
 * - `Delay`: the route's answer, `millis` late.
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
  | { readonly _tag: "HugeBody"; readonly bytes?: number | undefined; readonly contentLength?: boolean | undefined }
  | { readonly _tag: "Delay"; readonly millis: number }

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
}

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
      return `a ${Math.round((fault.bytes ?? HUGE_BYTES) / 1024 / 1024)} MB body ${
        fault.contentLength === false ? "without" : "with"
      } Content-Length`
    case "Delay":
      return `an answer ${fault.millis} ms late`
  }
}

const int = (s: string | undefined) => (s !== undefined && /^\d+$/.test(s) ? Number(s) : undefined)
const isStatus = (n: number | undefined): n is number => n !== undefined && n >= 200 && n <= 599

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
      const bytes = arg === undefined ? HUGE_BYTES : int(arg)
      return bytes === undefined ? undefined : step({ _tag: "HugeBody", bytes, contentLength: name === "huge" })
    }
    case "delay": {
      const millis = int(arg)
      return millis === undefined ? undefined : step({ _tag: "Delay", millis })
    }
    default:
      return undefined
  }
}

/**
 * Constructors of {@link FakeFault}s, the default random mix, a description for reports, and the
 * parser of `pnpm fake-plex --fault`: `500`, `502`, `503`, `504`, `429`, `429:2` (Retry-After in
 * seconds) or `429:<HTTP date>`, `html[:status]`, `xml`, `truncated-json`, `reset`,
 * `reset-mid-body`, `endless`, `silence`, `huge[:bytes]`, `huge-no-length[:bytes]`,
 * `delay:<millis>`; a `*N` suffix gives it to N requests.
 *
 * @since 0.1.0
 * @category testing
 * @example
 * import { FakeFault } from "@effect-plex/core/testing"
 *
 * const step = FakeFault.parse("503*3") // { fault: { _tag: "Status", status: 503 }, times: 3 }
 * console.log(step, FakeFault.describe(FakeFault.hugeBody({ contentLength: false })))
 */
export const FakeFault = {
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
  /** Default 50 MB with a `Content-Length`. */
  hugeBody: (
    options?: { readonly bytes?: number | undefined; readonly contentLength?: boolean | undefined }
  ): FakeFault => ({
    _tag: "HugeBody",
    bytes: options?.bytes ?? HUGE_BYTES,
    contentLength: options?.contentLength ?? true
  }),
  delay: (millis: number): FakeFault => ({ _tag: "Delay", millis }),
  /** Every kind of fault once (429 with and without Retry-After, the huge body with and without length). */
  mix,
  /** A short English description, for reports. */
  describe,
  /** Reads a fault step from text; `undefined` when the text is not one. */
  parse
}
