package io.achat.config;

import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * The configuration keys, each declared once below: its name, type, default, its own rules with
 * their messages, and its line in the README's table of keys. The rest follows from the
 * declarations: the environment variable ({@code ACHAT_MAX_LINE_LENGTH} for
 * {@code maxLineLength}) and the system property ({@code achat.maxLineLength}), reading a value
 * from the layers, the resolved JSON, the start line and the README's table, which a test holds
 * to them. What one key cannot say alone, the rules between keys and the values that follow from
 * the machine, is in {@link Rules}.
 *
 * @param <T> what the key holds: a String, an Integer, a Long, a Boolean or a List of Strings
 */
public final class Key<T> {

  private static final List<Key<?>> DECLARED = new ArrayList<>();
  private static final List<Key<?>> VALUES = Collections.unmodifiableList(DECLARED);

  public static final Key<String> HOST = string("host", "0.0.0.0", "address to listen on")
    .rule(host -> !host.isBlank(), "must be a host name or address");
  public static final Key<Integer> PORT = integer("port", 8080,
    "TCP port; `0` lets the OS pick one (shared by all accept loops, logged at start)")
    .rule(port -> port >= 0 && port <= 65535, "must be between 0 and 65535");
  public static final Key<Integer> INSTANCES = integer("instances", 1,
    "accept loops (`ServerVerticle` instances) sharing the port, each on an event loop of its own; at least 1")
    .rule(n -> n >= 1, "must be at least 1");
  public static final Key<Long> DRAIN_TIMEOUT_MILLIS = longInteger("drainTimeoutMillis", 10_000L,
    "how long shutdown waits for clients to take their last messages")
    .rule(millis -> millis >= 0, "must be 0 or more");
  public static final Key<Boolean> TCP_KEEP_ALIVE = bool("tcpKeepAlive", true,
    "TCP keep-alive on accepted connections, with the kernel's idle time, interval and count (`true` or `false`)");

  public static final Key<Integer> MAX_LOGIN_LENGTH = integer("maxLoginLength", 32,
    "longest login, in characters (code points)")
    .rule(n -> n >= 1, "must be at least 1");
  public static final Key<Integer> MAX_WATCHED = integer("maxWatched", 100,
    "names one connection may watch (`/watch`); past it `error: watch list is full (N)`; `0`: no watching")
    .rule(n -> n >= 0 && n <= 10_000, "must be 0 to 10000");
  public static final Key<Integer> MAX_LINE_LENGTH = integer("maxLineLength", 8192,
    "longest line, in bytes without the line end; at least 64")
    .rule(n -> n >= 64, "must be at least 64");
  public static final Key<Long> LOGIN_TIMEOUT_MILLIS = longInteger("loginTimeoutMillis", 30_000L,
    "time a new connection has to send its login")
    .rule(millis -> millis >= 1, "must be at least 1");

  public static final Key<Integer> MAX_CONNECTIONS = integer("maxConnections", 10_000,
    "simultaneous connections to the chat and web ports of this node, from their accept; past it those not logged in"
      + " make room, else `error: server full`")
    .rule(n -> n >= 1, "must be at least 1");
  public static final Key<Integer> MAX_CONNECTIONS_PER_ADDRESS = integer("maxConnectionsPerAddress", 32,
    "open connections from one client IP address (IPv6: its /64) on this node, all doors together; the next gets"
      + " `error: too many connections from your address`; `0` for no limit")
    .rule(n -> n >= 0, "must be 0 (no limit) or more");
  public static final Key<Integer> MAX_NEW_CONNECTIONS_PER_ADDRESS = integer("maxNewConnectionsPerAddress", 60,
    "new connections a minute from one address (IPv6: its /64), all doors together: a burst of this many, then one"
      + " every 60/N s; past it a connection is held a second and refused; `0` for no limit; `exemptAddresses` are"
      + " exempt")
    .rule(n -> n >= 0, "must be 0 (no limit) or more");
  public static final Key<Integer> IPV6_PREFIX_BITS = integer("ipv6PrefixBits", 64,
    "how much of an IPv6 address names one client for every per-address rule (a network hands a host a /64);"
      + " 16 to 128")
    .rule(bits -> bits >= 16 && bits <= 128, "must be between 16 and 128");
  public static final Key<List<String>> EXEMPT_ADDRESSES = list("exemptAddresses", List.of(AddressPolicy.LOOPBACK),
    "comma-separated IP addresses the per-address rules do not limit; `loopback` stands for 127.0.0.0/8 and ::1"
      + " (so local tools and the bench are not limited)")
    .rule(Syntax.all(Syntax::isAddress), "must be a comma-separated list of IP addresses or 'loopback'");
  public static final Key<Long> REQUEST_TIMEOUT_MILLIS = longInteger("requestTimeoutMillis", 5000L,
    "time a connection has for its TLS handshake (every door), its PROXY header (chat), and a whole HTTP request"
      + " (web, management); at least 100")
    .rule(millis -> millis >= 100 && millis <= Integer.MAX_VALUE, "must be at least 100");
  public static final Key<Long> KEEP_ALIVE_TIMEOUT_MILLIS = longInteger("keepAliveTimeoutMillis", 5000L,
    "time an HTTP connection may wait for its next request after an answer (web, management); at least 100")
    .rule(millis -> millis >= 100 && millis <= Integer.MAX_VALUE, "must be at least 100");

