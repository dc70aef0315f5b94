/** Bytes in one MiB (what /proc's VmRSS is converted to) and in one KB (the unit, 1,000 bytes). */
const bytesPerMiB = 1024 * 1024;
const bytesPerKb = 1000;

/** A server's RSS in MiB at each step of the run, every step adding to the one before. */
export interface LayeredRss {
  /** No client connected (median of readings). */
  baseline: number;
  /** Every client holds an idle keep-alive HTTP connection (median). */
  keepAlive: number;
  /** And an open WebSocket that answered one ping (median). */
  idleSockets: number;
  /** And a reply streaming on each WebSocket (maximum of the readings while all of them streamed). */
  streaming: number;
}

/** RSS growth per client in KB, in total and by what each step added. */
export interface GrowthPerClient {
  total: number;
  keepAlive: number;
  idleSocket: number;
  streaming: number;
}

/** RSS growth from `beforeMiB` to `afterMiB`, shared out over `clients`, in KB (1,000 bytes) each. */
export function growthPerClientKb(beforeMiB: number, afterMiB: number, clients: number): number {
  if (clients <= 0) throw new Error('growthPerClientKb needs at least one client.');
  return ((afterMiB - beforeMiB) * bytesPerMiB) / bytesPerKb / clients;
}

/** Splits the growth from the baseline to the streaming peak into its steps, per client in KB. */
export function breakDownGrowth(rss: LayeredRss, clients: number): GrowthPerClient {
  return {
    total: growthPerClientKb(rss.baseline, rss.streaming, clients),
    keepAlive: growthPerClientKb(rss.baseline, rss.keepAlive, clients),
    idleSocket: growthPerClientKb(rss.keepAlive, rss.idleSockets, clients),
    streaming: growthPerClientKb(rss.idleSockets, rss.streaming, clients),
  };
}
