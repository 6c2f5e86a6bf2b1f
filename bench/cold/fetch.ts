/**
 * Cold start, global `fetch`: a new process, one `GET /api/v2/user`, the account parsed and checked.
 *   node bench/.out/cold/fetch.mjs <baseUrl>
 */
const response = await fetch(`${process.argv[2]}/api/v2/user`, {
  headers: {
    "x-plex-client-identifier": "effect-plex-bench",
    "x-plex-token": "FAKEtokenOwner000001",
    accept: "application/json"
  }
})
const user = await response.json() as { readonly id: number }
if (response.status !== 200) throw new Error(`status ${response.status}`)
console.log(`account ${user.id}`)
process.exit(0)

export {}
