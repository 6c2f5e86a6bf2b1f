/**
 * The bundle-size floor: the same sign-in with global `fetch` (nothing to bundle but this file).
 */
const response = await fetch(`${process.argv[2]}/api/v2/users/signin`, {
  method: "POST",
  headers: {
    "x-plex-client-identifier": "effect-plex-bench",
    accept: "application/json",
    "content-type": "application/x-www-form-urlencoded"
  },
  body: new URLSearchParams({ login: "fake-owner", password: "owner-password" }).toString()
})
const user = await response.json() as { readonly username: string }
if (response.status !== 201) throw new Error(`status ${response.status}`)
console.log(`signed in as ${user.username}`)

export {}
