package io.achat.config;

import java.util.Arrays;
import java.util.List;

/**
 * The value in force of every key declared in {@link Key}, with an accessor for each named as
 * the key ({@code config.maxLineLength()}); {@link ChatConfig} adds what follows from them.
 */
public abstract class Settings {

  /** One value for each key, in the order of {@link Key#values()}. */
  private final Object[] values;

  Settings(Object[] values) {
    this.values = values;
  }

  /** The value in force of {@code key}. */
  public final <T> T get(Key<T> key) {
    return key.in(values);
  }

  public String host() {
    return get(Key.HOST);
  }

  public int port() {
    return get(Key.PORT);
  }

  public int instances() {
    return get(Key.INSTANCES);
  }

  public long drainTimeoutMillis() {
    return get(Key.DRAIN_TIMEOUT_MILLIS);
  }

  public boolean tcpKeepAlive() {
    return get(Key.TCP_KEEP_ALIVE);
  }

  public int maxLoginLength() {
    return get(Key.MAX_LOGIN_LENGTH);
  }

  public int maxWatched() {
    return get(Key.MAX_WATCHED);
  }

  public int maxLineLength() {
    return get(Key.MAX_LINE_LENGTH);
  }

  public long loginTimeoutMillis() {
    return get(Key.LOGIN_TIMEOUT_MILLIS);
  }

  public int maxConnections() {
    return get(Key.MAX_CONNECTIONS);
  }

  public int maxConnectionsPerAddress() {
    return get(Key.MAX_CONNECTIONS_PER_ADDRESS);
  }

  public int maxNewConnectionsPerAddress() {
    return get(Key.MAX_NEW_CONNECTIONS_PER_ADDRESS);
  }

  public int ipv6PrefixBits() {
    return get(Key.IPV6_PREFIX_BITS);
  }

  public List<String> exemptAddresses() {
    return get(Key.EXEMPT_ADDRESSES);
  }

  public long requestTimeoutMillis() {
    return get(Key.REQUEST_TIMEOUT_MILLIS);
  }

  public long keepAliveTimeoutMillis() {
    return get(Key.KEEP_ALIVE_TIMEOUT_MILLIS);
  }

  public int maxQueuedBytes() {
    return get(Key.MAX_QUEUED_BYTES);
  }

  public int maxInFlightBytes() {
    return get(Key.MAX_IN_FLIGHT_BYTES);
  }

  public long maxClientMemory() {
    return get(Key.MAX_CLIENT_MEMORY);
  }

  public long stallTimeoutMillis() {
    return get(Key.STALL_TIMEOUT_MILLIS);
  }

  public long maxBlockedMillis() {
    return get(Key.MAX_BLOCKED_MILLIS);
  }

  public String tlsCertPath() {
    return get(Key.TLS_CERT_PATH);
  }

  public String tlsKeyPath() {
    return get(Key.TLS_KEY_PATH);
  }

  public List<String> trustedProxies() {
    return get(Key.TRUSTED_PROXIES);
  }

  public boolean proxyProtocol() {
    return get(Key.PROXY_PROTOCOL);
  }

  public int webPort() {
    return get(Key.WEB_PORT);
  }

  public List<String> webHosts() {
    return get(Key.WEB_HOSTS);
  }

  public List<String> webOrigins() {
    return get(Key.WEB_ORIGINS);
  }

  public long webSocketTimeoutMillis() {
    return get(Key.WEB_SOCKET_TIMEOUT_MILLIS);
  }

  public int managementPort() {
    return get(Key.MANAGEMENT_PORT);
  }

  public String managementHost() {
    return get(Key.MANAGEMENT_HOST);
  }

  public String managementToken() {
    return get(Key.MANAGEMENT_TOKEN);
  }

  public int maxManagementConnections() {
    return get(Key.MAX_MANAGEMENT_CONNECTIONS);
  }

  public String accountsFile() {
    return get(Key.ACCOUNTS_FILE);
  }

  public boolean accountsRequired() {
    return get(Key.ACCOUNTS_REQUIRED);
  }

  public boolean accountsOverTlsOnly() {
    return get(Key.ACCOUNTS_OVER_TLS_ONLY);
  }

  public int passwordCheckThreads() {
    return get(Key.PASSWORD_CHECK_THREADS);
  }

  public String clusterHost() {
    return get(Key.CLUSTER_HOST);
  }

  public int clusterPort() {
    return get(Key.CLUSTER_PORT);
  }

  public List<String> clusterMembers() {
    return get(Key.CLUSTER_MEMBERS);
  }

  public String clusterName() {
    return get(Key.CLUSTER_NAME);
  }

  public String clusterTlsCertPath() {
    return get(Key.CLUSTER_TLS_CERT_PATH);
  }

  public String clusterTlsKeyPath() {
    return get(Key.CLUSTER_TLS_KEY_PATH);
  }

  public String clusterTlsTrustPath() {
    return get(Key.CLUSTER_TLS_TRUST_PATH);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Settings other && getClass() == other.getClass() && Arrays.equals(values, other.values);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(values);
  }
}
