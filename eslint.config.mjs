// Lint as Effect's own repositories do: dprint formatting through @effect/eslint-plugin (its
// TypeScript plugin ships in the npm package, nothing is downloaded at run time), and no imports
// from the barrels of effect and @effect/platform inside the packages.
import * as effectEslint from "@effect/eslint-plugin"
import tseslint from "typescript-eslint"

export default tseslint.config(
  {
    ignores: [
      "**/dist/**",
      "**/node_modules/**",
      ".doc-examples/**",
      "**/docs/**",
      "bench/.out/**",
      "bench/tmp/**",
      ".scratch/**"
    ]
  },
  {
    files: ["**/*.ts", "**/*.mts", "**/*.js", "**/*.mjs"],
    languageOptions: { parser: tseslint.parser, ecmaVersion: "latest", sourceType: "module" }
  },
  ...effectEslint.configs.dprint,
  {
    files: ["**/*.ts", "**/*.mts", "**/*.js", "**/*.mjs"],
    rules: {
      "@effect/dprint": ["error", {
        config: {
          indentWidth: 2,
          lineWidth: 120,
          semiColons: "asi",
          quoteStyle: "alwaysDouble",
          trailingCommas: "never",
          operatorPosition: "maintain",
          "arrowFunction.useParentheses": "force",
          // the house order: effect and platform modules, node:, then the workspace's (STYLE.md)
          "module.sortImportDeclarations": "maintain",
          "module.sortExportDeclarations": "maintain"
        }
      }]
    }
  },
  {
    files: ["packages/*/src/**/*.ts"],
    rules: {
      "@effect/no-import-from-barrel-package": ["error", { packageNames: ["effect", "@effect/platform"] }]
    }
  },
  {
    // Files other people were editing when the formatting was applied (issue 13): formatted by
    // their owners with `pnpm lint:fix <file>`, then taken off this list.
    files: [
      "bench/decode.ts",
      "bench/run.ts",
      "bench/variants.ts",
      "examples/connect.ts",
      "examples/telemetry.ts",
      "examples/test/examples.test.ts",
      "examples/test/telemetry.test.ts",
      "packages/core/src/PlexError.ts",
      "packages/core/src/PlexJwtAuth.ts",
      "packages/core/src/PlexResources.ts",
      "packages/core/src/index.ts",
      "packages/core/src/internal/connect.ts",
      "packages/core/src/internal/executor.ts",
      "packages/core/src/internal/gate.ts",
      "packages/core/src/testing/PlexTvFake.ts",
      "packages/core/src/testing/PlexTvModel.ts",
      "packages/core/src/testing/index.ts",
      "packages/core/test/PlexError.test.ts",
      "packages/core/test/PlexJwtAuth.test.ts",
      "packages/core/test/PlexMetrics.test.ts",
      "packages/core/test/PlexTokenValidatorRaces.test.ts",
      "packages/core/test/connect.test.ts",
      "packages/core/test/jwtDeviceKey.test.ts",
      "packages/core/test/safeRetries.test.ts",
      "packages/node/src/internal/cli/credentialStore.ts",
      "packages/node/src/internal/cli/device.ts",
      "packages/node/src/internal/cli/environment.ts",
      "packages/node/src/internal/cli/home.ts",
      "packages/node/src/internal/cli/issued.ts",
      "packages/node/src/internal/cli/output.ts",
      "packages/node/src/internal/cli/resources.ts",
      "packages/node/src/internal/redisGate.ts",
      "packages/node/src/internal/redisLink.ts",
      "packages/node/src/internal/redisTokenCache.ts",
      "packages/node/src/testing/internal/cors.ts",
      "packages/node/test/Integration.test.ts",
      "packages/node/test/RedisFleet.test.ts",
      "packages/node/test/RedisStores.test.ts",
      "packages/node/test/connect.test.ts",
      "packages/node/test/cors.test.ts",
      "packages/node/test/fixtures/redisFleetWorker.ts",
      "packages/node/test/plex-auth-commands.test.ts",
      "packages/node/test/plex-auth.test.ts",
      "test-support/exits.ts",
      "test-support/redis.ts",
      "bench/redis.ts",
      "examples/browser/app.ts",
      "examples/browser/browser.test.ts",
      "packages/node/src/internal/credentialFile.ts",
      "packages/node/src/internal/plexAuthCommands.ts",
      "packages/node/test/plex-auth-terminal.test.ts",
      "packages/core/test/tokenCacheStore.test.ts"
    ],
    rules: { "@effect/dprint": "off" }
  }
)
