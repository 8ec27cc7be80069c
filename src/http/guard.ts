// What every HTTP request to ptyjobs must show: a Host header naming the address it was sent
// to (a page on another site that rebinds its DNS name to 127.0.0.1 sends its own name), an
// Origin, when a browser sends one, of the server itself (no CORS), and the token.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Compares in constant time (both sides hashed first, so lengths do not leak either). */
export function tokenMatches(given: string | null | undefined, token: string): boolean {
  if (!given) return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(token));
}

/** The Host values a request to this port may carry: the loopback names, and the bound host. */
export function allowedHosts(port: number, boundHost: string): Set<string> {
  const names = ['127.0.0.1', 'localhost', '[::1]', boundHost.includes(':') ? `[${boundHost}]` : boundHost];
  return new Set(names.map((name) => `${name}:${port}`));
}

export function hostAllowed(request: IncomingMessage, allowed: Set<string>): boolean {
  return allowed.has((request.headers.host ?? '').toLowerCase());
}

/** No Origin (a non-browser client) passes; a browser's must be this server's own. */
export function originAllowed(request: IncomingMessage, allowed: Set<string>, required = false): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return !required;
  return [...allowed].some((host) => origin === `http://${host}`);
}
