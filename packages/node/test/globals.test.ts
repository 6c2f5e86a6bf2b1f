/**
 * Importing any entry point of effect-plex changes nothing global: not the process-wide dispatcher
 * of Node's own `fetch` (`Symbol.for("undici.globalDispatcher.1")`, which importing the `undici`
 * package sets), not `fetch` or any other global, not the listeners of `process`. Each import runs in
 * a child process of its own, so no module cached by this test runner can hide a side effect.
 */
import { assert, describe, it } from "@effect/vitest"
import * as ChildProcess from "node:child_process"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

const packageDir = Path.resolve(fileURLToPath(new URL("..", import.meta.url)))

/**
 * The child: serves gzip with `Connection: close` on 127.0.0.1, takes a snapshot of every own
 * property of `globalThis` (descriptors compared with `Object.is`) and of the listeners of
 * `process`, imports the entry point, and compares. Then the application's own `fetch` must still
 * read the gzip answer. With `client`, the lean undici client of `@effect-plex/node` makes a request
 * as well, and nothing global may have changed after that either.
 */
const child = String.raw`
import { createServer } from "node:http"
import { gzipSync } from "node:zlib"

const [entry, prime, client] = process.argv.slice(1)

const body = gzipSync(JSON.stringify({ ok: true, padding: "x".repeat(8192) }))
const server = createServer((request, response) => {
  request.resume()
  response.writeHead(200, {
    "content-type": "application/json",
    "content-encoding": "gzip",
    "content-length": String(body.length),
    connection: "close"
  })
  response.end(body)
})
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve))
const url = "http://127.0.0.1:" + server.address().port + "/"

const appFetch = async () => {
  const answer = await fetch(url)
  const json = await answer.json()
  return answer.status === 200 && json.ok === true
}

const events = [
  "exit", "beforeExit", "uncaughtException", "uncaughtExceptionMonitor", "unhandledRejection",
  "rejectionHandled", "warning", "SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "SIGUSR2", "message",
  "disconnect", "newListener", "removeListener", "worker"
]

// The effect library's own bookkeeping ("effect/GlobalValue", its store of single instances, and
// "effect/FiberCurrent") is on globalThis in every program that uses Effect: left out.
const ours = (key) => typeof key !== "string" || !key.startsWith("effect/")

const snapshot = () => ({
  globals: new Map(
    Reflect.ownKeys(globalThis).filter(ours).map((key) => [key, Object.getOwnPropertyDescriptor(globalThis, key)])
  ),
  dispatchers: Object.getOwnPropertySymbols(globalThis)
    .filter((key) => String(key.description).startsWith("undici"))
    .map((key) => [key, globalThis[key]]),
  eventNames: process.eventNames(),
  listeners: new Map([...new Set([...events, ...process.eventNames()])].map((name) => [name, process.listeners(name)]))
})

const same = (a, b) =>
  a !== undefined && b !== undefined && Object.is(a.value, b.value) && a.get === b.get && a.set === b.set &&
  a.writable === b.writable && a.enumerable === b.enumerable && a.configurable === b.configurable

const changes = (before, after) => {
  const out = []
  for (const key of new Set([...before.globals.keys(), ...after.globals.keys()])) {
    if (!same(before.globals.get(key), after.globals.get(key))) out.push("globalThis[" + String(key) + "]")
  }
  const names = (dispatchers) => dispatchers.map(([key]) => key.description).join(",")
  if (names(before.dispatchers) !== names(after.dispatchers) ||
      before.dispatchers.some(([key, value]) => globalThis[key] !== value)) {
    out.push("undici symbols: " + names(after.dispatchers))
  }
  const sameList = (a, b) => a.length === b.length && a.every((item, i) => b[i] === item)
  if (!sameList(before.eventNames, after.eventNames)) {
    out.push("process.eventNames: " + after.eventNames.map(String).join(","))
  }
  for (const name of new Set([...before.listeners.keys(), ...after.listeners.keys()])) {
    const a = before.listeners.get(name) ?? process.listeners(name)
    const b = after.listeners.get(name) ?? process.listeners(name)
    if (!sameList(a, b)) out.push("process listeners of " + String(name))
  }
  return out
}

const result = { changes: [], fetchBefore: null, fetchAfter: [], clientStatus: null }
if (prime === "prime") result.fetchBefore = await appFetch() // Node's fetch has set its own dispatcher
const before = snapshot()
const module = await import(entry)
result.changes.push(...changes(before, snapshot()))
result.fetchAfter.push(await appFetch(), await appFetch())

if (client === "client") {
  // the application's fetch has run by now: Node's lazy globals (AbortController, …) are loaded
  const beforeRequest = snapshot()
  const Effect = await import("effect/Effect")
  const HttpClient = await import("@effect/platform/HttpClient")
  const request = Effect.flatMap(HttpClient.HttpClient, (http) => Effect.flatMap(http.get(url), (response) =>
    Effect.as(response.arrayBuffer, response.status)))
  result.clientStatus = await Effect.runPromise(Effect.provide(request, module.PlexNode.layerHttpClient))
  result.changes.push(...changes(beforeRequest, snapshot()).map((change) => "after a request: " + change))
  result.fetchAfter.push(await appFetch())
}
server.close()
console.log("RESULT " + JSON.stringify(result))
`

interface Result {
  readonly changes: ReadonlyArray<string>
  readonly fetchBefore: boolean | null
  readonly fetchAfter: ReadonlyArray<boolean>
  readonly clientStatus: number | null
}

const run = (args: ReadonlyArray<string>) =>
  new Promise<Result>((resolve, reject) => {
    ChildProcess.execFile(
      process.execPath,
      ["--conditions=@effect-plex/source", "--import", "tsx", "--input-type=module", "--eval", child, ...args],
      { cwd: packageDir, timeout: 90_000 },
      (error, stdout, stderr) => {
        const line = stdout.split("\n").find((candidate) => candidate.startsWith("RESULT "))
        if (error !== null || line === undefined) {
          return reject(new Error(`child failed: ${String(error)}\nstdout: ${stdout}\nstderr: ${stderr}`))
        }
        resolve(JSON.parse(line.slice("RESULT ".length)) as Result)
      }
    )
  })

const entryPoints = ["@effect-plex/core", "@effect-plex/core/testing", "@effect-plex/node", "@effect-plex/node/testing"]

describe("importing effect-plex changes nothing global", () => {
  for (const entry of entryPoints) {
    it(`import "${entry}": same globals, undici dispatchers and process listeners; fetch still works`, async () => {
      const result = await run([entry, "fresh", "none"])
      assert.deepStrictEqual(result.changes, [])
      assert.deepStrictEqual(result.fetchAfter, [true, true])
    }, 120_000)
  }

  it("when the application's fetch ran first, its dispatcher stays the one in use", async () => {
    const result = await run(["@effect-plex/node", "prime", "none"])
    assert.strictEqual(result.fetchBefore, true)
    assert.deepStrictEqual(result.changes, [])
    assert.deepStrictEqual(result.fetchAfter, [true, true])
  }, 120_000)

  it("the lean undici client of PlexNode works and leaves the globals alone too", async () => {
    for (const prime of ["fresh", "prime"]) {
      const result = await run(["@effect-plex/node", prime, "client"])
      assert.strictEqual(result.clientStatus, 200)
      assert.deepStrictEqual(result.changes, [])
      assert.deepStrictEqual(result.fetchAfter, [true, true, true])
    }
  }, 240_000)
})
