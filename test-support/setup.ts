/**
 * Vitest setup for every project: captures what the code under test makes observable (the console,
 * every Effect log line, every span name, attribute, event and failure) and fails the test file if
 * any password or token of the fakes and tests shows up there. See secretScan.ts.
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as Exit from "effect/Exit"
import * as FiberRef from "effect/FiberRef"
import * as HashSet from "effect/HashSet"
import * as Logger from "effect/Logger"
import * as Tracer from "effect/Tracer"
import { format, inspect } from "node:util"
import { afterAll } from "vitest"
import { scan, takeLeaks } from "./secretScan.js"

const installed = Symbol.for("effect-plex/test-support/secret-scan")
const global = globalThis as { [installed]?: boolean }

const renderFailure = (cause: Cause.Cause<unknown>): string => {
  const parts = [Cause.pretty(cause)]
  for (const error of Cause.failures(cause)) {
    parts.push(String(error), inspect(error, { depth: 8 }))
    try {
      parts.push(JSON.stringify(error))
    } catch {
      // not serialisable: nothing to leak through JSON
    }
  }
  return parts.join("\n")
}

if (global[installed] !== true) {
  global[installed] = true

  // the console
  for (const method of ["log", "info", "warn", "error", "debug", "trace"] as const) {
    const original = console[method].bind(console)
    console[method] = (...args: Array<unknown>) => {
      scan(`console.${method}`, format(...args))
      original(...args)
    }
  }

  // every span: its name, attributes, events and how it ended
  const native = Context.get(DefaultServices.liveServices, Tracer.Tracer)
  const recording = Tracer.make({
    span: (name, parent, context, links, startTime, kind, options) => {
      const span = native.span(name, parent, context, links, startTime, kind, options)
      scan(`span name`, name)
      const attribute = span.attribute.bind(span)
      const event = span.event.bind(span)
      const end = span.end.bind(span)
      return Object.assign(span, {
        attribute: (key: string, value: unknown) => {
          scan(`span ${name} attribute ${key}`, `${key}=${typeof value === "string" ? value : inspect(value)}`)
          attribute(key, value)
        },
        event: (eventName: string, time: bigint, attributes?: Record<string, unknown>) => {
          scan(`span ${name} event`, `${eventName} ${inspect(attributes)}`)
          event(eventName, time, attributes)
        },
        end: (endTime: bigint, exit: Exit.Exit<unknown, unknown>) => {
          if (Exit.isFailure(exit)) scan(`span ${name} failure`, renderFailure(exit.cause))
          end(endTime, exit)
        }
      })
    },
    context: (f, fiber) => native.context(f, fiber)
  })
  const services = DefaultServices.currentServices as { initial: Context.Context<never> }
  services.initial = Context.add(services.initial, Tracer.Tracer, recording) as Context.Context<never>

  // every Effect log line, whatever the logger the test installs for printing
  const scanning = Logger.make(({ cause, logLevel, message }) => {
    scan(
      `log ${logLevel.label}`,
      `${format(...(Array.isArray(message) ? message : [message]))}\n${Cause.pretty(cause)}`
    )
  })
  const loggers = FiberRef.currentLoggers as { initial: HashSet.HashSet<Logger.Logger<unknown, unknown>> }
  loggers.initial = HashSet.add(loggers.initial, scanning)
}

afterAll(() => {
  const leaks = takeLeaks()
  if (leaks.length > 0) {
    throw new Error(
      `secret scan: a password or token reached observable output:\n${
        leaks.map((leak) => `  ${leak.where}: ${leak.matched.join(", ")}`).join("\n")
      }`
    )
  }
})
