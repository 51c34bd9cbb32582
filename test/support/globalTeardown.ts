export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as { __referralynxTestPostgres__?: { stop(): Promise<void> } }).__referralynxTestPostgres__;
  await server?.stop();
}
