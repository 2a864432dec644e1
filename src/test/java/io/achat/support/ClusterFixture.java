package io.achat.support;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A cluster of a-chat nodes in this JVM, set up the way an application with its own clustered
 * Vert.x would: it creates each Vert.x with a Hazelcast cluster manager of its own configuring
 * (TCP-IP join on 127.0.0.1, a cluster name unique to the run), then deploys a-chat by class
 * name with a deployment config only, and learns the chat port from {@code a-chat.listening}.
 */
public final class ClusterFixture implements AutoCloseable {

  /** One node: its Vert.x and the port its chat server listens on. */
  public record Node(Vertx vertx, int port) {

    public LineClient login(String login) {
      return LineClient.login("127.0.0.1", port, login);
    }

    public LineClient connect() {
      return LineClient.connect("127.0.0.1", port);
    }

    /** A client whose small receive buffer makes the server queue what it cannot take. */
    public LineClient loginSlowReader(String login) {
      return LineClient.login("127.0.0.1", port, login, 4096);
    }
  }

  private final List<Node> nodes = new ArrayList<>();

  private ClusterFixture() {
  }

  /** Starts {@code size} clustered nodes, each running a-chat with {@code config} over the test defaults. */
  public static ClusterFixture start(int size, JsonObject config) {
    ClusterFixture cluster = new ClusterFixture();
    String name = "a-chat-test-" + UUID.randomUUID();
    List<String> members = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      members.add("127.0.0.1:" + freePort());
    }
    try {
      List<Future<Node>> starting = new ArrayList<>();
      for (String member : members) {
        starting.add(startNode(name, member, members, config));
      }
      for (Future<Node> node : starting) {
        cluster.nodes.add(node.await(60, TimeUnit.SECONDS));
      }
    } catch (Exception e) {
      cluster.close();
      throw new AssertionError("the cluster did not start", e);
    }
    return cluster;
  }

  public Node node(int i) {
    return nodes.get(i);
  }

  public List<Node> nodes() {
    return nodes;
  }

  private static Future<Node> startNode(String name, String member, List<String> members, JsonObject config) {
    Config hazelcast = ConfigUtil.loadConfig();
    hazelcast.setClusterName(name);
    hazelcast.setProperty("hazelcast.logging.type", "slf4j");
    hazelcast.setProperty("hazelcast.phone.home.enabled", "false");
    hazelcast.setProperty("hazelcast.socket.bind.any", "false");
    hazelcast.setProperty("hazelcast.wait.seconds.before.join", "0");
    hazelcast.getNetworkConfig().setPort(Integer.parseInt(member.substring(member.indexOf(':') + 1)))
      .setPortAutoIncrement(false);
    hazelcast.getNetworkConfig().getInterfaces().setEnabled(true).setInterfaces(List.of("127.0.0.1"));
    JoinConfig join = hazelcast.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(members);
    VertxOptions options = new VertxOptions();
    options.getEventBusOptions().setHost("127.0.0.1").setPort(0);
    return Vertx.builder().with(options).withClusterManager(new HazelcastClusterManager(hazelcast)).buildClustered()
      .compose(vertx -> {
        Promise<Integer> listening = Promise.promise();
        MessageConsumer<String> consumer = vertx.eventBus().localConsumer("a-chat.listening",
          m -> listening.tryComplete(Integer.parseInt(m.body().substring(m.body().lastIndexOf(':') + 1))));
        JsonObject conf = new JsonObject().put("host", "127.0.0.1").put("port", 0).put("instances", 2)
          .put("managementPort", 0).put("webPort", 0).mergeIn(config);
        return consumer.completion()
          .compose(v -> vertx.deployVerticle("io.achat.ChatVerticle", new DeploymentOptions().setConfig(conf)))
          .compose(id -> listening.future())
          .eventually(consumer::unregister)
          .map(port -> new Node(vertx, port));
      });
  }

  /**
   * A port that was free on 127.0.0.1 a moment ago, for a Hazelcast member: below Linux's
   * ephemeral range (32768 and up), so that no connection a node opens takes it before the
   * member listens on it.
   */
  public static int freePort() {
    for (int i = 0; i < 200; i++) {
      int port = ThreadLocalRandom.current().nextInt(20_000, 32_000);
      try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        return socket.getLocalPort();
      } catch (IOException taken) {
        // try another
      }
    }
    throw new UncheckedIOException(new IOException("no free port between 20000 and 32000 on 127.0.0.1"));
  }

  /** Stops every node: the clean shutdown of each a-chat, then its Vert.x leaves the cluster. */
  @Override
  public void close() {
    List<Future<Void>> closing = new ArrayList<>();
    nodes.forEach(node -> closing.add(node.vertx().close()));
    try {
      Future.join(closing).await(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the cluster did not stop", e);
    }
  }
}
