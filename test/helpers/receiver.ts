/**
 * A tiny HTTP receiver for remote write, standing in for a central store that checks credentials:
 * it answers 204 to a request carrying the expected Authorization header, 401 to any other, and
 * keeps nothing. Real sockets, in this process.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export interface Receiver {
  /** e.g. http://127.0.0.1:40123/api/v1/write */
  readonly writeUrl: string;
  /** Requests answered, by status. */
  readonly answered: Map<number, number>;
  close(): Promise<void>;
}

export async function startReceiver(expectedAuthorization: string, path = "/api/v1/write"): Promise<Receiver> {
  const answered = new Map<number, number>();
  const server = createServer((request: IncomingMessage, response) => {
    request.resume();
    request.once("end", () => {
      const status = request.url !== path ? 404 : request.headers.authorization === expectedAuthorization ? 204 : 401;
      answered.set(status, (answered.get(status) ?? 0) + 1);
      response.writeHead(status, { "content-type": "text/plain" }).end(status === 401 ? "unauthorized: bad credentials\n" : "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    writeUrl: `http://127.0.0.1:${port}${path}`,
    answered,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
