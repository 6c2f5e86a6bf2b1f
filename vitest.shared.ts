import { defineConfig } from "vitest/config"

/** Workspace packages resolve to their TypeScript sources through the "@effect-plex/source" condition. */
export const shared = defineConfig({
  resolve: { conditions: ["@effect-plex/source"] },
  ssr: { resolve: { conditions: ["@effect-plex/source"] } },
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: [new URL("./test-support/setup.ts", import.meta.url).pathname],
    // generous: a test asserts behaviour, never speed, and a loaded 2-core machine runs a property
    // test of 200 cases up to ten times slower than a quiet one (seen: 2.4 s quiet, 30 s loaded)
    testTimeout: 120_000,
    hookTimeout: 120_000
  }
})
