/**
 * The fault plan of the fake plex.tv, as pure data and functions: which requests misbehave and how.
 * The model decides the fault and describes it on the response (`transport`, `delayMillis`); each
 * front door performs it (`PlexTvFake` in memory, `PlexTvServer` on the socket).
 */
import { FakeFault as Faults } from "../FakeFault.js"
import type {
  FakeFault,
  FakeFaultPlan,
  FakeFaultTag,
  FakeRequest,
  FakeResponse,
  FakeTransport,
  FaultState,
  FaultStep,
  PlexTvState
} from "./types.js"

const {
  bombBytes: BOMB_BYTES,
  deepDepth: DEEP_DEPTH,
  dripMillis: DRIP_MILLIS,
  hugeBytes: HUGE_BYTES,
  markupBytes: MARKUP_BYTES
} = Faults.defaults
import {
  deepJson,
  escapeXml,
  hostileMarkup,
  jsonType,
  malformedJson,
  wantsJson,
  xmlDocument,
  xmlType
} from "./bodies.js"
import { matchPath } from "./route.js"

const ENDLESS: FakeTransport = { _tag: "EndlessBody", chunk: " ".repeat(1024), intervalMillis: 50 }

export const initialFaults = (plan: FakeFaultPlan = {}): FaultState => ({
  plan,
  steps: (plan.next ?? []).map((step) => ({
    fault: step.fault,
    remaining: step.times ?? (step.forMillis === undefined ? 1 : undefined),
    forMillis: step.forMillis,
    until: undefined
  })),
  rng: (plan.random?.seed ?? 0) | 0,
  injected: {}
})

/** mulberry32: a tiny deterministic PRNG whose whole state is one 32-bit number. */
const random = (seed: number): readonly [value: number, seed: number] => {
  const next = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(next ^ (next >>> 15), 1 | next)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return [((t ^ (t >>> 14)) >>> 0) / 4294967296, next]
}

const live = (step: FaultStep, now: number) =>
  (step.remaining === undefined || step.remaining > 0) && (step.until === undefined || now < step.until)

/** The fault for this request, if any, and the fault state after deciding it. */
const decide = (faults: FaultState, path: string, now: number): readonly [FakeFault | undefined, FaultState] => {
  const { plan } = faults
  if (plan.paths !== undefined && !plan.paths.some((pattern) => matchPath(pattern, path) !== undefined)) {
    return [undefined, faults]
  }
  const steps = faults.steps.filter((step) => live(step, now))
  const first = steps[0]
  if (first !== undefined) {
    const used: FaultStep = {
      ...first,
      remaining: first.remaining === undefined ? undefined : first.remaining - 1,
      until: first.until ?? (first.forMillis === undefined ? undefined : now + first.forMillis)
    }
    return [first.fault, { ...faults, steps: [used, ...steps.slice(1)].filter((step) => live(step, now)) }]
  }
  const unchanged = steps.length === faults.steps.length ? faults : { ...faults, steps }
  if (plan.random === undefined || plan.random.rate <= 0) return [undefined, unchanged]
  const [draw, afterDraw] = random(faults.rng)
  if (draw >= plan.random.rate) return [undefined, { ...unchanged, rng: afterDraw }]
  const choices = plan.random.faults ?? Faults.mix
  if (choices.length === 0) return [undefined, { ...unchanged, rng: afterDraw }]
  const [pick, afterPick] = random(afterDraw)
  return [choices[Math.floor(pick * choices.length)], { ...unchanged, rng: afterPick }]
}

// ---------------------------------------------------------------------------------------------
// Faulted answers

const html = (status: number) =>
  `<!DOCTYPE html>\n<html><head><title>${status} Error</title></head><body><h1>${status} Error</h1>` +
  `<p>The origin did not answer. Please try again in a few minutes.</p><hr><p>cdn-edge</p></body></html>\n`

const statusAnswer = (request: FakeRequest, status: number, retryAfter: number | string | undefined): FakeResponse => {
  const headers: Record<string, string> = retryAfter === undefined ? {} : { "retry-after": String(retryAfter) }
  const error = status === 429
    ? { code: 1003, message: "API rate limit exceeded", status }
    : { message: status >= 500 ? "Internal error" : "Error", status }
  return wantsJson(request)
    ? { status, headers: { ...headers, "content-type": jsonType }, body: JSON.stringify({ errors: [error] }) }
    : {
      status,
      headers: { ...headers, "content-type": xmlType },
      body: xmlDocument(
        `<errors><error${"code" in error ? ` code="${error.code}"` : ""} message="${
          escapeXml(error.message)
        }" status="${status}"/></errors>`
      )
    }
}

/** A success or failure whose body a front door cannot send on a 204 becomes a 200 with a JSON body. */
const withBody = (response: FakeResponse): FakeResponse =>
  response.status === 204 || response.status === 304
    ? { ...response, status: 200, headers: { ...response.headers, "content-type": jsonType }, body: "{}" }
    : response

const asXml = (response: FakeResponse): FakeResponse => {
  const type = response.headers["content-type"] ?? ""
  if (response.body === "" || type.includes("xml")) return response
  return {
    ...response,
    headers: { ...response.headers, "content-type": xmlType },
    body: xmlDocument(`<MediaContainer size="0" status="${response.status}"/>`)
  }
}

const xmlRequest = (request: FakeRequest): FakeRequest => ({
  ...request,
  headers: { ...request.headers, accept: "application/xml" }
})

