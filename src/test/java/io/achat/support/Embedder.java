package io.achat.support;

import io.achat.config.BusAddresses;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.TimeUnit;

/**
 * An application that embeds a-chat: its own Vert.x, a-chat deployed by class name, nothing else.
 * Prints {@code a-chat listening on HOST:PORT} (its own line: the application may have no logger)
 * and serves until it is killed.
 */
public final class Embedder {

  private Embedder() {
  }

  public static void main(String[] args) {
    try {
      serve();
    } catch (Exception e) {
      e.printStackTrace();
      System.exit(1); // Vert.x's threads would keep the process up
    }
  }

  private static void serve() throws Exception {
    Vertx vertx = Vertx.vertx();
    Promise<String> listening = Promise.promise();
    vertx.eventBus().<String>localConsumer(BusAddresses.LISTENING, m -> listening.tryComplete(m.body()))
      .completion().await(30, TimeUnit.SECONDS);
    vertx.deployVerticle("io.achat.ChatVerticle", new DeploymentOptions()
      .setConfig(new JsonObject().put("host", "127.0.0.1").put("port", 0))).await(30, TimeUnit.SECONDS);
    System.out.println("a-chat listening on " + listening.future().await(30, TimeUnit.SECONDS));
  }
}
