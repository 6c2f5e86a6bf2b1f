/**
 * Test support: an in-memory plex.tv that behaves like the real one.
 *
 * @since 0.1.0
 */
export { FakeAccount, type FakeAccountOptions } from "./FakeAccount.js"
export { PlexTvFake, type PlexTvFakeService } from "./PlexTvFake.js"
export { type FakeLogEntry, type FakeRequest, type FakeResponse, type FakeToken } from "./PlexTvModel.js"
export { PlexTvModel, type PlexTvOptions, type PlexTvSettings, type PlexTvState } from "./PlexTvModel.js"
export { InMemoryKeyStore } from "./InMemoryKeyStore.js"
export { FakeFault, type FakeFaultPlan, type FakeFaultStep, type FakeFaultTag } from "./FakeFault.js"
export { type FakeTransport, type FakeTransportStats } from "./FakeFault.js"
export { type FakeMediaRequest, FakeMediaServer, type FakeMediaServerOptions } from "./FakeMediaServer.js"
export { type FakeMediaServerEntry } from "./FakeMediaServer.js"
