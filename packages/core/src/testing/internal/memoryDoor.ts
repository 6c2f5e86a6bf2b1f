/**
 * The in-memory front door's side of the fault plan: turns the model's answer, transport fault
 * included, into what a real HTTP client would produce. A reset before the response is a
 * `RequestError`; a reset mid-body, a body that never ends and headers followed by silence are
 * bodies (`ReadableStream`s) that break, trickle or stall; a huge body is produced lazily, as it is
 * read. Time (the trickle) goes through the Effect `Clock`, so `TestClock` drives it.
 */
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Runtime from "effect/Runtime"
import type { FakeResponse, FakeTransportStats } from "./types.js"

const encoder = new TextEncoder()

/** What a peer's reset looks like to Node: an error with the `ECONNRESET` code. */
export const connectionReset = (): Error =>
  Object.assign(new Error("read ECONNRESET (fake plex.tv)"), { code: "ECONNRESET", errno: -104, syscall: "read" })

const HUGE_CHUNK = 64 * 1024

export interface Counters {
  requests: number
  aborted: number
  streamedBytes: number
}

export const statsOf = (counters: Counters): FakeTransportStats => ({
  requests: counters.requests,
  aborted: counters.aborted,
  streamedBytes: counters.streamedBytes
})

const stopOn = (signal: AbortSignal, stop: () => void) => {
  if (signal.aborted) return stop()
  signal.addEventListener("abort", stop, { once: true })
}

const fail = (controller: ReadableStreamDefaultController<Uint8Array>, error: unknown) => {
  try {
    controller.error(error)
  } catch {
    // already closed or cancelled
  }
}

/**
 * The body of an answer as a stream; `done` is called once it was delivered whole (or broke on
 * purpose). `signal` is the client's abort signal: it stops whatever the stream is waiting for.
 */
const bodyStream = (
  answer: FakeResponse,
  runtime: Runtime.Runtime<never>,
  signal: AbortSignal,
  counters: Counters,
  done: () => void
): ReadableStream<Uint8Array> | null => {
  const transport = answer.transport
  const bytes = encoder.encode(answer.body)
  if (transport === undefined) {
    if (answer.status === 204 || answer.status === 304 || bytes.length === 0) {
      done()
      return null
    }
    return new ReadableStream({
      start(controller) {
        controller.enqueue(bytes)
        controller.close()
        done()
      }
    })
  }
  switch (transport._tag) {
    case "ResetBeforeResponse":
      return null // never asked for: answered as a RequestError
    case "ResetMidBody":
      return new ReadableStream({
        start(controller) {
          controller.enqueue(bytes.subarray(0, Math.floor(bytes.length / 2)))
        },
        pull(controller) {
          fail(controller, connectionReset())
          done()
        }
      })
    case "HeadersThenSilence":
      return new ReadableStream({
        start(controller) {
          stopOn(signal, () => fail(controller, new Error("aborted")))
        },
        pull: () => new Promise<void>(() => {}) // never resolves: the reader waits until it leaves
      })
    case "EndlessBody": {
      const chunk = encoder.encode(transport.chunk)
      const interval = Duration.millis(transport.intervalMillis)
      const stop = new AbortController()
      let first = true
      return new ReadableStream({
        start(controller) {
          stopOn(signal, () => {
            stop.abort()
            fail(controller, new Error("aborted"))
          })
        },
        async pull(controller) {
          if (first) {
            first = false
            controller.enqueue(bytes)
            return
          }
          try {
            await Runtime.runPromise(runtime, Effect.sleep(interval), { signal: stop.signal })
          } catch {
            return // the client left
          }
          counters.streamedBytes += chunk.length
          controller.enqueue(chunk)
        },
        cancel() {
          stop.abort()
        }
      }, { highWaterMark: 0 })
    }
    case "SlowDrip": {
      const interval = Duration.millis(transport.intervalMillis)
      const stop = new AbortController()
      let sent = 0
      return new ReadableStream({
        start(controller) {
          stopOn(signal, () => {
            stop.abort()
            fail(controller, new Error("aborted"))
          })
        },
        async pull(controller) {
          try {
            await Runtime.runPromise(runtime, Effect.sleep(interval), { signal: stop.signal })
          } catch {
            return // the client left
          }
          if (sent >= bytes.length) {
            controller.close()
            done()
            return
          }
          controller.enqueue(bytes.subarray(sent, sent + 1))
          sent++
          counters.streamedBytes++
        },
        cancel() {
          stop.abort()
        }
      }, { highWaterMark: 0 })
    }
    case "CompressionBomb":
    case "Redirect":
      return null // answered by `respond`
    case "HugeBody": {
      let sent = 0
      const filler = new Uint8Array(HUGE_CHUNK).fill(0x78) // "x"
      return new ReadableStream({
        start(controller) {
          stopOn(signal, () => fail(controller, new Error("aborted")))
        },
        pull(controller) {
          if (sent === 0 && bytes.length > 0) {
            sent = bytes.length
            controller.enqueue(bytes)
            return
          }
          const size = Math.min(HUGE_CHUNK, transport.bytes - sent)
          if (size <= 0) {
            controller.close()
            done()
            return
          }
          sent += size
          counters.streamedBytes += size
          controller.enqueue(size === HUGE_CHUNK ? filler : filler.subarray(0, size))
        }
      }, { highWaterMark: 0 })
    }
  }
}

