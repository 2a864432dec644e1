package io.achat;

import io.achat.config.BusAddresses;
import io.achat.broker.BrokerVerticle;
import io.achat.server.ServerVerticle;
import io.achat.support.Background;
import io.achat.support.LineClient;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How an application deploys a-chat into a Vert.x instance of its own, and what it is told when that fails. */
@ExtendWith(VertxExtension.class)
class DeploymentTest {

  private static final long WAIT = 30;
  private static final JsonObject CONF = new JsonObject().put("host", "127.0.0.1").put("port", 0)
    .put("managementPort", 0).put("webPort", 0);

  @Test
  void theBrokerAndTheAcceptLoopsDeployByClassNameAndServeClients(Vertx vertx) throws Exception {
    Promise<String> listening = Promise.promise();
    vertx.eventBus().<String>localConsumer(BusAddresses.LISTENING, m -> listening.tryComplete(m.body()))
      .completion().await(WAIT, TimeUnit.SECONDS);
    vertx.deployVerticle("io.achat.broker.BrokerVerticle", new DeploymentOptions().setConfig(CONF))
      .await(WAIT, TimeUnit.SECONDS);
    vertx.deployVerticle("io.achat.server.ServerVerticle", new DeploymentOptions().setConfig(CONF).setInstances(2))
      .await(WAIT, TimeUnit.SECONDS);
    String address = listening.future().await(WAIT, TimeUnit.SECONDS);
    int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    // Several connections, so that both accept loops serve some of them.
    try (LineClient alice = LineClient.login("127.0.0.1", port, "alice");
         LineClient bob = LineClient.login("127.0.0.1", port, "bob");
         LineClient carol = LineClient.login("127.0.0.1", port, "carol")) {
      alice.send("bob, carol: from one loop to the others");
      assertThat(bob.readLine()).isEqualTo("from alice: from one loop to the others");
      assertThat(carol.readLine()).isEqualTo("from alice: from one loop to the others");
      carol.send("alice: back");
      assertThat(alice.readLine()).isEqualTo("from carol: back");
    }
  }

  @Test
  void anAcceptLoopWithoutABrokerFailsItsDeploymentSayingSo(Vertx vertx) {
    assertThatThrownBy(() -> vertx.deployVerticle(ServerVerticle.class.getName(), new DeploymentOptions().setConfig(CONF))
      .await(WAIT, TimeUnit.SECONDS))
      .hasMessageContaining("no a-chat broker").hasMessageContaining(BrokerVerticle.class.getName());
  }

  @Test
  void aSecondChatVerticleInTheSameVertxFailsSayingWhyAndTheFirstKeepsServing(Vertx vertx) throws Exception {
    ChatVerticle first = new ChatVerticle();
    String firstId = vertx.deployVerticle(first, new DeploymentOptions().setConfig(CONF)).await(WAIT, TimeUnit.SECONDS);
    assertThatThrownBy(() -> vertx.deployVerticle(new ChatVerticle(), new DeploymentOptions().setConfig(CONF))
      .await(WAIT, TimeUnit.SECONDS))
      .hasMessageContaining("already deployed in this Vert.x instance");
    chat(first.localAddress().port(), "first").await(WAIT, TimeUnit.SECONDS);
    // Nothing of the failed one is left behind: once the first is gone, another one starts.
    vertx.undeploy(firstId).await(WAIT, TimeUnit.SECONDS);
    ChatVerticle third = new ChatVerticle();
    vertx.deployVerticle(third, new DeploymentOptions().setConfig(CONF)).await(WAIT, TimeUnit.SECONDS);
    chat(third.localAddress().port(), "third").await(WAIT, TimeUnit.SECONDS);
  }

  @Test
  void aPortInUseFailsTheStartNamingTheAddressAndLeavesVertxUsable(Vertx vertx) throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      JsonObject conf = CONF.copy().put("port", taken.getLocalPort());
      assertThatThrownBy(() -> vertx.deployVerticle(new ChatVerticle(), new DeploymentOptions().setConfig(conf))
        .await(WAIT, TimeUnit.SECONDS))
        .hasMessageContaining("cannot listen on 127.0.0.1:" + taken.getLocalPort())
        .hasMessageContaining("'port'");
      ChatVerticle next = new ChatVerticle();
      vertx.deployVerticle(next, new DeploymentOptions().setConfig(CONF)).await(WAIT, TimeUnit.SECONDS);
      chat(next.localAddress().port(), "next").await(WAIT, TimeUnit.SECONDS);
    }
  }

  @Test
  void aTlsKeyThatIsNotPemFailsTheStartNamingTheKeys(Vertx vertx, @TempDir Path dir) throws IOException {
    Path key = Files.writeString(dir.resolve("key.pem"), "not a key\n");
    JsonObject conf = CONF.copy().put("tlsKeyPath", key.toString())
      .put("tlsCertPath", SelfSignedCertificate.create("localhost").certificatePath());
    assertThatThrownBy(() -> vertx.deployVerticle(new ChatVerticle(), new DeploymentOptions().setConfig(conf))
      .await(WAIT, TimeUnit.SECONDS))
      .hasMessageContaining("with TLS").hasMessageContaining("'tlsKeyPath'");
  }

  @Test
  void aServerInAnotherVertxCannotTakeThePortOfOneWithSeveralAcceptLoops(Vertx vertx) throws Exception {
    // Two Vert.x instances: waiting on each in turn reads more plainly than chaining across them.
    ChatVerticle first = new ChatVerticle();
    vertx.deployVerticle(first, new DeploymentOptions().setConfig(CONF.copy().put("instances", 2))).await(WAIT, TimeUnit.SECONDS);
    int port = first.localAddress().port();
    Vertx other = Vertx.vertx();
    try {
      JsonObject same = CONF.copy().put("port", port);
      assertThatThrownBy(() -> other.deployVerticle(new ChatVerticle(), new DeploymentOptions().setConfig(same))
        .await(WAIT, TimeUnit.SECONDS))
        .hasMessageContaining("cannot listen on 127.0.0.1:" + port);
    } finally {
      other.close().await(WAIT, TimeUnit.SECONDS);
    }
    chat(port, "still").await(WAIT, TimeUnit.SECONDS);
  }

  /** Two users log in and exchange a message, off the event loop. */
  private static Future<Void> chat(int port, String round) {
    return Future.fromCompletionStage(Background.run(() -> {
      try (LineClient alice = LineClient.login("127.0.0.1", port, "alice" + round);
           LineClient bob = LineClient.login("127.0.0.1", port, "bob" + round)) {
        alice.send(bob.login() + ": hi");
        assertThat(bob.readLine()).isEqualTo("from " + alice.login() + ": hi");
      }
    }));
  }
}
