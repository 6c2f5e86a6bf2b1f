/**
 * One variant doing one operation, in a process of its own (so its CPU time and RSS are its own
 * and it shares no event loop with the server). Started by `run.ts` with an IPC channel: `init`
 * sets the variant up, each `run` is one round of `concurrency` workers issuing calls back to back
 * for `durationMs` (or, for a target that runs batches, batches of calls back to back), answered
 * with the round's figures.
 */
import { performance } from "node:perf_hooks"
import type { FromWorker, RoundResult, ToWorker } from "./shared.js"
import { quantile } from "./shared.js"
import { type Target, variants } from "./variants.js"

const send = (message: FromWorker) => process.send!(message)

/** Calls per batch, for a target that runs batches (`Target.batch`). */
const BATCH = 4096

const round = async (
  target: Target,
  concurrency: number,
  durationMs: number,
  resources: boolean,
  next: { i: number }
): Promise<RoundResult> => {
  const latencies: Array<number> = []
  const timeLatency = concurrency === 1
  let calls = 0
  let stop = false
  let rssPeak = 0
  const sample = () => {
    const rss = process.memoryUsage.rss()
    if (rss > rssPeak) rssPeak = rss
  }
  const sampler = resources ? setInterval(sample, 10) : undefined
  // The clock, not only the timer, ends a round: a call that settles synchronously (a cache hit)
  // never lets a timer run; every 1,024 calls the loop also yields so the RSS sampler can run.
  let deadline = Number.POSITIVE_INFINITY
  const loop = async () => {
    while (!stop && performance.now() < deadline) {
      if ((next.i & 1023) === 0) await new Promise<void>((resolve) => setImmediate(resolve))
      const i = next.i++
      if (timeLatency) {
        const start = performance.now()
        await target.call(i)
        latencies.push(performance.now() - start)
      } else {
        await target.call(i)
      }
      calls++
    }
  }
  // a target that runs batches (one Effect program each): batches back to back until the time is up
  const batches = async (batch: NonNullable<Target["batch"]>) => {
    while (!stop && performance.now() < deadline) {
      const from = next.i
      next.i += BATCH
      await batch(from, BATCH, concurrency)
      calls += BATCH
      await new Promise<void>((resolve) => setImmediate(resolve)) // lets the RSS sampler run
    }
  }
  const cpu0 = process.cpuUsage()
  const start = performance.now()
  deadline = start + durationMs
  const timer = setTimeout(() => {
    stop = true
  }, durationMs)
  try {
    if (target.batch !== undefined && !timeLatency) await batches(target.batch)
    else await Promise.all(Array.from({ length: concurrency }, loop))
  } finally {
    clearTimeout(timer)
    if (sampler !== undefined) clearInterval(sampler)
    stop = true
  }
  const elapsedMs = performance.now() - start
  const cpu = process.cpuUsage(cpu0)
  if (resources) sample()
  latencies.sort((a, b) => a - b)
  return {
    calls,
    elapsedMs,
    p50Ms: timeLatency ? quantile(latencies, 0.5) : undefined,
    p99Ms: timeLatency ? quantile(latencies, 0.99) : undefined,
    cpuMicrosPerCall: (cpu.user + cpu.system) / calls,
    rssPeak: resources ? rssPeak : undefined,
    maxRss: resources ? process.resourceUsage().maxRSS * 1024 : undefined
  }
}

let target: Target | undefined
const next = { i: 0 }

process.on("message", (message: ToWorker) => {
  const handle = async () => {
    switch (message.type) {
      case "init": {
        const variant = variants.find((v) => v.name === message.variant)
        if (variant === undefined) throw new Error(`no variant ${message.variant}`)
        const made = await variant.make(message.op, message.baseUrl)
        if (typeof made === "string") return send({ type: "skip", reason: made })
        target = made
        await target.call(next.i++) // fails here, before any measurement, if the variant is broken
        return send({ type: "ready" })
      }
      case "run": {
        if (target === undefined) throw new Error("not initialised")
        const result = await round(target, message.concurrency, message.durationMs, message.resources, next)
        return send({ type: "result", ...result })
      }
      case "exit": {
        await target?.close()
        process.exit(0)
      }
    }
  }
  handle().catch((error: unknown) => {
    send({ type: "error", message: error instanceof Error ? error.stack ?? error.message : String(error) })
  })
})

process.on("disconnect", () => process.exit(0))
