/**
 * The HTTP front door's side of the fault plan: sends the model's answer, performing its transport
 * fault on the socket (a reset before or in the middle of the body, a body that never ends, headers
 * then silence, a huge body streamed with backpressure), and stops as soon as the client leaves.
 */
import type * as Http from "node:http"
import type { FakeResponse } from "@effect-plex/core/testing"

export interface ServerCounters {
  requests: number
  aborted: number
  streamedBytes: number
}

export interface Performing {
  /** Sends the answer, once the model gave it. */
  readonly answer: (answer: FakeResponse) => void
  /** The client left: stop writing, clear timers. */
  readonly stop: () => void
  /** Whether the connection was closed by a fault of ours rather than by the client. */
  readonly resetByUs: () => boolean
}

const HUGE_CHUNK = 64 * 1024
const filler = Buffer.alloc(HUGE_CHUNK, "x")

export const perform = (response: Http.ServerResponse, counters: ServerCounters): Performing => {
  let stopped = false
  let reset = false
  let timer: ReturnType<typeof setInterval> | undefined
  response.on("error", () => {}) // writes racing the client's close

  const resetConnection = () => {
    reset = true
    const socket = response.socket
    if (socket !== null) socket.resetAndDestroy()
  }

  const stop = () => {
    stopped = true
    if (timer !== undefined) clearInterval(timer)
    timer = undefined
  }

  const answer = (answer: FakeResponse) => {
    if (stopped || response.destroyed) return
    const transport = answer.transport
    const body = Buffer.from(answer.body, "utf8")
    if (transport === undefined) {
      response.writeHead(answer.status, answer.headers)
      response.end(answer.status === 204 || answer.status === 304 ? undefined : body)
      return
    }
    switch (transport._tag) {
      case "ResetBeforeResponse":
        return resetConnection()
      case "ResetMidBody": {
        response.writeHead(answer.status, { ...answer.headers, "content-length": String(body.length) })
        response.write(body.subarray(0, Math.floor(body.length / 2)), () => {
          // the half is with the kernel: now break the connection
          if (!stopped) resetConnection()
        })
        return
      }
      case "HeadersThenSilence":
        response.writeHead(answer.status, answer.headers)
        response.flushHeaders()
        return
      case "EndlessBody": {
        const chunk = Buffer.from(transport.chunk, "utf8")
        response.writeHead(answer.status, answer.headers)
        response.write(body)
        timer = setInterval(() => {
          if (stopped || response.destroyed) return stop()
          counters.streamedBytes += chunk.length
          response.write(chunk)
        }, transport.intervalMillis)
        return
      }
      case "HugeBody": {
        const headers = { ...answer.headers }
        if (transport.contentLength) headers["content-length"] = String(transport.bytes)
        else delete headers["content-length"]
        response.writeHead(answer.status, headers)
        let sent = body.length
        response.write(body)
        const pump = () => {
          while (!stopped && !response.destroyed && sent < transport.bytes) {
            const size = Math.min(HUGE_CHUNK, transport.bytes - sent)
            sent += size
            counters.streamedBytes += size
            if (!response.write(size === HUGE_CHUNK ? filler : filler.subarray(0, size))) {
              response.once("drain", pump) // backpressure: wait for the client to read
              return
            }
          }
          if (!stopped && !response.destroyed) response.end()
        }
        pump()
        return
      }
    }
  }

  return { answer, stop, resetByUs: () => reset }
}
