/**
 * A small D-Bus client over a unix socket: SASL EXTERNAL authentication,
 * Hello on a message bus, method calls with their replies and errors, and
 * signals. Enough for the systemd cgroup driver (core/cgroups/systemd/),
 * which loads it only when `--systemd-cgroup` is used.
 *
 * @example
 * ```ts
 * const c = await DBusConnection.open("unix:path=/run/dbus/system_bus_socket");
 * const [id] = await c.call({
 *   destination: "org.freedesktop.DBus",
 *   path: "/org/freedesktop/DBus",
 *   interface: "org.freedesktop.DBus",
 *   member: "GetId",
 * });
 * c.close();
 * ```
 *
 * @module
 */
import {
  decodeMessage,
  encodeMessage,
  Flags,
  type Message,
  messageLength,
  MessageType,
} from "./message.ts";

/** An error reply: the D-Bus error name and its message. */
export class DBusError extends Error {
  /**
   * @param errorName e.g. `org.freedesktop.DBus.Error.UnknownMethod`
   * @param text the error's message (its first string argument), may be ""
   */
  constructor(readonly errorName: string, readonly text: string) {
    super(text ? `${errorName}: ${text}` : errorName);
    this.name = "DBusError";
  }
}

/** A failure to reach, authenticate to or talk with a bus. */
export class DBusConnectError extends Error {
  /** @param message what failed, with the address */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DBusConnectError";
  }
}

/** A method call to make. */
export interface Call {
  destination?: string;
  path: string;
  interface?: string;
  member: string;
  /** The arguments' signature ("" for none). */
  signature?: string;
  body?: unknown[];
}

/** A signal as received. */
export interface Signal {
  sender?: string;
  path?: string;
  interface?: string;
  member?: string;
  signature?: string;
  body: unknown[];
}

/** The reply a served method gives. */
export interface Reply {
  signature?: string;
  body?: unknown[];
}

/** How a connection is opened. */
export interface OpenOptions {
  /** The uid to authenticate as (SASL EXTERNAL); default this process's. */
  uid?: number;
  /** Say Hello (a message bus needs it; systemd's private socket does not). Default true. */
  hello?: boolean;
  /** How long authentication and Hello may take, in ms. Default 25000. */
  timeoutMs?: number;
}

/**
 * The unix socket path of a D-Bus address such as `unix:path=/run/bus`
 * (the first `unix:path=` of a `;`-separated list; values %-unescaped).
 *
 * @throws DBusConnectError for an address with no unix path
 */
export function socketPath(address: string): string {
  for (const one of address.split(";")) {
    const colon = one.indexOf(":");
    if (colon < 0 || one.slice(0, colon) !== "unix") continue;
    for (const kv of one.slice(colon + 1).split(",")) {
      const eq = kv.indexOf("=");
      if (eq > 0 && kv.slice(0, eq) === "path") return decodeURIComponent(kv.slice(eq + 1));
    }
  }
  throw new DBusConnectError(
    `unsupported D-Bus address ${JSON.stringify(address)}: only unix:path= is supported`,
  );
}

