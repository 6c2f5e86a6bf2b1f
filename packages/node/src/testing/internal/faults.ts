/**
 * The HTTP front door's side of the fault plan: sends the model's answer, performing its transport
 * fault on the socket (a reset before or in the middle of the body, a body that never ends, headers
 * then silence, a huge body streamed with backpressure, a body dripped a byte at a time, a
 * compression bomb, a redirect to another port of ours), and stops as soon as the client leaves.
 */
import * as Http from "node:http"
import type * as Net from "node:net"
import * as Zlib from "node:zlib"
import type { FakeResponse } from "@effect-plex/core/testing"

export interface ServerCounters {
  requests: number
  aborted: number
  streamedBytes: number
  /** Requests that followed a redirect of ours to the other port; set when the first arrives. */
  redirectsFollowed?: number
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

// ---------------------------------------------------------------------------------------------
// Compression bombs: compressed once per size, then kept

const bombs = new Map<string, Promise<Buffer>>()

/** `head`, then `x` up to `inflatedBytes`, compressed (level 9) without ever holding it inflated. */
const compressed = (encoding: "gzip" | "deflate", head: string, inflatedBytes: number): Promise<Buffer> => {
  const key = `${encoding} ${inflatedBytes} ${head}`
  let found = bombs.get(key)
  if (found === undefined) {
    found = new Promise<Buffer>((resolve, reject) => {
      const zip = encoding === "gzip" ? Zlib.createGzip({ level: 9 }) : Zlib.createDeflate({ level: 9 })
      const out: Array<Buffer> = []
      zip.on("data", (chunk: Buffer) => out.push(chunk))
      zip.on("end", () => resolve(Buffer.concat(out)))
      zip.on("error", reject)
      const big = Buffer.alloc(HUGE_CHUNK * 16, "x")
      let written = 0
      const pump = () => {
        if (written === 0) {
          const first = Buffer.from(head, "utf8")
          written = first.length
          zip.write(first)
        }
        while (written < inflatedBytes) {
          const size = Math.min(big.length, inflatedBytes - written)
          written += size
          if (!zip.write(size === big.length ? big : big.subarray(0, size))) {
            zip.once("drain", pump)
            return
          }
        }
        zip.end()
      }
      pump()
    })
    if (bombs.size > 8) bombs.clear()
    bombs.set(key, found)
  }
  return found
}

// ---------------------------------------------------------------------------------------------
// The other port redirects point to: one listener per process, on 127.0.0.1, counting who follows

interface Target {
  readonly port: number
  readonly register: (counters: ServerCounters) => number
}

let target: Promise<Target> | undefined

/**
 * A listener on another 127.0.0.1 port that answers every request with 404 and closes the
 * connection, adding it to the `redirectsFollowed` of the server whose redirect led there (its id is
 * the first segment of the path). Unreferenced: it never keeps the process alive.
 */
const redirectTarget = (): Promise<Target> =>
  target ??= new Promise<Target>((resolve, reject) => {
    const sources = new Map<number, WeakRef<ServerCounters>>()
    let next = 0
    const server = Http.createServer((request, response) => {
      const id = Number(/^\/followed\/(\d+)\//.exec(request.url ?? "")?.[1])
      const counters = sources.get(id)?.deref()
      if (counters !== undefined) counters.redirectsFollowed = (counters.redirectsFollowed ?? 0) + 1
      request.resume()
      response.writeHead(404, { "content-type": "application/json", connection: "close" })
      response.end("{\"errors\":[{\"code\":1002,\"message\":\"Not found\",\"status\":404}]}")
    })
    server.keepAliveTimeout = 1
    server.once("error", (error) => {
      target = undefined
      reject(error)
    })
    server.listen(0, "127.0.0.1", () => {
      server.unref()
      const port = (server.address() as Net.AddressInfo).port
      resolve({
        port,
        register: (counters) => {
          for (const [key, ref] of sources) if (ref.deref() === undefined) sources.delete(key)
          const id = ++next
          sources.set(id, new WeakRef(counters))
          return id
        }
      })
    })
  })

const ids = new WeakMap<ServerCounters, number>()

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
      case "SlowDrip": {
        response.writeHead(answer.status, { ...answer.headers, "content-length": String(body.length) })
        response.flushHeaders()
        let sent = 0
        timer = setInterval(() => {
          if (stopped || response.destroyed) return stop()
          if (sent >= body.length) {
            stop()
            response.end()
            return
          }
          counters.streamedBytes++
          response.write(body.subarray(sent, ++sent))
        }, transport.intervalMillis)
        return
      }
      case "CompressionBomb": {
        compressed(transport.encoding, answer.body, transport.inflatedBytes).then((bytes) => {
          if (stopped || response.destroyed) return
          counters.streamedBytes += bytes.length
          response.writeHead(answer.status, { ...answer.headers, "content-length": String(bytes.length) })
          response.end(bytes)
        }, () => {
          if (!stopped && !response.destroyed) response.writeHead(500).end()
        })
        return
      }
      case "Redirect": {
        if (transport.location !== undefined) {
          response.writeHead(answer.status, { ...answer.headers, location: transport.location })
          response.end(body)
          return
        }
        redirectTarget().then((other) => {
          if (stopped || response.destroyed) return
          let id = ids.get(counters)
          if (id === undefined) {
            id = other.register(counters)
            ids.set(counters, id)
          }
          const path = new URL(response.req.url ?? "/", "http://127.0.0.1").pathname
          const location = `http://127.0.0.1:${other.port}/followed/${id}${path}`
          response.writeHead(answer.status, { ...answer.headers, location })
          response.end(body)
        }, () => {
          if (!stopped && !response.destroyed) response.writeHead(500).end()
        })
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
