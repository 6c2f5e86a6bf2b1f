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
      "packages/core/src/internal/gate.ts",
      "packages/node/src/internal/redisGate.ts",
      "packages/node/src/internal/redisLink.ts",
      "packages/node/src/internal/redisTokenCache.ts",
      "packages/node/test/RedisFleet.test.ts",
      "packages/node/test/RedisStores.test.ts",
      "packages/node/test/fixtures/redisFleetWorker.ts",
      "test-support/redis.ts",
      "bench/redis.ts",
      "packages/core/test/tokenCacheStore.test.ts"
    ],
    rules: { "@effect/dprint": "off" }
  }
)
