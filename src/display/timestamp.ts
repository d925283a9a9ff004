/**
 * Capture timestamps as text. Times are UTC, as the reference tool prints
 * them and as `TZ=UTC tcpdump` does.
 *
 * @module
 */

function pad(n: number, w: number): string {
  let s = "" + n;
  while (s.length < w) s = "0" + s;
  return s;
}

/** "HH:MM:SS.ffffff" (UTC, microseconds truncated as tcpdump does). */
export function clockText(tsSec: number, tsNsec: number): string {
  const day = ((tsSec % 86400) + 86400) % 86400;
  const h = Math.floor(day / 3600), m = Math.floor((day % 3600) / 60), s = day % 60;
  return pad(h, 2) + ":" + pad(m, 2) + ":" + pad(s, 2) + "." + pad(Math.floor(tsNsec / 1000), 6);
}

/** Largest |seconds| a JavaScript Date can hold (ECMA-262 §21.4.1.1). */
const MAX_DATE_SECS = 8.64e12;

/**
 * ISO 8601 UTC with nanoseconds: "2014-05-16T17:33:34.430569000Z". A time
 * outside the years Date can hold (a damaged or odd timestamp, e.g. a
 * pcapng interface with a huge offset) is written as "@<epoch seconds>".
 */
export function isoText(tsSec: number, tsNsec: number): string {
  if (!(Math.abs(tsSec) <= MAX_DATE_SECS)) return "@" + epochText(tsSec, tsNsec);
  const d = new Date(tsSec * 1000);
  const iso = d.toISOString(); // "YYYY-MM-DDTHH:MM:SS.mmmZ"
  return iso.slice(0, 19) + "." + pad(tsNsec, 9) + "Z";
}

/** Seconds since the epoch with 9 decimals, as tshark prints frame.time_epoch. */
export function epochText(tsSec: number, tsNsec: number): string {
  return tsSec + "." + pad(tsNsec, 9);
}
