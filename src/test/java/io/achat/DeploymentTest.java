package io.achat;

import io.achat.config.Addresses;
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
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How an application deploys a-chat into a Vert.x instance of its own, and what it is told when that fails. */
@ExtendWith(VertxExtension.class)
class DeploymentTest {

  private static final JsonObject CONF = new JsonObject().put("host", "127.0.0.1").put("port", 0)
    .put("managementPort", 0).put("webPort", 0);

  @Test
  void theBrokerAndTheAcceptLoopsDeployByClassNameAndServeClients(Vertx vertx, VertxTestContext test) {
    Promise<String> listening = Promise.promise();
    vertx.eventBus().<String>localConsumer(Addresses.LISTENING, m -> listening.tryComplete(m.body()))
      .completion()
      .compose(v -> vertx.deployVerticle("io.achat.broker.BrokerVerticle", new DeploymentOptions().setConfig(CONF)))
      .compose(v -> vertx.deployVerticle("io.achat.server.ServerVerticle",
        new DeploymentOptions().setConfig(CONF).setInstances(2)))
      .compose(v -> listening.future())
      .onComplete(test.succeeding(address -> Background.run(() -> test.verify(() -> {
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
        test.completeNow();
      }))));
  }

  @Test
  void anAcceptLoopWithoutABrokerFailsItsDeploymentSayingSo(Vertx vertx, VertxTestContext test) {
    vertx.deployVerticle(ServerVerticle.class.getName(), new DeploymentOptions().setConfig(CONF))
      .onComplete(test.failing(e -> test.verify(() -> {
        assertThat(e).hasMessageContaining("no a-chat broker").hasMessageContaining(BrokerVerticle.class.getName());
        test.completeNow();
      })));
  }

  @Test
  void aSecondChatVerticleInTheSameVertxFailsSayingWhyAndTheFirstKeepsServing(Vertx vertx, VertxTestContext test) {
    ChatVerticle first = new ChatVerticle();
    vertx.deployVerticle(first, new DeploymentOptions().setConfig(CONF))
      .compose(firstId -> vertx.deployVerticle(new ChatVerticle(), new DeploymentOptions().setConfig(CONF))
        .transform(second -> {
          test.verify(() -> assertThat(second.cause()).hasMessageContaining("already deployed in this Vert.x instance"));
          return chat(first.localAddress().port(), "first");
        })
        // Nothing of the failed one is left behind: once the first is gone, another one starts.
        .compose(v -> vertx.undeploy(firstId)))
      .compose(v -> {
        ChatVerticle third = new ChatVerticle();
        return vertx.deployVerticle(third, new DeploymentOptions().setConfig(CONF))
          .compose(id -> chat(third.localAddress().port(), "third"));
      })
      .onComplete(test.succeedingThenComplete());
  }

  @Test
  void aPortInUseFailsTheStartNamingTheAddressAndLeavesVertxUsable(Vertx vertx, VertxTestContext test) throws Exception {
    ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
    JsonObject conf = CONF.copy().put("port", taken.getLocalPort());
    ChatVerticle next = new ChatVerticle();
    vertx.deployVerticle(new ChatVerticle(), new DeploymentOptions().setConfig(conf))
      .transform(failed -> {
        test.verify(() -> assertThat(failed.cause())
          .hasMessageContaining("cannot listen on 127.0.0.1:" + taken.getLocalPort())
          .hasMessageContaining("'port'"));
        return vertx.deployVerticle(next, new DeploymentOptions().setConfig(CONF));
      })
      .compose(id -> chat(next.localAddress().port(), "next"))
      .andThen(ar -> close(taken))
      .onComplete(test.succeedingThenComplete());
  }

  @Test
  void aTlsKeyThatIsNotPemFailsTheStartNamingTheKeys(Vertx vertx, VertxTestContext test, @TempDir Path dir)
    throws IOException {
    Path key = Files.writeString(dir.resolve("key.pem"), "not a key\n");
    JsonObject conf = CONF.copy().put("tlsKeyPath", key.toString())
      .put("tlsCertPath", SelfSignedCertificate.create("localhost").certificatePath());
    vertx.deployVerticle(new ChatVerticle(), new DeploymentOptions().setConfig(conf))
      .onComplete(test.failing(e -> test.verify(() -> {
        assertThat(e).hasMessageContaining("with TLS").hasMessageContaining("'tlsKeyPath'");
        test.completeNow();
      })));
  }

  @Test
  void aServerInAnotherVertxCannotTakeThePortOfOneWithSeveralAcceptLoops(Vertx vertx) throws Exception {
    // Two Vert.x instances: waiting on each in turn reads more plainly than chaining across them.
    ChatVerticle first = new ChatVerticle();
    vertx.deployVerticle(first, new DeploymentOptions().setConfig(CONF.copy().put("instances", 2))).await();
    int port = first.localAddress().port();
    Vertx other = Vertx.vertx();
    try {
      JsonObject same = CONF.copy().put("port", port);
      assertThatThrownBy(() -> other.deployVerticle(new ChatVerticle(), new DeploymentOptions().setConfig(same)).await())
        .hasMessageContaining("cannot listen on 127.0.0.1:" + port);
    } finally {
      other.close().await();
    }
    chat(port, "still").await();
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

  private static void close(ServerSocket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
