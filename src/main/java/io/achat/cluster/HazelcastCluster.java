package io.achat.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.achat.config.ChatConfig;
import io.achat.config.Key;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Set;

/**
 * The Hazelcast cluster manager of {@code -cluster}, configured by a-chat's own keys
 * ({@code clusterHost}, {@code clusterPort}, {@code clusterMembers}, {@code clusterName}): TCP-IP
 * join with the listed members, no multicast and no cloud auto-detection. A Hazelcast XML named
 * by {@code -Dvertx.hazelcast.config} wins over all of them.
 */
public final class HazelcastCluster {

  /** The system property of vertx-hazelcast that names the user's own Hazelcast XML. */
  public static final String USER_CONFIG_PROPERTY = "vertx.hazelcast.config";

  private static final Logger log = LoggerFactory.getLogger(HazelcastCluster.class);

  /** The keys a Hazelcast XML of the user's ({@link #USER_CONFIG_PROPERTY}) replaces. */
  public static final Set<Key<?>> HAZELCAST_KEYS =
    Set.of(Key.CLUSTER_HOST, Key.CLUSTER_PORT, Key.CLUSTER_MEMBERS, Key.CLUSTER_NAME);

  private HazelcastCluster() {
  }

  /** A cluster manager for a node configured by {@code config}. */
  public static HazelcastClusterManager manager(ChatConfig config) {
    String userConfig = System.getProperty(USER_CONFIG_PROPERTY);
    if (userConfig != null) {
      log.info("cluster configured by the Hazelcast XML {} (-D{}); clusterHost, clusterPort, clusterMembers"
        + " and clusterName are not used", userConfig, USER_CONFIG_PROPERTY);
      return new HazelcastClusterManager();
    }
    return new HazelcastClusterManager(hazelcastConfig(config));
  }

  /**
   * Vert.x's own Hazelcast configuration (the maps and multimap its event bus needs) with the
   * network and failure detection of a-chat's keys.
   */
  public static Config hazelcastConfig(ChatConfig config) {
    Config hazelcast = ConfigUtil.loadConfig();
    hazelcast.setClusterName(config.clusterName());
    hazelcast.setProperty("hazelcast.logging.type", "slf4j");
    hazelcast.setProperty("hazelcast.phone.home.enabled", "false");
    // Join as soon as a member answers instead of waiting ~5 s for others.
    hazelcast.setProperty("hazelcast.wait.seconds.before.join", "0");
    // A member that stops answering (hung, or its machine gone) is dropped after 5 s, not 60 s.
    hazelcast.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    hazelcast.setProperty("hazelcast.max.no.heartbeat.seconds", "5");
    // Two sides of a split look for each other every 5 s and merge, instead of after 300 s and every 120 s.
    hazelcast.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
    hazelcast.setProperty("hazelcast.merge.next.run.delay.seconds", "5");
    NetworkConfig network = hazelcast.getNetworkConfig();
    network.setPort(config.clusterPort()).setPortAutoIncrement(false);
    if (!config.clusterHost().isEmpty()) {
      hazelcast.setProperty("hazelcast.socket.bind.any", "false");
      network.getInterfaces().setEnabled(true).setInterfaces(List.of(config.clusterHost()));
    }
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(config.clusterMembers());
    if (config.clusterMembers().isEmpty()) {
      log.warn("clusterMembers is empty: this node forms a cluster of its own until other nodes list it");
    }
    return hazelcast;
  }
}
