/**
 * What the bench processes share: the work measured, the messages between the orchestrator
 * (`run.ts`) and its children, and the statistics.
 */

/** The one account every variant asks for: `FakeAccount.owner` of `@effect-plex/core/testing`. */
export const OWNER_TOKEN = "FAKEtokenOwner000001"
export const OWNER_ID = 10000001
export const OWNER_LOGIN = "fake-owner"
export const OWNER_PASSWORD = "owner-password"
export const CLIENT_IDENTIFIER = "effect-plex-bench"

/** The 100 distinct tokens of the validated-token cache bench, all the owner's (the fake knows them). */
export const BENCH_TOKENS: ReadonlyArray<string> = Array.from(
  { length: 100 },
  (_, i) => `FAKEtokenBench${String(i).padStart(6, "0")}`
)

/**
 * The work measured. `getTokenDetails`: `GET /api/v2/user` with the owner's token. `signIn`:
 * `POST /api/v2/users/signin` with the owner's login and password. `tokens100`: `GET /api/v2/user`
 * cycling over {@link BENCH_TOKENS}, the workload of a backend checking its users' tokens.
 */
export type Op = "getTokenDetails" | "signIn" | "tokens100"

export const tokenFor = (op: Op, i: number): string =>
  op === "tokens100" ? BENCH_TOKENS[i % BENCH_TOKENS.length]! : OWNER_TOKEN

/** Fails unless a parsed body is the owner's account: every variant checks what it got. */
export const checkAccount = (id: unknown): void => {
  if (id !== OWNER_ID) throw new Error(`unexpected account id ${String(id)}`)
}

/** Orchestrator to worker. */
export type ToWorker =
  | { readonly type: "init"; readonly variant: string; readonly op: Op; readonly baseUrl: string }
  | { readonly type: "run"; readonly concurrency: number; readonly durationMs: number; readonly resources: boolean }
  | { readonly type: "exit" }

/** One measured round of one variant at one concurrency. */
export interface RoundResult {
  readonly calls: number
  readonly elapsedMs: number
  /** Per-call latency percentiles in milliseconds, measured at concurrency 1 only. */
  readonly p50Ms?: number | undefined
  readonly p99Ms?: number | undefined
  /** Process CPU time (user + system, all threads) per call, in microseconds. */
  readonly cpuMicrosPerCall: number
  /** Peak RSS sampled during the round, in bytes (only when asked for `resources`). */
  readonly rssPeak?: number | undefined
  readonly maxRss?: number | undefined
}

/** Worker to orchestrator. */
export type FromWorker =
  | { readonly type: "ready" }
  | { readonly type: "skip"; readonly reason: string }
  | { readonly type: "error"; readonly message: string }
  | ({ readonly type: "result" } & RoundResult)

/**
 * How the bench server sends a body (`server.ts`): `chunked` (no length, `Transfer-Encoding:
 * chunked`), `length` (`Content-Length`), and each of those gzip-compressed (`Content-Encoding:
 * gzip`) when the request's `Accept-Encoding` offers gzip (else as the uncompressed way).
 */
export type BodyMode = "chunked" | "length" | "gzip-chunked" | "gzip-length"
export const BODY_MODES: ReadonlyArray<BodyMode> = ["chunked", "length", "gzip-chunked", "gzip-length"]
export const isBodyMode = (s: string): s is BodyMode => (BODY_MODES as ReadonlyArray<string>).includes(s)

/**
 * Orchestrator to server and back: how many requests the fake has answered so far (and how many
 * of those with a gzip body); `body` switches the way bodies are sent from then on.
 */
export type ToServer = { readonly type: "count" } | { readonly type: "body"; readonly mode: BodyMode }
export type FromServer = { readonly type: "count"; readonly requests: number; readonly gzipped: number }

/** The q-quantile of sorted numbers, linearly interpolated. */
export const quantile = (sorted: ArrayLike<number>, q: number): number => {
  if (sorted.length === 0) return Number.NaN
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo)
}

/** Median and range of a few rounds. */
export interface Spread {
  readonly median: number
  readonly min: number
  readonly max: number
  readonly n: number
}

export const spread = (values: ReadonlyArray<number>): Spread => {
  const sorted = [...values].sort((a, b) => a - b)
  return {
    median: quantile(sorted, 0.5),
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
    n: sorted.length
  }
}
