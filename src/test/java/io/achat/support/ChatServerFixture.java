package io.achat.support;

import io.achat.ChatVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A whole a-chat server deployed in a test's Vert.x instance, on 127.0.0.1 and an OS-chosen port. */
public final class ChatServerFixture {

  private final ChatVerticle verticle = new ChatVerticle();
  private final String deploymentId;

  private ChatServerFixture(Vertx vertx, JsonObject config) {
    JsonObject conf = new JsonObject().put("host", "127.0.0.1").put("port", 0).put("instances", 2)
      .put("managementPort", 0).put("webPort", 0)
      .mergeIn(config);
    try {
      deploymentId = vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(conf))
        .await(30, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("a-chat did not start within 30 s", e);
    }
  }

  public static ChatServerFixture deploy(Vertx vertx) {
    return deploy(vertx, new JsonObject());
  }

  public static ChatServerFixture deploy(Vertx vertx, JsonObject config) {
    return new ChatServerFixture(vertx, config);
  }

  public String deploymentId() {
    return deploymentId;
  }

  /** {@code http://host:port} of the management server (deploy with {@code "managementPort": -1}). */
  public String managementUrl() {
    return verticle.managementUrl();
  }

  /** {@code http://127.0.0.1:port/} of the web page (deploy with {@code "webPort": -1}). */
  public String webUrl() {
    return verticle.webUrl();
  }

  /** {@code ws://127.0.0.1:port/ws} (deploy with {@code "webPort": -1}). */
  public String webSocketUrl() {
    return verticle.webUrl().replaceFirst("^http", "ws") + "ws";
  }

  public int port() {
    return verticle.localAddress().port();
  }

  public LineClient connect() {
    return LineClient.connect("127.0.0.1", port());
  }

  public LineClient login(String login) {
    return LineClient.login("127.0.0.1", port(), login);
  }

  /** A client whose small receive buffer makes the server queue what it cannot take. */
  public LineClient loginSlowReader(String login) {
    return LineClient.login("127.0.0.1", port(), login, 4096);
  }

  /**
   * A connection that starts, as a proxy's would, with a PROXY header naming {@code client}
   * (IPv4 or IPv6): deploy with {@code proxyProtocol} and loopback among {@code trustedProxies}.
   */
  public LineClient proxied(String client) {
    LineClient connection = connect();
    boolean six = client.contains(":");
    connection.send("PROXY " + (six ? "TCP6 " : "TCP4 ") + client + (six ? " ::1" : " 127.0.0.1") + " 40000 " + port()
      + "\r");
    return connection;
  }

  /**
   * A login from {@code client} (through {@link #proxied}) as {@code line}, then a line to itself:
   * null when that line came back (the login was accepted), else the server's first answer.
   */
  public String attempt(String client, String line) {
    String name = line.split(" ")[0];
    try (LineClient connection = proxied(client)) {
      connection.send(line);
      connection.send(name + ": mine?");
      String answer = connection.readLine();
      return ("from " + name + ": mine?").equals(answer) ? null : answer;
    }
  }
}
