package io.achat;

import io.achat.support.Embedder;
import io.achat.support.JarProcess;
import io.achat.support.LineClient;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** Deployed by class name into an application's Vert.x, a-chat adds nothing the host did not ask for. */
@ExtendWith(VertxExtension.class)
class EmbeddingTest {

  @Test
  void deployedByClassNameItListensOnTheChatPortAlone(Vertx vertx) throws Exception {
    Set<Integer> before = listening();
    vertx.deployVerticle("io.achat.ChatVerticle", new DeploymentOptions()
      .setConfig(new JsonObject().put("host", "127.0.0.1").put("port", 0))).await(30, TimeUnit.SECONDS);
    Set<Integer> added = new TreeSet<>(listening());
    added.removeAll(before);
    assertThat(added).as("ports this JVM listens on since a-chat was deployed").hasSize(1);
    int chat = added.iterator().next();
    try (LineClient alice = LineClient.login("127.0.0.1", chat, "alice")) {
      alice.send("alice: only the chat");
      assertThat(alice.readLine()).isEqualTo("from alice: only the chat");
    }
  }

  /**
   * An application with Vert.x and slf4j's API only: none of what the launcher, the cluster,
   * management or the client need (Micrometer, Hazelcast, picocli, HdrHistogram, the launcher,
   * slf4j-simple). a-chat deployed by class name serves there.
   */
  @Test
  void itServesWithoutTheOptionalDependenciesOnTheClassPath() throws Exception {
    List<String> all = List.of(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))
      .split(File.pathSeparator));
    Pattern optional = Pattern.compile("micrometer|hazelcast|picocli|HdrHistogram|vertx-launcher|slf4j-simple");
    for (String name : List.of("micrometer", "hazelcast", "picocli", "HdrHistogram", "vertx-launcher", "slf4j-simple")) {
      assertThat(all).as("the test's class path, which must have %s to leave it out", name).anyMatch(e -> e.contains(name));
    }
    List<String> path = all.stream().filter(entry -> !optional.matcher(entry).find()).toList();
    try (JarProcess embedder = JarProcess.java(List.of("-Xmx128m", "-cp", String.join(File.pathSeparator, path),
      Embedder.class.getName()))) {
      int port = embedder.port();
      try (LineClient alice = LineClient.login("127.0.0.1", port, "alice");
           LineClient bob = LineClient.login("127.0.0.1", port, "bob")) {
        alice.send("bob: no Micrometer here");
        assertThat(bob.readLine()).isEqualTo("from alice: no Micrometer here");
      }
      assertThat(embedder.output()).noneMatch(line -> line.contains("NoClassDefFoundError") || line.contains("Exception"));
    }
  }

  /** The TCP ports this JVM listens on, from {@code ss}. */
  private static Set<Integer> listening() throws IOException, InterruptedException {
    Process ss = new ProcessBuilder("ss", "-ltnpH").redirectErrorStream(true).start();
    String out = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(ss.waitFor(10, TimeUnit.SECONDS)).isTrue();
    Set<Integer> ports = new TreeSet<>();
    Matcher m = Pattern.compile("(?m)^\\S+\\s+\\d+\\s+\\d+\\s+\\S+:(\\d+)\\s.*pid=" + ProcessHandle.current().pid() + ",")
      .matcher(out);
    while (m.find()) {
      ports.add(Integer.parseInt(m.group(1)));
    }
    return ports;
  }
}
