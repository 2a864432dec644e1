package io.achat.bench;

import java.util.Locale;

/**
 * One server address the benchmark connects clients to: the line protocol over TCP, or over a
 * WebSocket when {@code path} is set.
 *
 * @param path the WebSocket's request path, such as {@code /ws}; {@code null} for plain TCP
 */
public record Address(String host, int port, String path) {

  /** The path a {@code ws://} address without one connects to. */
  public static final String DEFAULT_PATH = "/ws";

  private static final String USAGE = "expected HOST:PORT or ws://HOST:PORT/PATH";

  /** A plain TCP address. */
  public Address(String host, int port) {
    this(host, port, null);
  }

  /**
   * Parses {@code HOST:PORT} or {@code ws://HOST:PORT[/PATH]} (the path defaults to
   * {@value #DEFAULT_PATH}). {@code HOST:PORT} is split at the last colon so that a bare IPv6 host
   * such as {@code ::1:8080} keeps its own colons; in a URL an IPv6 host is written in brackets.
   *
   * @throws IllegalArgumentException naming {@code text} when it is not one
   */
  public static Address parse(String text) {
    int scheme = text.indexOf("://");
    if (scheme < 0) {
      return hostAndPort(text, text, null);
    }
    String name = text.substring(0, scheme).toLowerCase(Locale.ROOT);
    if (!name.equals("ws")) {
      throw new IllegalArgumentException("unsupported scheme '" + text.substring(0, scheme) + "://' in '" + text
        + "': " + (name.equals("wss") ? "TLS is not supported, " : "") + USAGE);
    }
    String rest = text.substring(scheme + 3);
    int slash = rest.indexOf('/');
    String path = slash < 0 ? DEFAULT_PATH : rest.substring(slash);
    if (path.chars().anyMatch(c -> c <= ' ' || c == '#')) {
      throw new IllegalArgumentException("expected a path without spaces or '#' in '" + text + "'");
    }
    Address address = hostAndPort(slash < 0 ? rest : rest.substring(0, slash), text, path);
    String host = address.host;
    if (host.startsWith("[") && host.endsWith("]") && host.length() > 2) {
      return new Address(host.substring(1, host.length() - 1), address.port, path);
    }
    if (host.contains(":") || host.contains("[") || host.contains("]") || host.contains("@")) {
      throw new IllegalArgumentException(USAGE + " (an IPv6 host in brackets), not '" + text + "'");
    }
    return address;
  }

  private static Address hostAndPort(String authority, String text, String path) {
    int colon = authority.lastIndexOf(':');
    int port = colon > 0 ? portOf(authority.substring(colon + 1)) : 0;
    if (port == 0) {
      throw new IllegalArgumentException((path == null ? "expected HOST:PORT" : USAGE) + ", not '" + text + "'");
    }
    return new Address(authority.substring(0, colon), port, path);
  }

  /** The port in {@code digits}, or 0 when it is not one from 1 to 65535. */
  private static int portOf(String digits) {
    if (digits.isEmpty() || digits.length() > 5 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return 0;
    }
    int port = Integer.parseInt(digits);
    return port <= 65535 ? port : 0;
  }

  /** Whether clients on this address speak the protocol over a WebSocket. */
  public boolean webSocket() {
    return path != null;
  }

  @Override
  public String toString() {
    if (path == null) {
      return host + ":" + port;
    }
    return "ws://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + path;
  }
}