  public static final Key<Integer> MAX_QUEUED_BYTES = integer("maxQueuedBytes", 1_048_576,
    "bytes waiting to be sent to one client; a client that lets more pile up is not reading and is disconnected")
    .rule(n -> n >= 4096, "must be at least 4096");
  public static final Key<Integer> MAX_IN_FLIGHT_BYTES = integer("maxInFlightBytes", 65_536,
    "bytes of one sender's messages on their way through the broker; past it the server stops reading that sender"
      + " until the broker catches up")
    .rule(n -> n >= 1024, "must be at least 1024");
  public static final Key<Long> MAX_CLIENT_MEMORY = longInteger("maxClientMemory", 0L,
    "bytes held for all clients of the node together (queued for them, read from them, on their way through the"
      + " broker); past it the largest holders are cut off; `0`: a quarter of the JVM's maximum heap (the value in"
      + " force is in the start line)")
    .rule(bytes -> bytes >= 0, "must be a number of bytes (0: a quarter of the JVM's maximum heap)");
  public static final Key<Long> STALL_TIMEOUT_MILLIS = longInteger("stallTimeoutMillis", 1500L,
    "a client that takes none of what is queued for it for this long, in a-chat's queue or the kernel's, is closed"
      + " without flushing (the kernel's `TCP_USER_TIMEOUT` on the native transport: a paused server counts against"
      + " nobody); raise it for clients on networks that stall; at least 300")
    .rule(millis -> millis >= 300 && millis <= Integer.MAX_VALUE, "must be at least 300");
  public static final Key<Long> MAX_BLOCKED_MILLIS = longInteger("maxBlockedMillis", 10_000L,
    "under `java -jar` and in the image: an event loop that has not answered for this long ends the process with"
      + " status 4; `0`: never; else at least 2000")
    .rule(millis -> millis == 0 || millis >= 2000, "must be 0 (never exit) or at least 2000");

  public static final Key<String> TLS_CERT_PATH = string("tlsCertPath", "",
    "PEM certificate (chain); with `tlsKeyPath`, clients must connect over TLS")
    .rule(Syntax::readableOrEmpty, "must name a readable PEM file");
  public static final Key<String> TLS_KEY_PATH = string("tlsKeyPath", "", "PEM private key for `tlsCertPath`")
    .rule(Syntax::readableOrEmpty, "must name a readable PEM file");
  public static final Key<List<String>> TRUSTED_PROXIES = list("trustedProxies", List.of(),
    "proxies (IP addresses, `loopback`) whose word on the client's address is believed: `X-Forwarded-For` on the"
      + " web port, the PROXY header on the chat port")
    .rule(Syntax.all(Syntax::isAddress), "must be a comma-separated list of IP addresses or 'loopback'");
  public static final Key<Boolean> PROXY_PROTOCOL = bool("proxyProtocol", false,
    "every chat connection starts with HAProxy's PROXY header (v1 or v2) naming the client; a connection from a"
      + " peer not in `trustedProxies` is closed");

  public static final Key<Integer> WEB_PORT = integer("webPort", 0,
    "HTTP port of the web page (`/`) and the WebSocket endpoint (`/ws`), bound to `host`; `0` turns both off, `-1`"
      + " lets the OS pick one (logged); must differ from `port` and `managementPort`")
    .rule(port -> port >= -1 && port <= 65535, "must be between -1 (any free port) and 65535 (0 turns it off)");
  public static final Key<List<String>> WEB_HOSTS = list("webHosts", List.of(),
    "host names the web page and `/ws` answer to, comma-separated (`chat.example.com`, `192.0.2.7`,"
      + " `[2001:db8::7]`); empty: `localhost` and the addresses listened on; others get `421` (DNS rebinding)")
    .rule(Syntax.all(Syntax::isWebHost), "must be a comma-separated list of host names or addresses such as"
      + " chat.example.com, 192.0.2.7, [2001:db8::7]")
    .shownEmptyAs("localhost+listening");
  public static final Key<List<String>> WEB_ORIGINS = list("webOrigins", List.of(),
    "pages allowed to open a WebSocket, comma-separated origins such as `https://chat.example.com`; empty: only the"
      + " server's own page; `*`: any page (see [The web page](docs/web.md))")
    .rule(Syntax.all(Syntax::isOrigin),
      "must be a comma-separated list of origins such as https://chat.example.com, or '*'")
    .shownEmptyAs("same-origin");
  public static final Key<Long> WEB_SOCKET_TIMEOUT_MILLIS = longInteger("webSocketTimeoutMillis", 60_000L,
    "a WebSocket client is pinged every third of this and closed when it has not answered for this long;"
      + " at least 3000")
    .rule(millis -> millis >= 3000, "must be at least 3000");

