// Go duration strings ("1h30m", "15s", "1.5s", "500ms"), which Dapr metadata
// uses for schedules and timeouts. A bare number of seconds is not one.
const UNITS_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, "μs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseGoDuration(text: string): number {
  if (text === "") throw new Error("empty duration");
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * UNITS_MS[m[2]];
    pos = re.lastIndex;
  }
  if (pos !== text.length) throw new Error(`invalid duration '${text}'`);
  return total;
}
