package io.achat.server;

import io.achat.support.ChatServerFixture;
import io.achat.support.LineClient;
import io.achat.support.Ports;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The book's "Clean Shutdown", driven by undeploying the verticle. */
@ExtendWith(VertxExtension.class)
class ShutdownTest {

  @Test
  void undeployDeliversEveryAcceptedMessageThenClosesAndStopsAccepting(Vertx vertx) throws Exception {
    ChatServerFixture server = ChatServerFixture.deploy(vertx, new JsonObject().put("maxQueuedBytes", 64 << 20));
    int count = 3_000;
    String text = "x".repeat(1000);
    try (LineClient alice = server.login("alice"); LineClient bob = server.login("bob");
         LineClient carol = server.login("carol")) {
      // bob reads nothing yet: about 3 MB pile up for him in the server and the kernel.
      for (int i = 0; i < count; i++) {
        alice.send("bob: " + i + " " + text);
      }
      carol.send("bob: from carol, accepted before the shutdown");
      // Once alice's and carol's own echoes return, the broker has routed all of the above.
      alice.sync();
      carol.sync();

      Future<Void> undeployed = vertx.undeploy(server.deploymentId());

      List<String> lines = bob.readUntilClosed();
      List<String> fromAlice = new ArrayList<>();
      for (String line : lines) {
        if (line.startsWith("from alice: ")) {
          fromAlice.add(line);
        }
      }
      assertThat(fromAlice).hasSize(count);
      for (int i = 0; i < count; i++) {
        assertThat(fromAlice.get(i)).isEqualTo("from alice: " + i + " " + text);
      }
      assertThat(lines).contains("from carol: from carol, accepted before the shutdown");
      assertThat(alice.readUntilClosed()).isEmpty();
      undeployed.await(30, TimeUnit.SECONDS);
    }
    assertThat(Ports.refused(server.port())).as("a connection to the closed port is refused").isTrue();
  }

  @Test
  void drainIsBoundedByTheDrainTimeoutWhenARecipientNeverReads(Vertx vertx) throws Exception {
    ChatServerFixture server = ChatServerFixture.deploy(vertx, new JsonObject()
      .put("drainTimeoutMillis", 1000).put("maxQueuedBytes", 64 << 20));
    try (LineClient alice = server.login("alice"); LineClient bob = server.loginSlowReader("bob")) {
      String text = "y".repeat(8000);
      for (int i = 0; i < 2_000; i++) {
        alice.send("bob: " + text);
      }
      alice.sync();
      long start = System.nanoTime();
      vertx.undeploy(server.deploymentId()).await(20, TimeUnit.SECONDS);
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(tookMillis).as("undeploy time").isLessThan(10_000);
      // The server stopped waiting for bob after the timeout, and lets go of his socket once he
      // has taken nothing for the stall timeout (he may start reading before): what he reads is
      // in order, the last line possibly cut short (without its line end) where it was closed.
      List<String> got = bob.readUntilClosed();
      assertThat(got.size()).as("lines bob got").isBetween(1, 2_000);
      assertThat(got.subList(0, got.size() - 1)).allMatch(line -> line.equals("from alice: " + text));
      assertThat("from alice: " + text).startsWith(got.get(got.size() - 1));
    }
  }
}