/** The uid as SASL EXTERNAL sends it: its decimal digits, hex-encoded. */
export function externalAuthId(uid: number): string {
  return [...String(uid)].map((c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("");
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** One connection to a bus (or to a peer such as /run/systemd/private). */
export class DBusConnection {
  private serial = 0;
  private readonly pending = new Map<
    number,
    { resolve: (m: Message) => void; reject: (e: Error) => void }
  >();
  private readonly listeners = new Set<(s: Signal) => void>();
  private handler: ((c: Signal) => Promise<Reply> | Reply) | undefined;
  private buf = new Uint8Array(0);
  private closed: Error | undefined;
  /** The unique name the bus gave us (Hello), "" without Hello. */
  uniqueName = "";

  private constructor(private readonly conn: Deno.UnixConn, readonly address: string) {}

  /**
   * Connects, authenticates and (on a bus) says Hello.
   *
   * @param address a D-Bus address (`unix:path=...`)
   * @throws DBusConnectError naming the address and what failed
   */
  static async open(address: string, opts: OpenOptions = {}): Promise<DBusConnection> {
    const path = socketPath(address);
    let conn: Deno.UnixConn;
    try {
      conn = await Deno.connect({ transport: "unix", path });
    } catch (e) {
      throw new DBusConnectError(`dial unix ${path}: connect: ${connectErrorText(e)}`, {
        cause: e,
      });
    }
    const c = new DBusConnection(conn, address);
    const timeoutMs = opts.timeoutMs ?? 25000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new DBusConnectError(`timed out after ${timeoutMs} ms authenticating to ${address}`),
          ),
        timeoutMs,
      );
    });
    try {
      await Promise.race([c.authenticate(opts.uid ?? Deno.uid() ?? 0), timeout]);
      c.readLoop();
      if (opts.hello ?? true) {
        const [name] = await Promise.race([
          c.call({
            destination: "org.freedesktop.DBus",
            path: "/org/freedesktop/DBus",
            interface: "org.freedesktop.DBus",
            member: "Hello",
          }),
          timeout,
        ]);
        c.uniqueName = name as string;
      }
    } catch (e) {
      c.close();
      if (e instanceof DBusConnectError) throw e;
      throw new DBusConnectError(`${address}: ${(e as Error).message}`, { cause: e });
    } finally {
      clearTimeout(timer);
    }
    return c;
  }

  // SASL: a nul byte, AUTH EXTERNAL with the uid, OK, BEGIN.
  private async authenticate(uid: number): Promise<void> {
    await this.writeAll(enc.encode(`\0AUTH EXTERNAL ${externalAuthId(uid)}\r\n`));
    const line = await this.readLine();
    if (!line.startsWith("OK ")) {
      throw new DBusConnectError(
        `authentication as uid ${uid} refused by ${this.address}: ${JSON.stringify(line)}`,
      );
    }
    await this.writeAll(enc.encode("BEGIN\r\n"));
  }

  private async readLine(): Promise<string> {
    const chunk = new Uint8Array(512);
    for (;;) {
      const nl = this.buf.indexOf(0x0a);
      if (nl >= 0) {
        const line = dec.decode(this.buf.subarray(0, nl)).replace(/\r$/, "");
        this.buf = this.buf.slice(nl + 1);
        return line;
      }
      if (this.buf.length > 16384) throw new DBusConnectError("authentication line too long");
      const n = await this.conn.read(chunk);
      if (n === null) {
        throw new DBusConnectError(`${this.address} closed the connection during authentication`);
      }
      this.append(chunk.subarray(0, n));
    }
  }

  private append(b: Uint8Array): void {
    const next = new Uint8Array(this.buf.length + b.length);
    next.set(this.buf);
    next.set(b, this.buf.length);
    this.buf = next;
  }

  private async writeAll(b: Uint8Array): Promise<void> {
    for (let off = 0; off < b.length;) off += await this.conn.write(b.subarray(off));
  }

  private async readLoop(): Promise<void> {
    const chunk = new Uint8Array(65536);
    try {
      for (;;) {
        for (;;) {
          const n = messageLength(this.buf);
          if (n === 0 || this.buf.length < n) break;
          const m = decodeMessage(this.buf.subarray(0, n));
          this.buf = this.buf.slice(n);
          this.dispatch(m);
        }
        // Idle (nothing awaited): the socket does not keep the process alive.
        if (this.pending.size === 0) this.conn.unref();
        const n = await this.conn.read(chunk);
        if (n === null) throw new DBusConnectError(`${this.address} closed the connection`);
        this.append(chunk.subarray(0, n));
      }
    } catch (e) {
      this.fail(this.closed ?? (e instanceof Error ? e : new Error(String(e))));
    }
  }

  private dispatch(m: Message): void {
    if (m.type === MessageType.METHOD_RETURN || m.type === MessageType.ERROR) {
      const p = m.replySerial === undefined ? undefined : this.pending.get(m.replySerial);
      if (!p) return;
      this.pending.delete(m.replySerial!);
      if (m.type === MessageType.ERROR) {
        const text = typeof m.body?.[0] === "string" ? m.body[0] : "";
        p.reject(new DBusError(m.errorName ?? "org.freedesktop.DBus.Error.Failed", text));
      } else p.resolve(m);
      return;
    }
    if (m.type === MessageType.SIGNAL) {
      const s: Signal = { body: m.body ?? [] };
      for (const k of ["sender", "path", "interface", "member", "signature"] as const) {
        if (m[k] !== undefined) s[k] = m[k];
      }
      for (const l of [...this.listeners]) l(s);
    }
    if (m.type === MessageType.METHOD_CALL) void this.serveCall(m);
  }

  private async serveCall(m: Message): Promise<void> {
    const noReply = ((m.flags ?? 0) & Flags.NO_REPLY_EXPECTED) !== 0;
    const base = {
      serial: 0,
      replySerial: m.serial,
      ...(m.sender !== undefined ? { destination: m.sender } : {}),
    };
    let out: Message;
    try {
      if (!this.handler) {
        throw new DBusError(
          "org.freedesktop.DBus.Error.UnknownMethod",
          `${m.member} is not served`,
        );
      }
      const s: Signal = { body: m.body ?? [] };
      for (const k of ["sender", "path", "interface", "member", "signature"] as const) {
        if (m[k] !== undefined) s[k] = m[k];
      }
      const r = await this.handler(s);
      out = {
        ...base,
        type: MessageType.METHOD_RETURN,
        signature: r.signature ?? "",
        body: r.body ?? [],
      };
    } catch (e) {
      const name = e instanceof DBusError ? e.errorName : "org.freedesktop.DBus.Error.Failed";
      const text = e instanceof DBusError ? e.text : (e as Error).message;
      out = { ...base, type: MessageType.ERROR, errorName: name, signature: "s", body: [text] };
    }
    if (noReply || this.closed) return;
    out.serial = ++this.serial;
    await this.writeAll(encodeMessage(out)).catch(() => {});
  }

  /**
   * Serves the method calls this connection receives (a peer in tests, such
   * as a stand-in for systemd); a thrown DBusError is the error reply.
   * Without a handler, calls get UnknownMethod.
   */
  serve(handler: (c: Signal) => Promise<Reply> | Reply): void {
    this.handler = handler;
  }

  private fail(e: Error): void {
    this.closed ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  /**
   * Calls a method and waits for its reply.
   *
   * @returns the reply's values
   * @throws DBusError for an error reply; DBusConnectError when the connection fails or times out
   */
  async call(c: Call, timeoutMs = 25000): Promise<unknown[]> {
    if (this.closed) throw this.closed;
    const serial = ++this.serial;
    const bytes = encodeMessage({
      type: MessageType.METHOD_CALL,
      serial,
      path: c.path,
      member: c.member,
      ...(c.interface !== undefined ? { interface: c.interface } : {}),
      ...(c.destination !== undefined ? { destination: c.destination } : {}),
      signature: c.signature ?? "",
      body: c.body ?? [],
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const reply = new Promise<Message>((resolve, reject) => {
      this.pending.set(serial, { resolve, reject });
      timer = setTimeout(() => {
        this.pending.delete(serial);
        reject(
          new DBusConnectError(
            `no reply to ${c.interface ?? ""}.${c.member} within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
    });
    this.conn.ref();
    try {
      await this.writeAll(bytes);
      return (await reply).body ?? [];
    } finally {
      clearTimeout(timer);
      if (this.pending.size === 0) this.conn.unref();
    }
  }

  /** Sends a method call and does not wait for a reply. */
  async send(c: Call): Promise<void> {
    if (this.closed) throw this.closed;
    await this.writeAll(encodeMessage({
      type: MessageType.METHOD_CALL,
      flags: Flags.NO_REPLY_EXPECTED,
      serial: ++this.serial,
      path: c.path,
      member: c.member,
      ...(c.interface !== undefined ? { interface: c.interface } : {}),
      ...(c.destination !== undefined ? { destination: c.destination } : {}),
      signature: c.signature ?? "",
      body: c.body ?? [],
    }));
  }

  /** Emits a signal (for tests and peers; the driver only listens). */
  async emit(
    s: Omit<Signal, "sender"> & { path: string; interface: string; member: string },
  ): Promise<void> {
    if (this.closed) throw this.closed;
    await this.writeAll(encodeMessage({
      type: MessageType.SIGNAL,
      serial: ++this.serial,
      path: s.path,
      interface: s.interface,
      member: s.member,
      signature: s.signature ?? "",
      body: s.body,
    }));
  }

  /**
   * Asks the bus for signals matching rule (org.freedesktop.DBus.AddMatch).
   *
   * @param rule e.g. `type='signal',interface='org.freedesktop.systemd1.Manager'`
   */
  async addMatch(rule: string): Promise<void> {
    await this.call({
      destination: "org.freedesktop.DBus",
      path: "/org/freedesktop/DBus",
      interface: "org.freedesktop.DBus",
      member: "AddMatch",
      signature: "s",
      body: [rule],
    });
  }

  /**
   * Calls fn for every signal received until the returned function is called.
   *
   * @returns the function that stops it
   */
  onSignal(fn: (s: Signal) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * Waits for the first signal for which match returns a value.
   *
   * @param match returns undefined for signals it does not want
   * @param timeoutMs how long to wait
   * @param what named in the timeout error
   * @throws DBusConnectError on timeout or a lost connection
   */
  waitSignal<T>(match: (s: Signal) => T | undefined, timeoutMs: number, what: string): Promise<T> {
    if (this.closed) return Promise.reject(this.closed);
    return new Promise<T>((resolve, reject) => {
      const key = -++this.serial; // a pending entry keeps the socket referenced
      const done = () => {
        clearTimeout(timer);
        stop();
        this.pending.delete(key);
        if (this.pending.size === 0) this.conn.unref();
      };
      const timer = setTimeout(() => {
        done();
        reject(new DBusConnectError(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.pending.set(key, {
        resolve: () => {},
        reject: (e) => {
          done();
          reject(e);
        },
      });
      this.conn.ref();
      const stop = this.onSignal((s) => {
        const v = match(s);
        if (v === undefined) return;
        done();
        resolve(v);
      });
    });
  }

  /** Closes the connection; calls still waiting fail. */
  close(): void {
    if (!this.closed) {
      this.fail(new DBusConnectError(`connection to ${this.address} closed`));
      try {
        this.conn.close();
      } catch { /* already closed */ }
    }
  }
}

function connectErrorText(e: unknown): string {
  if (e instanceof Deno.errors.NotFound) return "no such file or directory";
  if (e instanceof Deno.errors.ConnectionRefused) return "connection refused";
  if (e instanceof Deno.errors.PermissionDenied) return "permission denied";
  return (e as Error).message;
}
