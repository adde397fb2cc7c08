// Amplify v6 in Node: configuration pointed at the server, with tokens kept in
// an in-memory key-value storage. Amplify is a per-process singleton and node
// --test runs each file in its own process, so configure once per file.
import { Amplify } from 'aws-amplify';
import { cognitoUserPoolsTokenProvider } from 'aws-amplify/auth/cognito';
import { ConsoleLogger } from 'aws-amplify/utils';
import { endpoint as defaultEndpoint } from './env.js';
import { AsyncMemoryStorage } from './storage.js';
import { installWireRecorder } from './wire.js';

// Amplify names a new device from navigator.userAgent before ConfirmDevice
// and silently skips device confirmation when that throws. Node 20 has no
// global navigator (Node 21+ does), so give it the browser's minimum.
if (typeof globalThis.navigator === 'undefined') {
  globalThis.navigator = { userAgent: `userpoold-e2e (Node.js ${process.version})` };
}

// Amplify warns on every configure that userPoolEndpoint is a custom endpoint;
// that is the point here. Errors still print.
ConsoleLogger.LOG_LEVEL = 'ERROR';

export function configureAmplify(ctx, { storage = new AsyncMemoryStorage(), endpoint = defaultEndpoint } = {}) {
  installWireRecorder();
  Amplify.configure({
    Auth: {
      Cognito: {
        userPoolId: ctx.userPoolId,
        userPoolClientId: ctx.clientId,
        userPoolEndpoint: endpoint,
      },
    },
  });
  cognitoUserPoolsTokenProvider.setKeyValueStorage(storage);
  return storage;
}
