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

/** ISO 8601 UTC with nanoseconds: "2014-05-16T17:33:34.430569000Z". */
export function isoText(tsSec: number, tsNsec: number): string {
  const d = new Date(tsSec * 1000);
  const iso = d.toISOString(); // "YYYY-MM-DDTHH:MM:SS.mmmZ"
  return iso.slice(0, 19) + "." + pad(tsNsec, 9) + "Z";
}

/** Seconds since the epoch with 9 decimals, as tshark prints frame.time_epoch. */
export function epochText(tsSec: number, tsNsec: number): string {
  return tsSec + "." + pad(tsNsec, 9);
}
