import type * as ParseResult from "effect/ParseResult"

/** Schema decode failures reduced to where they are, never what was there. */

const maxPaths = 10
const maxSegments = 12
const maxSegment = 40

const segment = (key: PropertyKey): string => {
  const text = typeof key === "symbol" ? "(symbol)" : String(key)
  return text.length > maxSegment ? `${text.slice(0, maxSegment)}…` : text
}

/**
 * Failing paths such as `"id"` or `"subscription.status"`, never the values: at most 10, each at
 * most 12 keys deep. It walks the issue tree with a stack of its own, so an input nested
 * thousands deep neither overflows the call stack nor makes a long message (Schema's own
 * formatters recurse into the input and print it).
 */
export const issuePaths = (error: ParseResult.ParseError): ReadonlyArray<string> => {
  const out = new Set<string>()
  const stack: Array<readonly [ParseResult.ParseIssue, ReadonlyArray<string>]> = [[error.issue, []]]
  let visited = 0
  while (stack.length > 0 && out.size < maxPaths && visited++ < 10_000) {
    const [issue, path] = stack.pop()!
    switch (issue._tag) {
      case "Pointer": {
        const keys: ReadonlyArray<PropertyKey> = Array.isArray(issue.path) ? issue.path : [issue.path as PropertyKey]
        stack.push([
          issue.issue,
          path.length >= maxSegments ? path : [...path, ...keys.map(segment)].slice(0, maxSegments)
        ])
        break
      }
      case "Composite": {
        const issues: ReadonlyArray<ParseResult.ParseIssue> = Array.isArray(issue.issues)
          ? issue.issues
          : [issue.issues as ParseResult.ParseIssue]
        for (let i = Math.min(issues.length, 50) - 1; i >= 0; i--) stack.push([issues[i]!, path])
        break
      }
      case "Refinement":
      case "Transformation":
        stack.push([issue.issue, path])
        break
      default:
        out.add(path.length > 0 ? path.join(".") : "(root)")
    }
  }
  return out.size > 0 ? [...out] : ["(root)"]
}
