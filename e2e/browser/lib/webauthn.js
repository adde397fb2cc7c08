// Chromium's WebAuthn virtual authenticator, through the DevTools protocol
// (https://chromedevtools.github.io/devtools-protocol/tot/WebAuthn/): a
// platform authenticator (ctap2, internal transport) with resident keys and
// user verification, which answers navigator.credentials.create() and
// .get() on the page without any UI.
export async function addVirtualAuthenticator(page, options = {}) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
      ...options,
    },
  });
  return {
    id: authenticatorId,
    cdp,
    // credentials lists what the authenticator holds (credentialId,
    // rpId, userHandle, signCount, isResidentCredential, ...).
    credentials: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials,
    setUserVerified: (isUserVerified) => cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified }),
    remove: () => cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId }),
  };
}