  public static final Key<Integer> MANAGEMENT_PORT = integer("managementPort", 0,
    "HTTP port of `/metrics`, `/health` and `/ready` (HTTPS with the chat's certificate when TLS is on); `0` turns"
      + " it off (and Vert.x's metrics with it), `-1` lets the OS pick one (logged)")
    .rule(port -> port >= -1 && port <= 65535, "must be between -1 (any free port) and 65535 (0 turns it off)");
  public static final Key<String> MANAGEMENT_HOST = string("managementHost", "127.0.0.1",
    "address the management server binds: this machine only unless set")
    .rule(host -> !host.isBlank(), "must be a host name or address");
  public static final Key<String> MANAGEMENT_TOKEN = string("managementToken", "",
    "when set (16 or more printable characters), `/metrics` answers only `Authorization: Bearer <token>`;"
      + " `/health` and `/ready` stay open for probes")
    .rule(token -> token.isEmpty() || token.matches("[\\x21-\\x7e]{16,}"),
      "must be empty or at least 16 printable characters without spaces")
    .neverShown();
  public static final Key<Integer> MAX_MANAGEMENT_CONNECTIONS = integer("maxManagementConnections", 8,
    "open connections to the management port, apart from `maxConnections`; at least 1")
    .rule(n -> n >= 1, "must be at least 1");

  public static final Key<String> ACCOUNTS_FILE = string("accountsFile", "",
    "registered names and their password hashes (see [Accounts](#accounts)); empty: no accounts, the protocol as"
      + " above");
  public static final Key<Boolean> ACCOUNTS_REQUIRED = bool("accountsRequired", false,
    "only registered names may log in");
  public static final Key<Boolean> ACCOUNTS_OVER_TLS_ONLY = bool("accountsOverTlsOnly", false,
    "a login with a password is refused on a connection without TLS");
  public static final Key<Integer> PASSWORD_CHECK_THREADS = integer("passwordCheckThreads", 0,
    "threads that hash passwords (each check about half a second of a core): `0` for half the cores, at least one;"
      + " more lets a flood of guesses take more of the machine")
    .rule(n -> n >= 0, "must be 0 (half the cores) or more");

  public static final Key<String> CLUSTER_HOST = string("clusterHost", "",
    "with `-cluster`: the address Hazelcast and the event bus bind and others reach this node at; empty lets"
      + " Hazelcast pick the machine's address (binding all interfaces)");
  public static final Key<Integer> CLUSTER_PORT = integer("clusterPort", 5701,
    "with `-cluster`: Hazelcast's member port")
    .rule(port -> port >= 1 && port <= 65535, "must be between 1 and 65535");
  public static final Key<List<String>> CLUSTER_MEMBERS = list("clusterMembers", List.of(),
    "with `-cluster`: the nodes to join, comma-separated `host:port` (a JSON array in a `-conf` file); list each"
      + " port, ranges like `:5701-5705` are refused")
    .rule(Syntax.all(Syntax::isHostPort), "must be a comma-separated list of host:port (one port each)");
  public static final Key<String> CLUSTER_NAME = string("clusterName", "a-chat",
    "with `-cluster`: only nodes with the same name form a cluster")
    .rule(name -> !name.isBlank(), "must not be empty");
  public static final Key<String> CLUSTER_TLS_CERT_PATH = string("clusterTlsCertPath", "",
    "with `-cluster`: this node's certificate (PEM); set with the next two (all three or none), the event bus"
      + " between nodes is mutual TLS (see [Security](#security))")
    .rule(Syntax::readableOrEmpty, "must name a readable PEM file");
  public static final Key<String> CLUSTER_TLS_KEY_PATH = string("clusterTlsKeyPath", "",
    "with `-cluster`: this node's private key (PEM)")
    .rule(Syntax::readableOrEmpty, "must name a readable PEM file");
  public static final Key<String> CLUSTER_TLS_TRUST_PATH = string("clusterTlsTrustPath", "",
    "with `-cluster`: the CA certificate that signs every node's (PEM); only nodes it signs are let in")
    .rule(Syntax::readableOrEmpty, "must name a readable PEM file");

