// Rows come many to the second, and Date#toISOString is a noticeable part of a row's cost in both usage
// writers: the text up to the second is made once per second and the milliseconds appended.
let isoSecond = Number.NaN;
let isoPrefix = '';

/** `new Date(ms).toISOString()` for a whole number of milliseconds in years 1970–9999. */
export function isoTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== isoSecond) {
    isoSecond = second;
    isoPrefix = new Date(second * 1000).toISOString().slice(0, 20);
  }
  const milli = ms - second * 1000;
  return `${isoPrefix}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}