type Run = (state: PlexTvState, request: FakeRequest) => readonly [FakeResponse, PlexTvState]

const count = (faults: FaultState, tag: FakeFaultTag): FaultState => ({
  ...faults,
  injected: { ...faults.injected, [tag]: (faults.injected[tag] ?? 0) + 1 }
})

/**
 * Answers a request under the state's fault plan: edge faults (a status, an HTML page, a huge body)
 * answer without reaching plex.tv's routes; the others let the route run (its effects happen, as
 * when a connection breaks after the server acted) and spoil its answer.
 */
export const withFaults = (
  state: PlexTvState,
  request: FakeRequest,
  path: string,
  now: number,
  run: Run
): readonly [FakeResponse, PlexTvState, FakeFaultTag | undefined] => {
  const latency = state.faults.plan.latencyMillis ?? 0
  const [fault, decided] = decide(state.faults, path, now)
  const delayed = (response: FakeResponse, extra = 0): FakeResponse =>
    latency + extra > 0 ? { ...response, delayMillis: latency + extra } : response
  if (fault === undefined) {
    const [response, next] = run(decided === state.faults ? state : { ...state, faults: decided }, request)
    return [delayed(response), next, undefined]
  }
  const before: PlexTvState = { ...state, faults: count(decided, fault._tag) }
  switch (fault._tag) {
    case "Status":
      return [delayed(statusAnswer(request, fault.status, fault.retryAfter)), before, fault._tag]
    case "HtmlErrorPage": {
      const status = fault.status ?? 502
      return [
        delayed({ status, headers: { "content-type": "text/html; charset=utf-8" }, body: html(status) }),
        before,
        fault._tag
      ]
    }
    case "HugeBody": {
      const bytes = fault.bytes ?? HUGE_BYTES
      const contentLength = fault.contentLength ?? true
      const response: FakeResponse = {
        status: fault.status ?? 200,
        headers: { "content-type": jsonType, ...(contentLength ? { "content-length": String(bytes) } : {}) },
        body: "{\"filler\":\"",
        transport: { _tag: "HugeBody", bytes, contentLength }
      }
      return [delayed(response), before, fault._tag]
    }
    case "XmlBody": {
      const [response, next] = run(before, xmlRequest(request))
      return [delayed(asXml(response)), next, fault._tag]
    }
    case "TruncatedJson": {
      const [response, next] = run(before, request)
      const body = response.body.slice(0, Math.floor(response.body.length / 2))
      return [delayed({ ...withBody(response), body: body === "" ? "{\"" : body }), next, fault._tag]
    }
    case "ResetBeforeResponse": {
      const [response, next] = run(before, request)
      return [delayed({ ...response, transport: { _tag: "ResetBeforeResponse" } }), next, fault._tag]
    }
    case "ResetMidBody": {
      const [response, next] = run(before, request)
      return [delayed({ ...withBody(response), transport: { _tag: "ResetMidBody" } }), next, fault._tag]
    }
    case "EndlessBody": {
      const [response, next] = run(before, request)
      return [delayed({ ...withBody(response), transport: ENDLESS }), next, fault._tag]
    }
    case "HeadersThenSilence": {
      const [response, next] = run(before, request)
      return [delayed({ ...withBody(response), transport: { _tag: "HeadersThenSilence" } }), next, fault._tag]
    }
    case "Delay": {
      const [response, next] = run(before, request)
      return [delayed(response, fault.millis), next, fault._tag]
    }
    case "HostileMarkup": {
      const type = fault.contentType === "xml" ? "application/xml; charset=utf-8" : "text/html; charset=utf-8"
      const body = hostileMarkup(fault.pattern, fault.contentType, fault.bytes ?? MARKUP_BYTES)
      return [delayed({ status: fault.status, headers: { "content-type": type }, body }), before, fault._tag]
    }
    case "DeepJson": {
      const body = deepJson(fault.shape, fault.depth ?? DEEP_DEPTH, fault.status >= 300)
      return [delayed({ status: fault.status, headers: { "content-type": jsonType }, body }), before, fault._tag]
    }
    case "MalformedJson": {
      const body = malformedJson(fault.status >= 300)
      return [delayed({ status: fault.status, headers: { "content-type": jsonType }, body }), before, fault._tag]
    }
    case "SlowDrip": {
      const [response, next] = run(before, request)
      const transport: FakeTransport = { _tag: "SlowDrip", intervalMillis: fault.intervalMillis ?? DRIP_MILLIS }
      return [delayed({ ...withBody(response), transport }), next, fault._tag]
    }
    case "CompressionBomb": {
      const response: FakeResponse = {
        status: 200,
        headers: { "content-type": jsonType, "content-encoding": fault.encoding },
        body: "{\"filler\":\"",
        transport: {
          _tag: "CompressionBomb",
          encoding: fault.encoding,
          inflatedBytes: fault.inflatedBytes ?? BOMB_BYTES
        }
      }
      return [delayed(response), before, fault._tag]
    }
    case "Redirect": {
      const response: FakeResponse = {
        status: fault.status,
        headers: {
          "content-type": "text/html; charset=utf-8",
          ...(fault.location === undefined ? {} : { location: fault.location })
        },
        body: "<html><body>Moved</body></html>",
        transport: { _tag: "Redirect", location: fault.location }
      }
      return [delayed(response), before, fault._tag]
    }
  }
}
