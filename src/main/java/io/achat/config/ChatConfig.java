package io.achat.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServerOptions;

import java.net.InetAddress;
import java.util.Set;
import java.util.StringJoiner;

/**
 * Every limit and policy of the server, read and checked once at start. The keys, with their
 * defaults and rules, are declared in {@link Key}; {@link Settings} has an accessor for each.
 *
 * <p>Layers, later ones winning: the declared defaults, the deployment configuration
 * ({@code -conf}), environment variables ({@code ACHAT_MAX_LINE_LENGTH} for
 * {@code maxLineLength}), system properties ({@code -Dachat.maxLineLength=...}); see
 * {@link Layers}.
 */
public final class ChatConfig extends Settings {

  /**
   * In a deployment config: the configuration was resolved already (every layer read and
   * checked) and is handed down as it is; see {@link #toJson}.
   */
  public static final String RESOLVED = "aChatResolved";
  /**
   * A system property whose JSON is merged over what {@code java -jar} adds to the defaults
   * ({@code conf/launcher.json}), still below {@code -conf}: how the image changes a default while
   * a mounted {@code -conf} file can still set every key.
   */
  public static final String LAUNCHER_DEFAULTS_PROPERTY = "achat.launcherDefaults";

  private ChatConfig(Object[] values) {
    super(Rules.derive(values));
    Rules.check(this);
  }

  /** Whether registered names need their password. */
  public boolean accounts() {
    return !accountsFile().isEmpty();
  }

  /** Whether the management HTTP server (metrics, health) runs. */
  public boolean management() {
    return managementPort() != 0;
  }

  /** Whether the web page and WebSocket endpoint are served. */
  public boolean web() {
    return webPort() != 0;
  }

  /** Whether clients connect over TLS. */
  public boolean tls() {
    return !tlsCertPath().isEmpty();
  }

  /** Whether the event bus between nodes runs over mutual TLS. */
  public boolean clusterTls() {
    return !clusterTlsCertPath().isEmpty();
  }

  /** Whether connections from {@code address} count against the per-address rules (see {@link AddressPolicy}). */
  public boolean limitsAddress(InetAddress address) {
    return AddressPolicy.limits(this, address);
  }

  /** Whether {@code address} is a proxy whose word on the client's address is believed. */
  public boolean trustsProxy(InetAddress address) {
    return AddressPolicy.trusts(this, address);
  }

  /** {@code scheme://host:port} for a server of this node on {@code port}, to connect to (see {@link Serving#url}). */
  public String url(String scheme, int port) {
    return Serving.url(scheme, host(), port);
  }

  /** {@code http(s)://host:port} of the management server on {@code port}: HTTPS when clients connect over TLS. */
  public String managementUrl(int port) {
    return Serving.url(tls() ? "https" : "http", managementHost(), port);
  }

  /** {@code options} serving TLS when it is configured (see {@link Serving#tls}). */
  public <T extends NetServerOptions> T servingTls(T options) {
    return Serving.tls(this, options);
  }

  /**
   * Builds the configuration from merged layers; a key's system property beats its environment
   * variable, which beats the key itself (from a JSON layer).
   *
   * @throws IllegalArgumentException naming the key when a value is missing or bad
   */
  public static ChatConfig fromJson(JsonObject merged) {
    Object[] values = new Object[Key.values().size()];
    for (Key<?> key : Key.values()) {
      key.readInto(values, merged);
    }
    return new ChatConfig(values);
  }

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

  /** Reads all layers over {@code deploymentConfig} (the {@code -conf} JSON) with vertx-config, and checks them. */
  public static Future<ChatConfig> load(Vertx vertx, JsonObject deploymentConfig) {
    ConfigRetriever retriever = ConfigRetriever.create(vertx, Layers.retrieverOptions(deploymentConfig));
    return retriever.getConfig()
      .eventually(retriever::close)
      .map(ChatConfig::fromJson);
  }

  /**
   * Like {@link #load}, for use before the application's Vert.x exists (the cluster keys): the
   * same layers, read in plain Java.
   *
   * @throws IllegalArgumentException naming the key when a value is missing or bad
   */
  public static ChatConfig read(JsonObject deploymentConfig) {
    return fromJson(Layers.merged(deploymentConfig == null ? new JsonObject() : deploymentConfig));
  }

  /** Every key with its declared default. */
  public static JsonObject defaults() {
    return Layers.defaults();
  }

  /**
   * {@code conf} (a {@code -conf}) over what the launcher adds to the defaults: {@code conf/launcher.json}
   * and {@link #LAUNCHER_DEFAULTS_PROPERTY}.
   */
  public static JsonObject underLauncher(JsonObject conf) {
    return Layers.underLauncher(conf);
  }

  /** Every key with the value in force, marked {@link #RESOLVED}: the config to deploy the pieces with. */
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put(RESOLVED, true);
    for (Key<?> key : Key.values()) {
      json.put(key.json(), Layers.json(get(key)));
    }
    return json;
  }

  /** Every key with its value, secrets shown only as set or none. */
  @Override
  public String toString() {
    return startLine(Set.of());
  }

  /**
   * The start line's account of it: every key with its value in force, secrets shown only as set
   * or none; {@code unused} are left out (what else configures them, such as a Hazelcast XML of
   * the user's own, is logged on its own).
   */
  public String startLine(Set<Key<?>> unused) {
    StringJoiner line = new StringJoiner(" ");
    for (Key<?> key : Key.values()) {
      if (!unused.contains(key)) {
        line.add(key.json() + "=" + key.shown(get(key)));
      }
    }
    return line.toString();
  }
}
