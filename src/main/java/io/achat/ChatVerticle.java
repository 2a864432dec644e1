package io.achat;

import io.achat.broker.BrokerVerticle;
import io.achat.cluster.HazelcastCluster;
import io.achat.config.ChatConfig;
import io.achat.config.Key;
import io.achat.ops.ManagementVerticle;
import io.achat.server.ServerVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The a-chat server as one deployable unit: the broker, then {@code instances} accept loops, all
 * with this verticle's deployment config. Deploy it into any Vert.x instance (one per instance);
 * undeploying it, or closing Vert.x, is the clean shutdown.
 */
public final class ChatVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(ChatVerticle.class);

  // Filled by the deployment below, which creates its instances before it returns.
  private final List<ServerVerticle> servers = new ArrayList<>();
  private ManagementVerticle management;

  @Override
  public Future<?> start() {
    return ChatConfig.of(vertx, config())
      // Resolved once here, and handed down as it is.
      .compose(config -> vertx.deployVerticle(new BrokerVerticle(), new DeploymentOptions().setConfig(config.toJson()))
        .compose(broker -> vertx.deployVerticle(() -> {
              ServerVerticle server = new ServerVerticle();
              servers.add(server);
              return server;
            }, new DeploymentOptions().setConfig(config.toJson()).setInstances(config.instances()))
          .compose(loops -> !config.management() ? Future.succeededFuture(loops) : deployManagement(config)
            .recover(e -> vertx.undeploy(loops).transform(ar -> Future.failedFuture(e))))
          .recover(e -> vertx.undeploy(broker).transform(ar -> Future.failedFuture(e))))
        .onSuccess(id -> log.info("a-chat listening on {}{}{} ({})", localAddress(),
          config.web() ? ", web page at " + webUrl() : "", vertx.isClustered() ? ", one node of a cluster" : "",
          config.startLine(notInForce()))))
      .onFailure(e -> log.error("cannot start: {}", e.getMessage()));
  }

  @Override
  public Future<?> stop() {
    // The broker and the accept loops, this verticle's children, are undeployed before this runs.
    log.info("a-chat stopped");
    return Future.succeededFuture();
  }

  private Future<String> deployManagement(ChatConfig config) {
    if (!onClassPath("io.micrometer.prometheusmetrics.PrometheusMeterRegistry")
      || !onClassPath("io.vertx.micrometer.backends.BackendRegistries")) {
      return Future.failedFuture(new IllegalStateException("the management server ('managementPort') serves its "
        + "metrics with io.vertx:vertx-micrometer-metrics and io.micrometer:micrometer-registry-prometheus, which "
        + "are not on the class path: add them, or set 'managementPort' to 0"));
    }
    management = new ManagementVerticle();
    return vertx.deployVerticle(management, new DeploymentOptions().setConfig(config.toJson()));
  }

  /** Whether a class of an optional dependency is there (the runnable jar has them all). */
  private static boolean onClassPath(String name) {
    try {
      Class.forName(name, false, ChatVerticle.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  /** {@code http://host:port} of the management server; {@code null} when it is off or until started. */
  public String managementUrl() {
    return management == null ? null : management.url();
  }

  /**
   * {@code http(s)://host:port/} of the web page, whose WebSocket is at {@code /ws} there;
   * {@code null} when webPort is 0 or until started. An unspecified host (0.0.0.0) is given as
   * 127.0.0.1, an address to connect to.
   */
  public String webUrl() {
    return servers.isEmpty() ? null : servers.get(0).webUrl();
  }

  /** Where clients connect, with the real port; {@code null} until started. */
  public SocketAddress localAddress() {
    return servers.isEmpty() ? null : servers.get(0).localAddress();
  }

  /** The cluster keys when this node is not clustered, and Hazelcast's own when a Hazelcast XML of the user's configures it. */
  private Set<Key<?>> notInForce() {
    Set<Key<?>> hazelcast = HazelcastCluster.HAZELCAST_KEYS;
    if (!vertx.isClustered()) {
      Set<Key<?>> all = new HashSet<>(hazelcast);
      all.addAll(List.of(Key.CLUSTER_TLS_CERT_PATH, Key.CLUSTER_TLS_KEY_PATH, Key.CLUSTER_TLS_TRUST_PATH));
      return all;
    }
    return System.getProperty(HazelcastCluster.USER_CONFIG_PROPERTY) != null ? hazelcast : Set.of();
  }
}
