package io.achat.cluster;

import io.achat.config.ChatConfig;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;

/**
 * Mutual TLS on the event bus between nodes ({@code clusterTlsCertPath}, {@code clusterTlsKeyPath},
 * {@code clusterTlsTrustPath}): each node accepts and opens event-bus connections only with a peer
 * whose certificate the trust file signs, so a node without such a certificate can neither read
 * the lines that cross nodes nor deliver any. Node certificates are checked against the trust
 * file, not against host names (the event bus never verifies them: nodes come and go by
 * address), so the trust file should be a certificate authority of the cluster's own. An
 * application that embeds a-chat in its own clustered Vert.x applies the same to its
 * {@link EventBusOptions}.
 */
public final class ClusterTls {

  private ClusterTls() {
  }

  /** Sets {@code options} to mutual TLS with the node certificate of {@code config}, when it has one. */
  public static EventBusOptions apply(EventBusOptions options, ChatConfig config) {
    if (!config.clusterTls()) {
      return options;
    }
    // The event bus copies these options through JSON: only PEM (or JKS, PKCS#12) options survive
    // it, which is why a refusal cannot be logged by a trust manager of a-chat's own.
    return options.setSsl(true)
      .setKeyCertOptions(new PemKeyCertOptions().setCertPath(config.clusterTlsCertPath())
        .setKeyPath(config.clusterTlsKeyPath()))
      .setTrustOptions(new PemTrustOptions().addCertPath(config.clusterTlsTrustPath()))
      // The event bus's default trusts every certificate a node it connects to shows, whatever the trust file.
      .setTrustAll(false)
      .setClientAuth(ClientAuth.REQUIRED);
  }
}
