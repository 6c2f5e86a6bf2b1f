import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    projects: ["packages/*", "examples"],
    // in CI, a JSON report as well, from which .ci/run prints the plain "N passed, N failed" line
    reporters: process.env.CI ? ["default", ["json", { outputFile: ".vitest/results.json" }]] : ["default"]
  }
})
