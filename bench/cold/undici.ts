/**
 * Cold start, raw undici: a new process, one `GET /api/v2/user`, the account parsed and checked.
 *   node bench/.out/cold/undici.mjs <baseUrl>
 */
import { request } from "undici"

const { body, statusCode } = await request(`${process.argv[2]}/api/v2/user`, {
  headers: {
    "x-plex-client-identifier": "effect-plex-bench",
    "x-plex-token": "FAKEtokenOwner000001",
    accept: "application/json"
  }
})
const user = JSON.parse(await body.text())
if (statusCode !== 200) throw new Error(`status ${statusCode}`)
console.log(`account ${user.id}`)
process.exit(0)
