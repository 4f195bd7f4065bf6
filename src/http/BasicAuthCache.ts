import { createHmac, randomBytes } from 'node:crypto';

/** How long a checked Basic credential is trusted without hashing again, ms. */
export const BASIC_AUTH_CACHE_MS = 60_000;
/** Credentials remembered at most; the oldest is forgotten first. */
export const BASIC_AUTH_CACHE_SIZE = 1024;

/**
 * The Basic credentials an HTTP endpoint checked recently and accepted. A scraper sends the same
 * `Authorization` header every few seconds; without this each request would cost an scrypt check
 * (tens of ms, ~32 MiB) and take a slot the wire server's AUTHs also wait for. Keys are an HMAC of user
 * and password under a key of this process, so neither is kept; only successes are remembered.
 * @internal
 */
export class BasicAuthCache {
  private readonly key = randomBytes(32);
  private readonly accepted = new Map<string, { readonly principal: string; readonly until: number }>();

  constructor(
    private readonly ttlMs = BASIC_AUTH_CACHE_MS,
    private readonly size = BASIC_AUTH_CACHE_SIZE,
    private readonly now: () => number = Date.now,
  ) {}

  /** The principal these credentials were accepted as, when that was less than the TTL ago. */
  get(username: string, password: string): string | undefined {
    const key = this.keyOf(username, password);
    const hit = this.accepted.get(key);
    if (hit === undefined) return undefined;
    if (hit.until <= this.now()) {
      this.accepted.delete(key);
      return undefined;
    }
    return hit.principal;
  }

  remember(username: string, password: string, principal: string): void {
    const key = this.keyOf(username, password);
    this.accepted.delete(key);
    this.accepted.set(key, { principal, until: this.now() + this.ttlMs });
    if (this.accepted.size > this.size) {
      const oldest = this.accepted.keys().next();
      if (oldest.done !== true) this.accepted.delete(oldest.value);
    }
  }

  private keyOf(username: string, password: string): string {
    return createHmac('sha256', this.key).update(username).update('\0').update(password).digest('base64');
  }
}
