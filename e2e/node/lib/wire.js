// A recorder of the AWS JSON exchanges the client libraries make through the
// global fetch (amazon-cognito-identity-js and Amplify both call it). Tests use
// it to report the exact request and response when something fails, and to
// notice an UnsupportedOperationException that a library swallowed (Amplify's
// signOut ignores errors from RevokeToken and GlobalSignOut, for example).
const exchanges = [];
let installed = false;

export function installWireRecorder() {
  if (installed) return;
  installed = true;
  const original = globalThis.fetch;
  globalThis.fetch = async function recordingFetch(input, init) {
    const res = await original(input, init);
    try {
      const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
      const target = headers.get('x-amz-target');
      if (target) {
        const response = await res.clone().text();
        exchanges.push({ operation: target.split('.').pop(), request: typeof init?.body === 'string' ? init.body : '', status: res.status, response });
      }
    } catch {
      // recording must never change what the library sees
    }
    return res;
  };
}

// mark returns a position; since(mark) returns the exchanges after it.
export function mark() { return exchanges.length; }
export function since(position) { return exchanges.slice(position); }

// errorType returns the __type of a recorded error response, or ''.
export function errorType(ex) {
  if (ex.status < 400) return '';
  try { return String(JSON.parse(ex.response).__type ?? '').split('#').pop(); } catch { return ''; }
}

// describe renders exchanges for a failure report, shortening long values (tokens).
export function describe(list) {
  const shorten = (s) => s.replace(/"([A-Za-z0-9_\-=+/.]{120,})"/g, (_, v) => `"${v.slice(0, 24)}…(${v.length} chars)"`);
  return list.map((ex) => `${ex.operation} ${shorten(ex.request)}\n  → ${ex.status} ${shorten(ex.response)}`).join('\n');
}

// responses returns the parsed JSON responses to operation among the
// exchanges after position, oldest first.
export function responses(operation, position = 0) {
  return since(position).filter((ex) => ex.operation === operation).map((ex) => JSON.parse(ex.response));
}

// requests returns the parsed JSON requests of operation after position.
export function requests(operation, position = 0) {
  return since(position).filter((ex) => ex.operation === operation).map((ex) => JSON.parse(ex.request));
}
