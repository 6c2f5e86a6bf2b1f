/**
 * Cold start, plexjs: a new process, `@lukehagar/plexjs` loaded, one `getTokenDetails` against the
 * given base URL, the account zod-decoded and checked.
 *   node bench/.out/js/bench/cold/plexjs.js <baseUrl>
 */
import { PlexAPI } from "@lukehagar/plexjs"

const sdk = new PlexAPI({ accessToken: "FAKEtokenOwner000001" })
const response = await sdk.authentication.getTokenDetails({
  serverURL: `${process.argv[2]}/api/v2`,
  headers: { "X-Plex-Client-Identifier": "effect-plex-bench" }
})
if (response.statusCode !== 200) throw new Error(`status ${response.statusCode}`)
console.log(`account ${response.userPlexAccount?.id}`)
process.exit(0)
