/**
 * The profiled run: the library variant (`effect-plex`, or the variant named) calling
 * `getTokenDetails` at concurrency 1 for a few seconds after a warm-up. Run by `run.ts --profile`
 * under `node --cpu-prof`; writes the measured window (process.hrtime in microseconds, the clock of
 * the profile's timestamps on Linux) to `<window.json>`, so the summary leaves out start-up and
 * warm-up.
 *
 *   node --cpu-prof bench/.out/js/bench/profile-target.js <baseUrl> <seconds> <window.json> [variant]
 */
import * as Fs from "node:fs"
import { variants } from "./variants.js"

const [baseUrl, seconds, windowFile, name = "effect-plex"] = process.argv.slice(2)
if (baseUrl === undefined || seconds === undefined || windowFile === undefined) {
  throw new Error("usage: profile-target.ts <baseUrl> <seconds> <window.json> [variant]")
}

const variant = variants.find((v) => v.name === name)
if (variant === undefined) throw new Error(`no variant ${name}`)
const target = await variant.make("getTokenDetails", baseUrl)
if (typeof target === "string") throw new Error(target)

const runFor = async (ms: number) => {
  let calls = 0
  const end = performance.now() + ms
  while (performance.now() < end) await target.call(calls++)
  return calls
}

await runFor(1_000)
const from = Number(process.hrtime.bigint() / 1000n)
const calls = await runFor(Number(seconds) * 1_000)
const to = Number(process.hrtime.bigint() / 1000n)
Fs.writeFileSync(windowFile, JSON.stringify({ from, to, calls }))
await target.close()