  private final String json;
  private final String env;
  private final Class<?> type;
  private final Readers.Reader<T> reader;
  private final T defaultValue;
  private final String doc;
  private final int index;
  // Set while the declarations above are made, never after.
  private final List<Rule<T>> rules = new ArrayList<>();
  private boolean secret;
  private String shownEmptyAs = "none";

  private record Rule<T>(Predicate<? super T> ok, String message) {
  }

  private Key(String json, Class<?> type, Readers.Reader<T> reader, T defaultValue, String doc) {
    this.json = json;
    this.env = "ACHAT_" + json.replaceAll("([A-Z])", "_$1").toUpperCase(Locale.ROOT);
    this.type = type;
    this.reader = reader;
    this.defaultValue = defaultValue;
    this.doc = doc;
    this.index = DECLARED.size();
    DECLARED.add(this);
  }

  private static Key<String> string(String json, String defaultValue, String doc) {
    return new Key<>(json, String.class, Readers::string, defaultValue, doc);
  }

  private static Key<Integer> integer(String json, int defaultValue, String doc) {
    return new Key<>(json, int.class, Readers::integer, defaultValue, doc);
  }

  private static Key<Long> longInteger(String json, long defaultValue, String doc) {
    return new Key<>(json, long.class, Readers::longInteger, defaultValue, doc);
  }

  private static Key<Boolean> bool(String json, boolean defaultValue, String doc) {
    return new Key<>(json, boolean.class, Readers::bool, defaultValue, doc);
  }

  private static Key<List<String>> list(String json, List<String> defaultValue, String doc) {
    return new Key<>(json, List.class, Readers::list, defaultValue, doc);
  }

  private Key<T> rule(Predicate<? super T> ok, String message) {
    rules.add(new Rule<>(ok, message));
    return this;
  }

  /** Its value is never shown: errors say {@code (not shown)}, the start line {@code set} or {@code none}. */
  private Key<T> neverShown() {
    secret = true;
    return this;
  }

  /** What the start line shows for an empty value, rather than {@code none}. */
  private Key<T> shownEmptyAs(String word) {
    shownEmptyAs = word;
    return this;
  }

  /** Every key, in the order of their declarations (the order of the start line and the README's table). */
  public static List<Key<?>> values() {
    return VALUES;
  }

  /** The key in a JSON configuration ({@code -conf}, the resolved configuration). */
  public String json() {
    return json;
  }

  /** The environment variable that sets it. */
  public String env() {
    return env;
  }

  /** The system property that sets it. */
  public String property() {
    return "achat." + json;
  }

  /** The value when no layer sets it. */
  public T defaultValue() {
    return defaultValue;
  }

  /** What it does, as the README's table says it. */
  public String doc() {
    return doc;
  }

  /** The type its accessor in {@link Settings} returns. */
  Class<?> type() {
    return type;
  }

  String describe() {
    return "'" + json + "' (" + env + ")";
  }

  @Override
  public String toString() {
    return json;
  }

  /**
   * Its value in merged layers: its system property, else its environment variable, else the key
   * itself (from a JSON layer), read as its type and checked against its rules.
   *
   * @throws IllegalArgumentException naming the key when the value is missing or bad
   */
  private T read(JsonObject merged) {
    for (String name : new String[] {property(), env, json}) {
      Object raw = merged.getValue(name);
      if (raw != null) {
        T value = reader.read(raw, this);
        for (Rule<T> rule : rules) {
          if (!rule.ok().test(value)) {
            throw Readers.bad(this, rule.message(), secret ? "(not shown)" : value);
          }
        }
        return value;
      }
    }
    throw new IllegalArgumentException("configuration " + describe() + " is missing");
  }

  /** Reads it from {@code merged} into its place among {@code values}. */
  void readInto(Object[] values, JsonObject merged) {
    values[index] = read(merged);
  }

  /** Its value among {@code values}, which hold one for every key in the order of {@link #values()}. */
  @SuppressWarnings("unchecked")
  T in(Object[] values) {
    return (T) values[index];
  }

  void set(Object[] values, T value) {
    values[index] = value;
  }

  /** {@code value} in the start line. */
  String shown(Object value) {
    String text = value instanceof List<?> items ? String.join(",", items.stream().map(String::valueOf).toList())
      : String.valueOf(value);
    if (secret) {
      return text.isEmpty() ? "none" : "set";
    }
    return text.isEmpty() ? shownEmptyAs : text;
  }
}
