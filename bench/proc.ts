/**
 * Child processes of the bench: plain `node` on a script (the compiled copy of a bench entry point,
 * see `build.ts`), talked to over IPC one message at a time.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

export const benchDir = Path.dirname(fileURLToPath(import.meta.url))
export const rootDir = Path.dirname(benchDir)
/** Build outputs, profiles: gitignored. */
export const outDir = Path.join(benchDir, ".out")

/** A child answering each message with one message. */
export interface Child<In, Out> {
  readonly process: ChildProcess
  readonly ask: (message: In) => Promise<Out>
  readonly tell: (message: In) => void
}

export const startChild = <In, Out>(
  file: string,
  options: { readonly args?: ReadonlyArray<string>; readonly execArgv?: ReadonlyArray<string> } = {}
): Child<In, Out> => {
  const child = spawn(process.execPath, [...(options.execArgv ?? []), file, ...(options.args ?? [])], {
    cwd: rootDir,
    stdio: ["ignore", "pipe", "inherit", "ipc"]
  })
  let pending: { resolve: (out: Out) => void; reject: (error: Error) => void } | undefined
  child.on("message", (message) => {
    const current = pending
    pending = undefined
    current?.resolve(message as Out)
  })
  child.on("exit", (code, signal) => {
    const current = pending
    pending = undefined
    current?.reject(new Error(`${file} exited (${signal ?? code}) while a message was pending`))
  })
  return {
    process: child,
    ask: (message) =>
      new Promise<Out>((resolve, reject) => {
        if (pending !== undefined) return reject(new Error(`${file}: one message at a time`))
        pending = { resolve, reject }
        child.send(message as object)
      }),
    tell: (message) => {
      if (child.connected) child.send(message as object)
    }
  }
}

/** The first line a child prints on stdout. */
export const firstLine = (child: ChildProcess, what: string): Promise<string> =>
  new Promise((resolve, reject) => {
    let buffer = ""
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString("utf8")
      const end = buffer.indexOf("\n")
      if (end >= 0) {
        child.stdout!.off("data", onData)
        resolve(buffer.slice(0, end).trim())
      }
    }
    child.stdout!.on("data", onData)
    child.once("exit", (code) => reject(new Error(`${what} exited (${code}) before printing a line`)))
  })

/** Waits for a child to end, killing it after `ms`. */
export const waitExit = (child: ChildProcess, ms = 5_000): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    const timer = setTimeout(() => child.kill("SIGKILL"), ms)
    child.once("exit", () => {
      clearTimeout(timer)
      resolve()
    })
  })
