package io.achat.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.TrustOptions;

import javax.net.ssl.X509TrustManager;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Every limit and policy of the server, read and checked once at start.
 *
 * <p>Layers, later ones winning: {@code conf/a-chat.json} on the class path (from
 * {@code src/main/conf}), the deployment configuration ({@code -conf}), environment variables
 * ({@code ACHAT_MAX_LINE_LENGTH} for {@code maxLineLength}), system properties
 * ({@code -Dachat.maxLineLength=...}).
 */
public record ChatConfig(
  String host,
  int port,
  int instances,
  int maxLoginLength,
  int maxLineLength,
  long drainTimeoutMillis,
  int maxConnections,
  long loginTimeoutMillis,
  boolean tcpKeepAlive,
  int maxQueuedBytes,
  int maxInFlightBytes,
  String tlsCertPath,
  String tlsKeyPath,
  String clusterHost,
  int clusterPort,
  List<String> clusterMembers,
  String clusterName,
  String clusterTlsCertPath,
  String clusterTlsKeyPath,
  String clusterTlsTrustPath,
  int managementPort,
  String managementHost,
  String managementToken,
  int maxConnectionsPerAddress,
  List<String> exemptAddresses,
  boolean proxyProtocol,
  List<String> trustedProxies,
  int webPort,
  List<String> webOrigins,
  List<String> webHosts,
  long maxClientMemory,
  long webSocketTimeoutMillis,
  long maxBlockedMillis,
  long stallTimeoutMillis,
  String accountsFile,
  boolean accountsRequired,
  boolean accountsOverTlsOnly,
  int maxManagementConnections,
  int maxNewConnectionsPerAddress,
  long requestTimeoutMillis,
  long keepAliveTimeoutMillis,
  int passwordCheckThreads,
  int ipv6PrefixBits) {

  public static final String DEFAULTS_RESOURCE = "conf/a-chat.json";
  /**
   * What {@code java -jar} (and so the image) adds over the defaults, below its {@code -conf}:
   * the web page and the management server. Deployed by class name, a-chat opens only the chat
   * port unless its configuration asks for more.
   */
  public static final String LAUNCHER_RESOURCE = "conf/launcher.json";

  /** The configuration keys, with the environment variable and system property that set each. */
  public enum Key {
    HOST("host"),
    PORT("port"),
    INSTANCES("instances"),
    MAX_LOGIN_LENGTH("maxLoginLength"),
    MAX_LINE_LENGTH("maxLineLength"),
    DRAIN_TIMEOUT_MILLIS("drainTimeoutMillis"),
    MAX_CONNECTIONS("maxConnections"),
    LOGIN_TIMEOUT_MILLIS("loginTimeoutMillis"),
    TCP_KEEP_ALIVE("tcpKeepAlive"),
    MAX_QUEUED_BYTES("maxQueuedBytes"),
    MAX_IN_FLIGHT_BYTES("maxInFlightBytes"),
    TLS_CERT_PATH("tlsCertPath"),
    TLS_KEY_PATH("tlsKeyPath"),
    CLUSTER_HOST("clusterHost"),
    CLUSTER_PORT("clusterPort"),
    CLUSTER_MEMBERS("clusterMembers"),
    CLUSTER_NAME("clusterName"),
    CLUSTER_TLS_CERT_PATH("clusterTlsCertPath"),
    CLUSTER_TLS_KEY_PATH("clusterTlsKeyPath"),
    CLUSTER_TLS_TRUST_PATH("clusterTlsTrustPath"),
    MANAGEMENT_PORT("managementPort"),
    MANAGEMENT_HOST("managementHost"),
    MANAGEMENT_TOKEN("managementToken"),
    MAX_CONNECTIONS_PER_ADDRESS("maxConnectionsPerAddress"),
    EXEMPT_ADDRESSES("exemptAddresses"),
    PROXY_PROTOCOL("proxyProtocol"),
    TRUSTED_PROXIES("trustedProxies"),
    WEB_PORT("webPort"),
    WEB_ORIGINS("webOrigins"),
    WEB_HOSTS("webHosts"),
    MAX_CLIENT_MEMORY("maxClientMemory"),
    WEB_SOCKET_TIMEOUT_MILLIS("webSocketTimeoutMillis"),
    MAX_BLOCKED_MILLIS("maxBlockedMillis"),
    STALL_TIMEOUT_MILLIS("stallTimeoutMillis"),
    ACCOUNTS_FILE("accountsFile"),
    ACCOUNTS_REQUIRED("accountsRequired"),
    ACCOUNTS_OVER_TLS_ONLY("accountsOverTlsOnly"),
    MAX_MANAGEMENT_CONNECTIONS("maxManagementConnections"),
    MAX_NEW_CONNECTIONS_PER_ADDRESS("maxNewConnectionsPerAddress"),
    REQUEST_TIMEOUT_MILLIS("requestTimeoutMillis"),
    KEEP_ALIVE_TIMEOUT_MILLIS("keepAliveTimeoutMillis"),
    PASSWORD_CHECK_THREADS("passwordCheckThreads"),
    IPV6_PREFIX_BITS("ipv6PrefixBits");

    private final String json;

    Key(String json) {
      this.json = json;
    }

    public String json() {
      return json;
    }

    public String env() {
      return "ACHAT_" + name();
    }

    public String property() {
      return "achat." + json;
    }

    String describe() {
      return "'" + json + "' (" + env() + ")";
    }
  }

  public ChatConfig {
    require(host != null && !host.isBlank(), Key.HOST, "must be a host name or address", host);
    require(port >= 0 && port <= 65535, Key.PORT, "must be between 0 and 65535", port);
    require(instances >= 1, Key.INSTANCES, "must be at least 1", instances);
    require(maxLoginLength >= 1, Key.MAX_LOGIN_LENGTH, "must be at least 1", maxLoginLength);
    require(maxLineLength >= 64, Key.MAX_LINE_LENGTH, "must be at least 64", maxLineLength);
    require(drainTimeoutMillis >= 0, Key.DRAIN_TIMEOUT_MILLIS, "must be 0 or more", drainTimeoutMillis);
    require(maxConnections >= 1, Key.MAX_CONNECTIONS, "must be at least 1", maxConnections);
    require(loginTimeoutMillis >= 1, Key.LOGIN_TIMEOUT_MILLIS, "must be at least 1", loginTimeoutMillis);
    require(maxQueuedBytes >= 4096, Key.MAX_QUEUED_BYTES, "must be at least 4096", maxQueuedBytes);
    require(maxInFlightBytes >= 1024, Key.MAX_IN_FLIGHT_BYTES, "must be at least 1024", maxInFlightBytes);
    require(tlsCertPath != null, Key.TLS_CERT_PATH, "must be a path or empty", tlsCertPath);
    require(tlsKeyPath != null, Key.TLS_KEY_PATH, "must be a path or empty", tlsKeyPath);
    require(!tlsCertPath.isEmpty() || tlsKeyPath.isEmpty(), Key.TLS_CERT_PATH, "must be set when tlsKeyPath is", tlsCertPath);
    require(!tlsKeyPath.isEmpty() || tlsCertPath.isEmpty(), Key.TLS_KEY_PATH, "must be set when tlsCertPath is", tlsKeyPath);
    require(tlsCertPath.isEmpty() || Files.isReadable(Path.of(tlsCertPath)), Key.TLS_CERT_PATH,
      "must name a readable PEM file", tlsCertPath);
    require(tlsKeyPath.isEmpty() || Files.isReadable(Path.of(tlsKeyPath)), Key.TLS_KEY_PATH,
      "must name a readable PEM file", tlsKeyPath);
    require(clusterHost != null, Key.CLUSTER_HOST, "must be an address or empty", clusterHost);
    require(clusterPort >= 1 && clusterPort <= 65535, Key.CLUSTER_PORT, "must be between 1 and 65535", clusterPort);
    require(clusterMembers != null && clusterMembers.stream().allMatch(ChatConfig::isHostPort), Key.CLUSTER_MEMBERS,
      "must be a comma-separated list of host:port (one port each)", clusterMembers);
    clusterMembers = List.copyOf(clusterMembers);
    require(clusterName != null && !clusterName.isBlank(), Key.CLUSTER_NAME, "must not be empty", clusterName);
    for (var pem : List.of(Map.entry(Key.CLUSTER_TLS_CERT_PATH, String.valueOf(clusterTlsCertPath)),
      Map.entry(Key.CLUSTER_TLS_KEY_PATH, String.valueOf(clusterTlsKeyPath)),
      Map.entry(Key.CLUSTER_TLS_TRUST_PATH, String.valueOf(clusterTlsTrustPath)))) {
      boolean any = !(clusterTlsCertPath + clusterTlsKeyPath + clusterTlsTrustPath).isEmpty();
      require(!any || !pem.getValue().isEmpty(), pem.getKey(),
        "must be set when any of clusterTlsCertPath, clusterTlsKeyPath, clusterTlsTrustPath is", pem.getValue());
      require(pem.getValue().isEmpty() || Files.isReadable(Path.of(pem.getValue())), pem.getKey(),
        "must name a readable PEM file", pem.getValue());
    }
    require(managementPort >= -1 && managementPort <= 65535, Key.MANAGEMENT_PORT,
      "must be between -1 (any free port) and 65535 (0 turns it off)", managementPort);
    require(managementHost != null && !managementHost.isBlank(), Key.MANAGEMENT_HOST, "must be a host name or address",
      managementHost);
    require(managementToken != null && (managementToken.isEmpty() || managementToken.matches("[\\x21-\\x7e]{16,}")),
      Key.MANAGEMENT_TOKEN, "must be empty or at least 16 printable characters without spaces", "(not shown)");
    require(maxConnectionsPerAddress >= 0, Key.MAX_CONNECTIONS_PER_ADDRESS, "must be 0 (no limit) or more",
      maxConnectionsPerAddress);
    require(exemptAddresses != null && exemptAddresses.stream().allMatch(ChatConfig::isAddress), Key.EXEMPT_ADDRESSES,
      "must be a comma-separated list of IP addresses or 'loopback'", exemptAddresses);
    exemptAddresses = List.copyOf(exemptAddresses);
    require(trustedProxies != null && trustedProxies.stream().allMatch(ChatConfig::isAddress), Key.TRUSTED_PROXIES,
      "must be a comma-separated list of IP addresses or 'loopback'", trustedProxies);
    trustedProxies = List.copyOf(trustedProxies);
    require(!proxyProtocol || !trustedProxies.isEmpty(), Key.PROXY_PROTOCOL,
      "needs trustedProxies (the proxies whose PROXY header is believed)", proxyProtocol);
    require(webPort >= -1 && webPort <= 65535, Key.WEB_PORT,
      "must be between -1 (any free port) and 65535 (0 turns it off)", webPort);
    require(webPort <= 0 || webPort != port && webPort != managementPort, Key.WEB_PORT,
      "must differ from 'port' and 'managementPort'", webPort);
    require(webOrigins != null && webOrigins.stream().allMatch(ChatConfig::isOrigin), Key.WEB_ORIGINS,
      "must be a comma-separated list of origins such as https://chat.example.com, or '*'", webOrigins);
    webOrigins = List.copyOf(webOrigins);
    require(webHosts != null && webHosts.stream().allMatch(ChatConfig::isWebHost), Key.WEB_HOSTS,
      "must be a comma-separated list of host names or addresses such as chat.example.com, 192.0.2.7, [2001:db8::7]",
      webHosts);
    webHosts = List.copyOf(webHosts);
    require(maxClientMemory >= 0, Key.MAX_CLIENT_MEMORY,
      "must be a number of bytes (0: a quarter of the JVM's maximum heap)", maxClientMemory);
    if (maxClientMemory == 0) {
      maxClientMemory = Runtime.getRuntime().maxMemory() / 4;
    }
    require(maxClientMemory >= maxQueuedBytes, Key.MAX_CLIENT_MEMORY, "must be at least maxQueuedBytes ("
      + maxQueuedBytes + ")", maxClientMemory);
    require(webSocketTimeoutMillis >= 3000, Key.WEB_SOCKET_TIMEOUT_MILLIS, "must be at least 3000", webSocketTimeoutMillis);
    require(maxBlockedMillis == 0 || maxBlockedMillis >= 2000, Key.MAX_BLOCKED_MILLIS,
      "must be 0 (never exit) or at least 2000", maxBlockedMillis);
    require(stallTimeoutMillis >= 300 && stallTimeoutMillis <= Integer.MAX_VALUE, Key.STALL_TIMEOUT_MILLIS,
      "must be at least 300", stallTimeoutMillis);
    require(accountsFile != null, Key.ACCOUNTS_FILE, "must be a path or empty", accountsFile);
    require(!accountsRequired || !accountsFile.isEmpty(), Key.ACCOUNTS_REQUIRED, "needs accountsFile",
      accountsRequired);
    require(!accountsOverTlsOnly || !accountsFile.isEmpty(), Key.ACCOUNTS_OVER_TLS_ONLY, "needs accountsFile",
      accountsOverTlsOnly);
    require(maxManagementConnections >= 1, Key.MAX_MANAGEMENT_CONNECTIONS, "must be at least 1", maxManagementConnections);
    require(maxNewConnectionsPerAddress >= 0, Key.MAX_NEW_CONNECTIONS_PER_ADDRESS, "must be 0 (no limit) or more",
      maxNewConnectionsPerAddress);
    require(requestTimeoutMillis >= 100 && requestTimeoutMillis <= Integer.MAX_VALUE, Key.REQUEST_TIMEOUT_MILLIS,
      "must be at least 100", requestTimeoutMillis);
    require(keepAliveTimeoutMillis >= 100 && keepAliveTimeoutMillis <= Integer.MAX_VALUE, Key.KEEP_ALIVE_TIMEOUT_MILLIS,
      "must be at least 100", keepAliveTimeoutMillis);
    require(passwordCheckThreads >= 0, Key.PASSWORD_CHECK_THREADS, "must be 0 (half the cores) or more",
      passwordCheckThreads);
    require(ipv6PrefixBits >= 16 && ipv6PrefixBits <= 128, Key.IPV6_PREFIX_BITS, "must be between 16 and 128",
      ipv6PrefixBits);
    if (passwordCheckThreads == 0) {
      passwordCheckThreads = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }
  }

  /** Whether registered names need their password. */
  public boolean accounts() {
    return !accountsFile.isEmpty();
  }

  /** {@code *}, or {@code http(s)://host[:port]} with nothing after it. */
  private static boolean isOrigin(String origin) {
    return origin.equals("*") || origin.matches("https?://[^/?#@\\s]+");
  }

  /** A host name, an IPv4 address, or an IPv6 address in brackets, as in a URL. */
  private static boolean isWebHost(String host) {
    return host.matches("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9.])?|\\[[0-9a-fA-F:.]+\\]");
  }

  private static boolean isAddress(String address) {
    return address.equals(LOOPBACK) || address.matches("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*");
  }

  /** In {@code exemptAddresses}: every loopback address (127.0.0.0/8, ::1). */
  public static final String LOOPBACK = "loopback";

  /**
   * Whether connections from {@code address} count against the per-address rules
   * ({@code maxConnectionsPerAddress}, {@code maxNewConnectionsPerAddress}): any of them is on and
   * the address is not one of {@code exemptAddresses}.
   */
  public boolean limitsAddress(java.net.InetAddress address) {
    return (maxConnectionsPerAddress != 0 || maxNewConnectionsPerAddress != 0) && !listed(exemptAddresses, address);
  }

  /** Whether {@code address} is a proxy whose word on the client's address is believed. */
  public boolean trustsProxy(java.net.InetAddress address) {
    return listed(trustedProxies, address);
  }

  private static boolean listed(List<String> addresses, java.net.InetAddress address) {
    for (String listed : addresses) {
      if (listed.equals(LOOPBACK) ? address.isLoopbackAddress() : sameAddress(listed, address)) {
        return true;
      }
    }
    return false;
  }

  private static boolean sameAddress(String literal, java.net.InetAddress address) {
    if (literal.equals(address.getHostAddress())) {
      return true;
    }
    try {
      return java.net.InetAddress.getByName(literal).equals(address); // a literal (checked at start): no lookup
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  private static boolean isHostPort(String member) {
    int colon = member.lastIndexOf(':');
    if (colon <= 0) {
      return false;
    }
    try {
      int port = Integer.parseInt(member.substring(colon + 1));
      return port >= 1 && port <= 65535;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** Whether the management HTTP server (metrics, health) runs. */
  public boolean management() {
    return managementPort != 0;
  }

  /** Whether the web page and WebSocket endpoint are served. */
  public boolean web() {
    return webPort != 0;
  }

  /**
   * {@code scheme://host:port} for a server of this node on {@code port}: on this machine's
   * loopback address when {@code host} is every address, so that it can be connected to.
   */
  public String url(String scheme, int port) {
    return url(scheme, host, port);
  }

  /** {@code http(s)://host:port} of the management server on {@code port}: HTTPS when clients connect over TLS. */
  public String managementUrl(int port) {
    return url(tls() ? "https" : "http", managementHost, port);
  }

  private static String url(String scheme, String host, int port) {
    String address = switch (host) {
      case "0.0.0.0" -> "127.0.0.1";
      case "::", "[::]" -> "::1";
      default -> host;
    };
    return scheme + "://" + (address.contains(":") && !address.startsWith("[") ? "[" + address + "]" : address)
      + ":" + port;
  }

  /** Whether the event bus between nodes runs over mutual TLS. */
  public boolean clusterTls() {
    return !clusterTlsCertPath.isEmpty();
  }

  /** Whether clients connect over TLS. */
  public boolean tls() {
    return !tlsCertPath.isEmpty();
  }

  /** The certificate and key every port of this server serves with TLS. */
  public PemKeyCertOptions keyCert() {
    return new PemKeyCertOptions().setCertPath(tlsCertPath).setKeyPath(tlsKeyPath);
  }

  /**
   * {@code options} serving TLS when it is configured: this server's certificate, a handshake
   * bounded by {@code requestTimeoutMillis}, and no client certificates asked for, so no trusted
   * authorities either (without them the TLS context is made without reading the JVM's
   * {@code cacerts}, which could fail for want of a file descriptor while a flood holds them all).
   */
  public <T extends NetServerOptions> T servingTls(T options) {
    if (tls()) {
      options.setSsl(true).setKeyCertOptions(keyCert()).setTrustOptions(TrustOptions.wrap(NO_CLIENT_CERTIFICATES))
        .setSslHandshakeTimeout(requestTimeoutMillis).setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
    }
    return options;
  }

  /** Trusts no client certificate: the servers ask for none. */
  private static final X509TrustManager NO_CLIENT_CERTIFICATES = new X509TrustManager() {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      throw new CertificateException("a-chat asks for no client certificate");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      throw new CertificateException("a-chat's servers trust no server");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  };

  /**
   * Builds the configuration from merged layers; a key's system property beats its environment
   * variable, which beats the key itself (from a JSON layer).
   *
   * @throws IllegalArgumentException naming the key when a value is missing or bad
   */
  public static ChatConfig fromJson(JsonObject merged) {
    return new ChatConfig(
      string(merged, Key.HOST),
      integer(merged, Key.PORT),
      integer(merged, Key.INSTANCES),
      integer(merged, Key.MAX_LOGIN_LENGTH),
      integer(merged, Key.MAX_LINE_LENGTH),
      integer(merged, Key.DRAIN_TIMEOUT_MILLIS),
      integer(merged, Key.MAX_CONNECTIONS),
      integer(merged, Key.LOGIN_TIMEOUT_MILLIS),
      bool(merged, Key.TCP_KEEP_ALIVE),
      integer(merged, Key.MAX_QUEUED_BYTES),
      integer(merged, Key.MAX_IN_FLIGHT_BYTES),
      string(merged, Key.TLS_CERT_PATH),
      string(merged, Key.TLS_KEY_PATH),
      string(merged, Key.CLUSTER_HOST),
      integer(merged, Key.CLUSTER_PORT),
      list(merged, Key.CLUSTER_MEMBERS),
      string(merged, Key.CLUSTER_NAME),
      string(merged, Key.CLUSTER_TLS_CERT_PATH),
      string(merged, Key.CLUSTER_TLS_KEY_PATH),
      string(merged, Key.CLUSTER_TLS_TRUST_PATH),
      integer(merged, Key.MANAGEMENT_PORT),
      string(merged, Key.MANAGEMENT_HOST),
      string(merged, Key.MANAGEMENT_TOKEN),
      integer(merged, Key.MAX_CONNECTIONS_PER_ADDRESS),
      list(merged, Key.EXEMPT_ADDRESSES),
      bool(merged, Key.PROXY_PROTOCOL),
      list(merged, Key.TRUSTED_PROXIES),
      integer(merged, Key.WEB_PORT),
      list(merged, Key.WEB_ORIGINS),
      list(merged, Key.WEB_HOSTS),
      longInteger(merged, Key.MAX_CLIENT_MEMORY),
      longInteger(merged, Key.WEB_SOCKET_TIMEOUT_MILLIS),
      longInteger(merged, Key.MAX_BLOCKED_MILLIS),
      longInteger(merged, Key.STALL_TIMEOUT_MILLIS),
      string(merged, Key.ACCOUNTS_FILE),
      bool(merged, Key.ACCOUNTS_REQUIRED),
      bool(merged, Key.ACCOUNTS_OVER_TLS_ONLY),
      integer(merged, Key.MAX_MANAGEMENT_CONNECTIONS),
      integer(merged, Key.MAX_NEW_CONNECTIONS_PER_ADDRESS),
      longInteger(merged, Key.REQUEST_TIMEOUT_MILLIS),
      longInteger(merged, Key.KEEP_ALIVE_TIMEOUT_MILLIS),
      integer(merged, Key.PASSWORD_CHECK_THREADS),
      integer(merged, Key.IPV6_PREFIX_BITS));
  }

  /**
   * In a deployment config: the configuration was resolved already (every layer read and
   * checked) and is handed down as it is; see {@link #toJson}.
   */
  public static final String RESOLVED = "aChatResolved";

  /**
   * A verticle's configuration: {@code deploymentConfig} as it is when it was resolved already
   * (handed down by {@code ChatVerticle} or the launcher), else read through every layer.
   */
  public static Future<ChatConfig> of(Vertx vertx, JsonObject deploymentConfig) {
    if (deploymentConfig != null && deploymentConfig.getBoolean(RESOLVED, false)) {
      try {
        return Future.succeededFuture(fromJson(deploymentConfig));
      } catch (IllegalArgumentException e) {
        return Future.failedFuture(e);
      }
    }
    return load(vertx, deploymentConfig == null ? new JsonObject() : deploymentConfig);
  }

  /** Every key with the value in force, marked {@link #RESOLVED}: the config to deploy the pieces with. */
  public JsonObject toJson() {
    return new JsonObject()
      .put(RESOLVED, true)
      .put(Key.HOST.json(), host)
      .put(Key.PORT.json(), port)
      .put(Key.INSTANCES.json(), instances)
      .put(Key.MAX_LOGIN_LENGTH.json(), maxLoginLength)
      .put(Key.MAX_LINE_LENGTH.json(), maxLineLength)
      .put(Key.DRAIN_TIMEOUT_MILLIS.json(), drainTimeoutMillis)
      .put(Key.MAX_CONNECTIONS.json(), maxConnections)
      .put(Key.LOGIN_TIMEOUT_MILLIS.json(), loginTimeoutMillis)
      .put(Key.TCP_KEEP_ALIVE.json(), tcpKeepAlive)
      .put(Key.MAX_QUEUED_BYTES.json(), maxQueuedBytes)
      .put(Key.MAX_IN_FLIGHT_BYTES.json(), maxInFlightBytes)
      .put(Key.TLS_CERT_PATH.json(), tlsCertPath)
      .put(Key.TLS_KEY_PATH.json(), tlsKeyPath)
      .put(Key.CLUSTER_HOST.json(), clusterHost)
      .put(Key.CLUSTER_PORT.json(), clusterPort)
      .put(Key.CLUSTER_MEMBERS.json(), new JsonArray(clusterMembers))
      .put(Key.CLUSTER_NAME.json(), clusterName)
      .put(Key.CLUSTER_TLS_CERT_PATH.json(), clusterTlsCertPath)
      .put(Key.CLUSTER_TLS_KEY_PATH.json(), clusterTlsKeyPath)
      .put(Key.CLUSTER_TLS_TRUST_PATH.json(), clusterTlsTrustPath)
      .put(Key.MANAGEMENT_PORT.json(), managementPort)
      .put(Key.MANAGEMENT_HOST.json(), managementHost)
      .put(Key.MANAGEMENT_TOKEN.json(), managementToken)
      .put(Key.MAX_CONNECTIONS_PER_ADDRESS.json(), maxConnectionsPerAddress)
      .put(Key.EXEMPT_ADDRESSES.json(), new JsonArray(exemptAddresses))
      .put(Key.PROXY_PROTOCOL.json(), proxyProtocol)
      .put(Key.TRUSTED_PROXIES.json(), new JsonArray(trustedProxies))
      .put(Key.WEB_PORT.json(), webPort)
      .put(Key.WEB_ORIGINS.json(), new JsonArray(webOrigins))
      .put(Key.WEB_HOSTS.json(), new JsonArray(webHosts))
      .put(Key.MAX_CLIENT_MEMORY.json(), maxClientMemory)
      .put(Key.WEB_SOCKET_TIMEOUT_MILLIS.json(), webSocketTimeoutMillis)
      .put(Key.MAX_BLOCKED_MILLIS.json(), maxBlockedMillis)
      .put(Key.STALL_TIMEOUT_MILLIS.json(), stallTimeoutMillis)
      .put(Key.ACCOUNTS_FILE.json(), accountsFile)
      .put(Key.ACCOUNTS_REQUIRED.json(), accountsRequired)
      .put(Key.ACCOUNTS_OVER_TLS_ONLY.json(), accountsOverTlsOnly)
      .put(Key.MAX_MANAGEMENT_CONNECTIONS.json(), maxManagementConnections)
      .put(Key.MAX_NEW_CONNECTIONS_PER_ADDRESS.json(), maxNewConnectionsPerAddress)
      .put(Key.REQUEST_TIMEOUT_MILLIS.json(), requestTimeoutMillis)
      .put(Key.KEEP_ALIVE_TIMEOUT_MILLIS.json(), keepAliveTimeoutMillis)
      .put(Key.PASSWORD_CHECK_THREADS.json(), passwordCheckThreads)
      .put(Key.IPV6_PREFIX_BITS.json(), ipv6PrefixBits);
  }

  /** Reads all layers over {@code deploymentConfig} (the {@code -conf} JSON) and checks them. */
  public static Future<ChatConfig> load(Vertx vertx, JsonObject deploymentConfig) {
    JsonArray envKeys = new JsonArray();
    Arrays.stream(Key.values()).forEach(k -> envKeys.add(k.env()));
    ConfigRetrieverOptions options = new ConfigRetrieverOptions()
      .setIncludeDefaultStores(false)
      .addStore(new ConfigStoreOptions().setType("json").setConfig(defaults()))
      .addStore(new ConfigStoreOptions().setType("json").setConfig(deploymentConfig))
      .addStore(new ConfigStoreOptions().setType("env")
        .setConfig(new JsonObject().put("keys", envKeys).put("raw-data", true)))
      .addStore(new ConfigStoreOptions().setType("sys")
        .setConfig(new JsonObject().put("cache", false).put("raw-data", true)));
    ConfigRetriever retriever = ConfigRetriever.create(vertx, options);
    return retriever.getConfig()
      .eventually(retriever::close)
      .map(ChatConfig::fromJson);
  }

  /**
   * Like {@link #load}, for use before the application's Vert.x exists (the cluster keys): reads
   * the layers with a Vert.x instance of its own, closed before it returns.
   *
   * @throws IllegalArgumentException naming the key when a value is missing or bad
   */
  public static ChatConfig read(JsonObject deploymentConfig) {
    Vertx vertx = Vertx.vertx();
    try {
      return load(vertx, deploymentConfig).await();
    } finally {
      vertx.close().await();
    }
  }

  /** The defaults shipped in {@code src/main/conf/a-chat.json}. */
  public static JsonObject defaults() {
    return resource(DEFAULTS_RESOURCE);
  }

  /**
   * A system property whose JSON is merged over {@link #LAUNCHER_RESOURCE}, still below
   * {@code -conf}: how the image changes a default (its management server listens on every
   * address of the container) while a mounted {@code -conf} file can still set every key.
   */
  public static final String LAUNCHER_DEFAULTS_PROPERTY = "achat.launcherDefaults";

  /**
   * {@code conf} (a {@code -conf}) over what the launcher adds to the defaults ({@link #LAUNCHER_RESOURCE}
   * and {@link #LAUNCHER_DEFAULTS_PROPERTY}).
   */
  public static JsonObject underLauncher(JsonObject conf) {
    JsonObject launcher = resource(LAUNCHER_RESOURCE);
    String extra = System.getProperty(LAUNCHER_DEFAULTS_PROPERTY);
    if (extra != null && !extra.isBlank()) {
      try {
        launcher.mergeIn(new JsonObject(extra));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("-D" + LAUNCHER_DEFAULTS_PROPERTY + " must be a JSON object, not '" + extra
          + "'", e);
      }
    }
    return launcher.mergeIn(conf == null ? new JsonObject() : conf);
  }

  private static JsonObject resource(String name) {
    try (InputStream in = ChatConfig.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is missing from the class path");
      }
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Object raw(JsonObject merged, Key key) {
    for (String name : new String[] {key.property(), key.env(), key.json()}) {
      Object value = merged.getValue(name);
      if (value != null) {
        return value;
      }
    }
    throw new IllegalArgumentException("configuration " + key.describe() + " is missing");
  }

  private static String string(JsonObject merged, Key key) {
    return raw(merged, key).toString().trim();
  }

  /** A JSON array of strings, or one comma-separated string (as environment variables give it). */
  private static List<String> list(JsonObject merged, Key key) {
    Object value = raw(merged, key);
    Stream<String> items = value instanceof JsonArray array
      ? array.stream().map(String::valueOf)
      : Arrays.stream(value.toString().split(","));
    return items.map(String::trim).filter(item -> !item.isEmpty()).toList();
  }

  private static int integer(JsonObject merged, Key key) {
    long value = longInteger(merged, key);
    if (value != (int) value) {
      throw new IllegalArgumentException(
        "configuration " + key.describe() + " must be an integer, not '" + value + "'");
    }
    return (int) value;
  }

  private static long longInteger(JsonObject merged, Key key) {
    Object value = raw(merged, key);
    try {
      if (value instanceof Number n) {
        if (n.doubleValue() != n.longValue()) {
          throw new NumberFormatException();
        }
        return n.longValue();
      }
      return Long.parseLong(value.toString().trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
        "configuration " + key.describe() + " must be an integer, not '" + value + "'");
    }
  }

  private static boolean bool(JsonObject merged, Key key) {
    Object value = raw(merged, key);
    if (value instanceof Boolean b) {
      return b;
    }
    String text = value.toString().trim();
    if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
      return Boolean.parseBoolean(text);
    }
    throw new IllegalArgumentException("configuration " + key.describe() + " must be true or false, not '" + value + "'");
  }

  private static void require(boolean ok, Key key, String rule, Object value) {
    if (!ok) {
      throw new IllegalArgumentException(
        "configuration " + key.describe() + " " + rule + ", not '" + value + "'");
    }
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT,
      "host=%s port=%d instances=%d maxLoginLength=%d maxLineLength=%d drainTimeoutMillis=%d"
        + " maxConnections=%d loginTimeoutMillis=%d tcpKeepAlive=%s maxQueuedBytes=%d"
        + " maxInFlightBytes=%d tls=%s managementPort=%d managementHost=%s managementToken=%s"
        + " maxConnectionsPerAddress=%d exemptAddresses=%s proxyProtocol=%s trustedProxies=%s"
        + " webPort=%d webOrigins=%s webHosts=%s maxClientMemory=%d webSocketTimeoutMillis=%d maxBlockedMillis=%d"
        + " stallTimeoutMillis=%d accounts=%s accountsRequired=%s accountsOverTlsOnly=%s maxManagementConnections=%d"
        + " maxNewConnectionsPerAddress=%d requestTimeoutMillis=%d keepAliveTimeoutMillis=%d"
        + " passwordCheckThreads=%d ipv6PrefixBits=%d",
      host, port, instances, maxLoginLength, maxLineLength, drainTimeoutMillis,
      maxConnections, loginTimeoutMillis, tcpKeepAlive, maxQueuedBytes, maxInFlightBytes,
      tls() ? tlsCertPath : "off", managementPort, managementHost, managementToken.isEmpty() ? "none" : "set",
      maxConnectionsPerAddress, String.join(",", exemptAddresses), proxyProtocol, String.join(",", trustedProxies),
      webPort, webOrigins.isEmpty() ? "same-origin" : String.join(",", webOrigins),
      webHosts.isEmpty() ? "localhost+listening" : String.join(",", webHosts), maxClientMemory,
      webSocketTimeoutMillis, maxBlockedMillis, stallTimeoutMillis, accounts() ? accountsFile : "off",
      accountsRequired, accountsOverTlsOnly, maxManagementConnections, maxNewConnectionsPerAddress, requestTimeoutMillis,
      keepAliveTimeoutMillis, passwordCheckThreads, ipv6PrefixBits);
  }
}
