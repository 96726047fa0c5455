/**
 * HLS has no connection to count: a player is "watching" while it keeps asking for the
 * channel's playlist and segments. A viewer here is one client (address and user agent) that
 * asked within the window; a player reloads its playlist at least once per target duration, so
 * a window of a few target durations loses no one who is still watching.
 *
 * Bounded: at most `maxPerChannel` clients are remembered per channel (a hostile client
 * inventing user agents fills its channel's table, never the server's memory), and expired ones
 * are dropped whenever the count is read or the table is full.
 */
export class HlsViewers {
  private readonly seen = new Map<number, Map<string, number>>();

  constructor(
    private readonly windowMs: number,
    private readonly maxPerChannel = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** A playlist or segment request of channel `channel` from `client`. */
  note(channel: number, client: string): void {
    let clients = this.seen.get(channel);
    if (!clients) this.seen.set(channel, (clients = new Map()));
    if (!clients.has(client) && clients.size >= this.maxPerChannel) {
      this.prune(clients);
      if (clients.size >= this.maxPerChannel) return;
    }
    clients.set(client, this.now());
  }

  /** Clients of `channel` that asked within the window. */
  count(channel: number): number {
    const clients = this.seen.get(channel);
    if (!clients) return 0;
    this.prune(clients);
    if (clients.size === 0) this.seen.delete(channel);
    return clients.size;
  }

  private prune(clients: Map<string, number>): void {
    const oldest = this.now() - this.windowMs;
    for (const [client, atMs] of clients) if (atMs < oldest) clients.delete(client);
  }
}
