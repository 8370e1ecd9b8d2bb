/**
 * REMOTE_WRITE_HEADERS: extra HTTP headers on every remote write, e.g. the tenant header
 * `X-Scope-OrgID` of Mimir, Cortex and Loki. They are written into prometheus.yml as they are, so
 * a header that looks like it carries a secret is refused: credentials go through the
 * REMOTE_WRITE_* variables, which are kept in 0600 files. Pure.
 */
import { z } from "zod";

/** Name → value, in the order given. */
export type RemoteWriteHeaders = Readonly<Record<string, string>>;

// why: RFC 9110's token characters; anything else cannot be a header name.
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
// why: printable ASCII without the comma that separates items; a line break would inject headers.
const HEADER_VALUE = /^[\x20-\x2b\x2d-\x7e]+$/;

/** Headers Prometheus sets itself on a remote write, credentials, and hop-by-hop headers. */
const RESERVED = new Set(
  [
    "authorization",
    "host",
    "content-encoding",
    "content-type",
    "content-length",
    "user-agent",
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "www-authenticate",
    "transfer-encoding",
    "upgrade",
    "te",
    "trailer",
    "x-prometheus-remote-write-version",
  ].map((name) => name.toLowerCase()),
);

// why: such a header's value is a credential, which must never sit in plain text in prometheus.yml.
const SECRET_LOOKING = /auth|token|secret|key|passw|cookie|credential|session|signature/i;

/** The schema: `Name=value` items separated by commas; problems name the header, never its value. */
export function remoteWriteHeadersSchema(): z.ZodType<RemoteWriteHeaders, string> {
  return z.string().transform((text, context): RemoteWriteHeaders => {
    const headers: Record<string, string> = {};
    const fail = (message: string) => context.issues.push({ code: "custom", message, input: "" });
    for (const item of text.split(",").map((part) => part.trim())) {
      if (item === "") continue;
      const equals = item.indexOf("=");
      const name = (equals === -1 ? item : item.slice(0, equals)).trim();
      const value = equals === -1 ? "" : item.slice(equals + 1).trim();
      if (!HEADER_NAME.test(name))
        fail(`has an item that is not Name=value with an HTTP header name (${JSON.stringify(name.slice(0, 40))})`);
      else if (RESERVED.has(name.toLowerCase())) fail(`names ${name}, which Prometheus sets itself or refuses`);
      else if (SECRET_LOOKING.test(name))
        fail(
          `names ${name}, which looks like it carries a secret, and headers are written into prometheus.yml as they are; use REMOTE_WRITE_BEARER_TOKEN or REMOTE_WRITE_USERNAME/REMOTE_WRITE_PASSWORD, which are kept in 0600 files`,
        );
      else if (!HEADER_VALUE.test(value)) fail(`gives ${name} an empty value, or one with characters an HTTP header cannot carry`);
      else if (Object.keys(headers).some((known) => known.toLowerCase() === name.toLowerCase())) fail(`names ${name} twice`);
      else headers[name] = value;
    }
    return headers;
  });
}

/**
 * Debian's Prometheus (`+ds` builds, e.g. 2.42.0+ds) accepts `headers:` in remote_write but does
 * not send them (a receiver saw no X-Scope-OrgID): the central store would file the samples under
 * no tenant. Returns why this version cannot be used with headers, or undefined.
 */
export function headersUnsupportedBy(versionText: string): string | undefined {
  return versionText.includes("+ds")
    ? `Prometheus ${versionText} (a Debian build) accepts remote_write headers but does not send them, so REMOTE_WRITE_HEADERS would silently not reach the central store`
    : undefined;
}
