#!/usr/bin/env node
// The plex-auth command: dist/bin/plex-auth.js is a bundle made by `pnpm build` (it carries its own
// @effect/cli and @effect/platform-node). This file exists before the build, so installing the
// workspace links the command without a "Failed to create bin" warning.
import("../dist/bin/plex-auth.js").catch((error) => {
  if (error?.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("dist/bin/plex-auth.js")) {
    process.stderr.write("plex-auth: not built yet: run `pnpm build` (or `pnpm plex-auth` to run it from source)\n")
    process.exit(1)
  }
  throw error
})
