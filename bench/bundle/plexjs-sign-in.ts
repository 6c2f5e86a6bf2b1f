/**
 * The bundle-size program on plexjs (`@lukehagar/plexjs` 0.39.0): sign in, print the account.
 */
import { PlexAPI } from "@lukehagar/plexjs"

const sdk = new PlexAPI({})
const response = await sdk.authentication.postUsersSignInData(
  { clientID: "effect-plex-bench", requestBody: { login: "fake-owner", password: "owner-password" } },
  { serverURL: `${process.argv[2]}/api/v2` }
)
if (response.statusCode !== 201) throw new Error(`status ${response.statusCode}`)
console.log(`signed in as ${response.userPlexAccount?.username}`)
