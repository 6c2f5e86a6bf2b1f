/**
 * The bundle-size baseline: the same sign-in with raw undici.
 */
import { request } from "undici"

const { body, statusCode } = await request(`${process.argv[2]}/api/v2/users/signin`, {
  method: "POST",
  headers: {
    "x-plex-client-identifier": "effect-plex-bench",
    accept: "application/json",
    "content-type": "application/x-www-form-urlencoded"
  },
  body: new URLSearchParams({ login: "fake-owner", password: "owner-password" }).toString()
})
const user = JSON.parse(await body.text())
if (statusCode !== 201) throw new Error(`status ${statusCode}`)
console.log(`signed in as ${user.username}`)
