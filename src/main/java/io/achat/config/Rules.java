package io.achat.config;

import java.util.List;

/**
 * What no key's declaration can say alone: the values that follow from the machine, and the rules
 * between keys. Both apply once every key has been read and has passed its own rules.
 */
final class Rules {

  private Rules() {
  }

  /** Values that stand for what the machine has: 0 for maxClientMemory and passwordCheckThreads. */
  static Object[] derive(Object[] values) {
    if (Key.MAX_CLIENT_MEMORY.in(values) == 0) {
      Key.MAX_CLIENT_MEMORY.set(values, Runtime.getRuntime().maxMemory() / 4);
    }
    if (Key.PASSWORD_CHECK_THREADS.in(values) == 0) {
      Key.PASSWORD_CHECK_THREADS.set(values, Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
    }
    return values;
  }

  /** @throws IllegalArgumentException naming the key when two of them disagree */
  static void check(ChatConfig c) {
    require(!c.tlsCertPath().isEmpty() || c.tlsKeyPath().isEmpty(), Key.TLS_CERT_PATH,
      "must be set when tlsKeyPath is", c.tlsCertPath());
    require(!c.tlsKeyPath().isEmpty() || c.tlsCertPath().isEmpty(), Key.TLS_KEY_PATH,
      "must be set when tlsCertPath is", c.tlsKeyPath());
    boolean anyClusterTls = !(c.clusterTlsCertPath() + c.clusterTlsKeyPath() + c.clusterTlsTrustPath()).isEmpty();
    for (Key<String> pem : List.of(Key.CLUSTER_TLS_CERT_PATH, Key.CLUSTER_TLS_KEY_PATH,
      Key.CLUSTER_TLS_TRUST_PATH)) {
      require(!anyClusterTls || !c.get(pem).isEmpty(), pem,
        "must be set when any of clusterTlsCertPath, clusterTlsKeyPath, clusterTlsTrustPath is", c.get(pem));
    }
    require(!c.proxyProtocol() || !c.trustedProxies().isEmpty(), Key.PROXY_PROTOCOL,
      "needs trustedProxies (the proxies whose PROXY header is believed)", c.proxyProtocol());
    require(c.webPort() <= 0 || c.webPort() != c.port() && c.webPort() != c.managementPort(), Key.WEB_PORT,
      "must differ from 'port' and 'managementPort'", c.webPort());
    require(c.maxClientMemory() >= c.maxQueuedBytes(), Key.MAX_CLIENT_MEMORY,
      "must be at least maxQueuedBytes (" + c.maxQueuedBytes() + ")", c.maxClientMemory());
    require(!c.accountsRequired() || c.accounts(), Key.ACCOUNTS_REQUIRED, "needs accountsFile", c.accountsRequired());
    require(!c.accountsOverTlsOnly() || c.accounts(), Key.ACCOUNTS_OVER_TLS_ONLY, "needs accountsFile",
      c.accountsOverTlsOnly());
  }

  private static void require(boolean ok, Key<?> key, String rule, Object value) {
    if (!ok) {
      throw Readers.bad(key, rule, value);
    }
  }
}