/**
 * The platform response for an answer of the model, or the `RequestError` of a reset before the
 * response. `signal` is the client's abort signal for this request: an abort before the answer
 * was delivered whole counts as an aborted request.
 */
export const respond = (
  request: HttpClientRequest.HttpClientRequest,
  answer: FakeResponse,
  signal: AbortSignal,
  counters: Counters
): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.RequestError> =>
  Effect.flatMap(Effect.runtime<never>(), (runtime) => {
    if (answer.transport?._tag === "ResetBeforeResponse") {
      return Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause: connectionReset() }))
    }
    let finished = false
    const onAbort = () => {
      if (!finished) counters.aborted++
      finished = true
    }
    const done = () => {
      finished = true
      signal.removeEventListener("abort", onAbort)
    }
    signal.addEventListener("abort", onAbort, { once: true })
    const transport = answer.transport
    const headers = new Headers(answer.headers)
    if (transport?._tag === "CompressionBomb") {
      // the bytes a server sends; a `Response` built here is never inflated, as the lean undici client
      const bytes = Effect.promise(() => compressed(transport.encoding, answer.body, transport.inflatedBytes))
      return Effect.map(bytes, (bytes) => {
        counters.streamedBytes += bytes.length
        done()
        headers.set("content-length", String(bytes.length))
        return HttpClientResponse.fromWeb(request, new Response(bytes, { status: answer.status, headers }))
      })
    }
    if (transport?._tag === "Redirect") {
      // nothing listens in memory: a client that followed would be refused
      if (!headers.has("location")) headers.set("location", `http://127.0.0.1:1${new URL(request.url).pathname}`)
      done()
      return Effect.succeed(
        HttpClientResponse.fromWeb(request, new Response(answer.body, { status: answer.status, headers }))
      )
    }
    const body = bodyStream(answer, runtime, signal, counters, done)
    if (transport?._tag === "ResetMidBody" || transport?._tag === "SlowDrip") {
      headers.set("content-length", String(encoder.encode(answer.body).length))
    }
    return Effect.succeed(HttpClientResponse.fromWeb(request, new Response(body, { status: answer.status, headers })))
  })

const bombs = new Map<string, Promise<Uint8Array<ArrayBuffer>>>()

/**
 * `head`, then `x` up to `inflatedBytes`, compressed with the platform's `CompressionStream` (no
 * Node module in this package); once per size, then kept.
 */
const compressed = (
  encoding: "gzip" | "deflate",
  head: string,
  inflatedBytes: number
): Promise<Uint8Array<ArrayBuffer>> => {
  const key = `${encoding} ${inflatedBytes} ${head}`
  let found = bombs.get(key)
  if (found === undefined) {
    const first = encoder.encode(head)
    const filler = new Uint8Array(HUGE_CHUNK * 16).fill(0x78)
    let produced = 0
    const source = new ReadableStream<BufferSource>({
      pull(controller) {
        if (produced === 0 && first.length > 0) {
          produced = first.length
          controller.enqueue(first)
          return
        }
        const size = Math.min(filler.length, inflatedBytes - produced)
        if (size <= 0) return controller.close()
        produced += size
        controller.enqueue(size === filler.length ? filler : filler.subarray(0, size))
      }
    })
    found = new Response(source.pipeThrough(new CompressionStream(encoding))).arrayBuffer().then(
      (buffer) => new Uint8Array(buffer)
    )
    if (bombs.size > 8) bombs.clear()
    bombs.set(key, found)
  }
  return found
}
