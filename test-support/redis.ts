/**
 * A real `redis-server` for the Redis tests: on 127.0.0.1, at a free port, without persistence,
 * stopped after. `scripts/ci/redis.sh` installs Debian's package where it is missing; where it
 * cannot be had the tests say so (`redisMissing`) and are skipped, never silently.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import * as Net from "node:net"

const which = (): string | undefined => {
  for (const candidate of ["redis-server", "/usr/bin/redis-server", "/usr/local/bin/redis-server"]) {
    try {
      execFileSync(candidate, ["--version"], { stdio: "ignore", timeout: 10_000 })
      return candidate
    } catch {
      // not this one
    }
  }
  return undefined
}

const binary = which()

/** `DEBUG SLEEP` (a slow Redis, for the tests) is off by default since Redis 7: on, for local clients. */
const debugCommand = (() => {
  if (binary === undefined) return []
  try {
    const version = execFileSync(binary, ["--version"], { encoding: "utf8", timeout: 10_000 })
    const major = Number(/v=(\d+)/.exec(version)?.[1] ?? "0")
    return major >= 7 ? ["--enable-debug-command", "local"] : []
  } catch {
    return []
  }
})()

/** Why the Redis tests cannot run here, or `undefined` when they can. */
export const redisMissing: string | undefined = binary === undefined
  ? "redis-server is not installed (run scripts/ci/redis.sh, or apt-get install redis-server): the Redis tests are SKIPPED"
  : undefined

if (redisMissing !== undefined) {
  // said once per test file that needs Redis, in the test output
  console.warn(`[effect-plex] ${redisMissing}`)
}

/** A free TCP port on 127.0.0.1. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = Net.createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() =>
        typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))
      )
    })
  })

const answers = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = Net.connect({ host: "127.0.0.1", port })
    let data = ""
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(500, () => done(false))
    socket.once("error", () => done(false))
    socket.once("connect", () => socket.write("PING\r\n"))
    socket.on("data", (chunk) => {
      data += chunk.toString("utf8")
      if (data.includes("\r\n")) done(data.startsWith("+PONG"))
    })
  })

export interface RedisServer {
  readonly port: number
  /** Kills it at once (SIGKILL): clients see the connection drop. */
  readonly kill: () => Promise<void>
  /** Starts it again on the same port, empty. */
  readonly restart: () => Promise<void>
  /** Stops it for good. */
  readonly stop: () => Promise<void>
}

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once("exit", () => resolve()))

/** Starts a `redis-server` on 127.0.0.1 at a free port and waits until it answers PING. */
export const startRedis = async (): Promise<RedisServer> => {
  if (binary === undefined) throw new Error(redisMissing)
  const port = await freePort()
  let child: ChildProcess | undefined
  const launch = async () => {
    const process = spawn(
      binary,
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", ...debugCommand],
      { stdio: "ignore" }
    )
    child = process
    const until = Date.now() + 20_000
    while (Date.now() < until) {
      if (process.exitCode !== null) throw new Error(`redis-server exited (${process.exitCode}) on port ${port}`)
      if (await answers(port)) return
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    process.kill("SIGKILL")
    throw new Error(`redis-server did not answer on port ${port} within 20 s`)
  }
  const kill = async () => {
    if (child === undefined) return
    const current = child
    child = undefined
    current.kill("SIGKILL")
    await exited(current)
  }
  await launch()
  return { port, kill, restart: launch, stop: kill }
}
