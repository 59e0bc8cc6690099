// Structured logging. One line per event, either JSON (--log-as-json) or a
// readable "time level msg key=value" form. Fields never carry secret values:
// callers pass names, not contents.
export type LogLevel = "debug" | "info" | "warn" | "error" | "fatal";
const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, fatal: 50 };

export interface LoggerOptions {
  level?: LogLevel;
  json?: boolean;
  scope?: string;
  appId?: string;
  sink?: (line: string) => void;
}

export class Logger {
  private readonly level: LogLevel;
  private readonly json: boolean;
  private readonly scope: string;
  private readonly fields: Record<string, unknown>;
  private readonly sink: (line: string) => void;

  constructor(opts: LoggerOptions = {}, fields: Record<string, unknown> = {}) {
    this.level = opts.level ?? "info";
    this.json = opts.json ?? false;
    this.scope = opts.scope ?? "dapr-ts";
    this.sink = opts.sink ?? ((line) => process.stderr.write(line + "\n"));
    this.fields = opts.appId ? { app_id: opts.appId, ...fields } : fields;
  }

  child(scope: string, fields: Record<string, unknown> = {}): Logger {
    return new Logger(
      { level: this.level, json: this.json, scope, sink: this.sink },
      { ...this.fields, ...fields },
    );
  }

  enabled(level: LogLevel): boolean {
    return order[level] >= order[this.level];
  }

  debug(msg: string, fields?: Record<string, unknown>): void { this.write("debug", msg, fields); }
  info(msg: string, fields?: Record<string, unknown>): void { this.write("info", msg, fields); }
  warn(msg: string, fields?: Record<string, unknown>): void { this.write("warn", msg, fields); }
  error(msg: string, fields?: Record<string, unknown>): void { this.write("error", msg, fields); }
  fatal(msg: string, fields?: Record<string, unknown>): void { this.write("fatal", msg, fields); }

  private write(level: LogLevel, msg: string, extra?: Record<string, unknown>): void {
    if (!this.enabled(level)) return;
    const time = new Date().toISOString();
    const all = { ...this.fields, ...extra };
    if (this.json) {
      this.sink(JSON.stringify({ time, level, scope: this.scope, msg, ...all }));
      return;
    }
    const kv = Object.entries(all)
      .map(([k, v]) => `${k}=${typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v ?? null)}`)
      .join(" ");
    this.sink(`time="${time}" level=${level} scope=${this.scope} msg=${JSON.stringify(msg)}${kv ? " " + kv : ""}`);
  }
}

export function parseLogLevel(v: string | undefined): LogLevel {
  const l = (v ?? "info").toLowerCase();
  if (l in order) return l as LogLevel;
  throw new Error(`invalid log level '${v}': expected one of ${Object.keys(order).join(", ")}`);
}

/** A logger that drops everything; for unit tests of code that wants one. */
export const silentLogger = new Logger({ level: "fatal", sink: () => {} });
