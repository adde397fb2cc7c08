// A small Lambda Invoke API endpoint for the end-to-end tests of Lambda
// triggers: userpoold's --lambda-endpoint points here, and the functions are
// plain JavaScript handlers written as for Node.js Lambda
// (async (event) => event).
//
//   POST /2015-03-31/functions/<FunctionName>/invocations
//
// FunctionName may be a plain name, name:qualifier, a partial ARN
// (123456789012:function:name) or a full ARN; the handler is looked up by
// the function name. X-Amz-Invocation-Type Event runs the handler and
// answers 202; a thrown error answers 200 with X-Amz-Function-Error:
// Unhandled and {errorType, errorMessage, stackTrace}, as Lambda does; an
// unknown function answers 404 ResourceNotFoundException.
//
// Library use:
//   const lambda = await startLambdaEndpoint({ PreTokenGeneration: async (e) => e });
//   lambda.url; lambda.invocations; lambda.setHandler(name, fn); await lambda.close();
//
// Command-line use (prints the URL as the first line of stdout):
//   node lib/lambda-endpoint.js lib/trigger-handlers.js
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const invokePath = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

// functionName resolves an Invoke path's FunctionName to {name, qualifier}.
export function functionName(pathName) {
  const parts = pathName.split(':');
  if (parts.length >= 7 && parts[0] === 'arn' && parts[5] === 'function') {
    return { name: parts[6], qualifier: parts[7] ?? '' };
  }
  if (parts.length >= 3 && parts[1] === 'function') {
    return { name: parts[2], qualifier: parts[3] ?? '' };
  }
  return { name: parts[0], qualifier: parts[1] ?? '' };
}

export async function startLambdaEndpoint(functions = {}, { port = 0, host = '127.0.0.1' } = {}) {
  const handlers = new Map(Object.entries(functions));
  const invocations = [];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const match = req.method === 'POST' && invokePath.exec(url.pathname);
    if (!match) {
      res.writeHead(404, { 'Content-Type': 'application/json', 'X-Amzn-ErrorType': 'UnknownOperationException' });
      res.end(JSON.stringify({ message: `no route for ${req.method} ${url.pathname}` }));
      return;
    }
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks).toString('utf8');
    const pathName = decodeURIComponent(match[1]);
    const { name, qualifier } = functionName(pathName);
    const type = req.headers['x-amz-invocation-type'] || 'RequestResponse';
    let event;
    try {
      event = body ? JSON.parse(body) : null;
    } catch {
      res.writeHead(400, { 'Content-Type': 'application/json', 'X-Amzn-ErrorType': 'InvalidRequestContentException' });
      res.end(JSON.stringify({ Type: 'User', message: 'Could not parse request body into json' }));
      return;
    }
    invocations.push({
      name, pathName, qualifier: url.searchParams.get('Qualifier') || qualifier, type,
      authorization: req.headers.authorization || '', event,
    });
    const handler = handlers.get(name);
    if (!handler) {
      res.writeHead(404, { 'Content-Type': 'application/json', 'X-Amzn-ErrorType': 'ResourceNotFoundException' });
      res.end(JSON.stringify({ Type: 'User', message: `Function not found: ${pathName}` }));
      return;
    }
    try {
      const result = await handler(event, { functionName: name, invokedFunctionArn: pathName });
      if (type === 'Event') {
        res.writeHead(202);
        res.end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(result === undefined ? 'null' : JSON.stringify(result));
    } catch (err) {
      res.writeHead(200, { 'Content-Type': 'application/json', 'X-Amz-Function-Error': 'Unhandled' });
      res.end(JSON.stringify({
        errorType: err?.name || 'Error',
        errorMessage: err?.message ?? String(err),
        stackTrace: String(err?.stack || '').split('\n').slice(1).map((l) => l.trim()),
      }));
    }
  });
  await new Promise((resolve) => server.listen(port, host, resolve));
  const { port: bound } = server.address();
  return {
    url: `http://${host}:${bound}`,
    invocations,
    setHandler(fname, fn) { handlers.set(fname, fn); },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const module = process.argv[2] ? await import(pathToFileURL(path.resolve(process.argv[2])).href) : {};
  const functions = Object.fromEntries(Object.entries(module).filter(([, v]) => typeof v === 'function'));
  const endpoint = await startLambdaEndpoint(functions, { port: Number(process.env.PORT || 0) });
  process.stdout.write(`${endpoint.url}\n`);
  const stop = async () => { await endpoint.close(); process.exit(0); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
