import { defineConfig } from "vitest/config"

/** Workspace packages resolve to their TypeScript sources through the "@effect-plex/source" condition. */
export const shared = defineConfig({
  resolve: { conditions: ["@effect-plex/source"] },
  ssr: { resolve: { conditions: ["@effect-plex/source"] } },
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: [new URL("./test-support/setup.ts", import.meta.url).pathname],
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
})
