// The floor of any Node.js gateway on this machine: one process that relays requests to the
// upstream byte for byte (node:http server, keep-alive node:http client, bodies piped, nothing
// parsed, no logic). Whatever a real gateway adds on top of this is its own cost.
//
//   node bench/gateway/node-relay.mjs --port N --upstream http://127.0.0.1:M
import http from 'node:http';

const arg = (name) => {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0 || !process.argv[i + 1]) throw new Error(`--${name} is required`);
  return process.argv[i + 1];
};
const upstream = new URL(arg('upstream'));
const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });

const server = http.createServer((req, res) => {
  const headers = { ...req.headers, host: upstream.host };
  const out = http.request(
    { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  out.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(out);
});
server.keepAliveTimeout = 65_000;
server.listen(Number(arg('port')), '127.0.0.1', () => {
  console.log(`node-relay listening on http://127.0.0.1:${server.address().port} -> ${upstream.origin}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
