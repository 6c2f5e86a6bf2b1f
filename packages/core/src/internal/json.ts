import * as Option from "effect/Option"

/**
 * JSON parsing that cannot stall the event loop. `JSON.parse` is linear but not cheap on hostile
 * shapes: 4 MiB of nested brackets takes most of a second, and an object with hundreds of
 * thousands of keys a third of one. No plex.tv answer is nested more than a few levels or holds
 * more than a few thousand members, so a large body is first scanned (one pass, a few ms for
 * 4 MiB) and refused when it is deeper or fuller than these limits.
 */

/** Bodies shorter than this are parsed at once: whatever their shape, they parse in well under a millisecond or so. */
const scanFrom = 64 * 1024
/** Nesting depth allowed in a large body. */
export const maxDepth = 64
/** Members (array elements or object entries) allowed in one array or object of a large body. */
export const maxMembers = 5_000
/** Members allowed in all of a large body. */
export const maxTotalMembers = 50_000

/** True when the text is a large body nested deeper or fuller than any plex.tv answer. */
export const tooComplex = (text: string): boolean => {
  const length = text.length
  if (length < scanFrom) return false
  const members: Array<number> = [0]
  let depth = 0
  let total = 0
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i)
    if (c === 34) { // a string: skip to its closing quote
      for (i++; i < length; i++) {
        const d = text.charCodeAt(i)
        if (d === 92) i++
        else if (d === 34) break
      }
    } else if (c === 91 || c === 123) { // [ {
      if (++depth > maxDepth) return true
      members[depth] = 0
    } else if (c === 93 || c === 125) { // ] }
      if (depth > 0) depth--
    } else if (c === 44) { // ,
      if (++members[depth]! > maxMembers || ++total > maxTotalMembers) return true
    }
  }
  return false
}

/** `JSON.parse`, `None` for anything that is not JSON. Only for text that passed `tooComplex`. */
export const parseJson = (text: string): Option.Option<unknown> => {
  try {
    return Option.some(JSON.parse(text))
  } catch {
    return Option.none()
  }
}
