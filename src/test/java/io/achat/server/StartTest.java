package io.achat.server;

import io.achat.ChatVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetAddress;
import java.net.ServerSocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@ExtendWith(VertxExtension.class)
class StartTest {

  @Test
  void aPortInUseFailsTheStartNamingTheAddressAndLeavesVertxUsable(Vertx vertx) throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      JsonObject conf = new JsonObject().put("host", "127.0.0.1").put("port", taken.getLocalPort());
      assertThatThrownBy(() -> vertx.deployVerticle(new ChatVerticle(), new DeploymentOptions().setConfig(conf)).await())
        .hasMessageContaining("cannot listen on 127.0.0.1:" + taken.getLocalPort())
        .hasMessageContaining("'port'");
    }
    // The failed start cleaned up after itself: a second deployment works.
    JsonObject conf = new JsonObject().put("host", "127.0.0.1").put("port", 0);
    ChatVerticle chat = new ChatVerticle();
    vertx.deployVerticle(chat, new DeploymentOptions().setConfig(conf)).await();
    assertThat(chat.localAddress().port()).isPositive();
  }

  @Test
  void aSecondServerCannotTakeThePortOfARunningOneWithSeveralAcceptLoops(Vertx vertx) throws Exception {
    // Several accept loops serve one port; another server must still not join in.
    JsonObject conf = new JsonObject().put("host", "127.0.0.1").put("port", 0).put("instances", 2);
    ChatVerticle first = new ChatVerticle();
    vertx.deployVerticle(first, new DeploymentOptions().setConfig(conf)).await();
    int port = first.localAddress().port();
    Vertx other = Vertx.vertx();
    try {
      JsonObject same = conf.copy().put("port", port);
      assertThatThrownBy(() -> other.deployVerticle(new ChatVerticle(), new DeploymentOptions().setConfig(same)).await())
        .hasMessageContaining("cannot listen on 127.0.0.1:" + port);
    } finally {
      other.close().await();
    }
  }
}
