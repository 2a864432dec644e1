package io.achat.config;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@ExtendWith(VertxExtension.class)
class ChatConfigTest {

  @AfterEach
  void clearProperties() {
    for (ChatConfig.Key key : ChatConfig.Key.values()) {
      System.clearProperty(key.property());
    }
  }

  @Test
  void defaultsComeFromSrcMainConf(Vertx vertx) {
    ChatConfig config = ChatConfig.load(vertx, new JsonObject()).await();
    assertThat(config).isEqualTo(new ChatConfig("0.0.0.0", 8080, 0, 32, 8192, 10_000, 10_000, 30_000, 60, 1_048_576, 65_536, "", ""));
    assertThat(config.serverInstances()).isEqualTo(Math.max(1, Runtime.getRuntime().availableProcessors() - 1));
  }

  @Test
  void deploymentConfigOverridesDefaultsAndSystemPropertiesOverrideBoth(Vertx vertx) {
    System.setProperty("achat.maxLineLength", "4096");
    JsonObject conf = new JsonObject().put("port", 9000).put("maxLineLength", 2048).put("instances", 3);
    ChatConfig config = ChatConfig.load(vertx, conf).await();
    assertThat(config.port()).isEqualTo(9000);
    assertThat(config.instances()).isEqualTo(3);
    assertThat(config.maxLineLength()).isEqualTo(4096);
    assertThat(config.maxLoginLength()).isEqualTo(32);
  }

  @Test
  void environmentVariablesWinOverJsonKeys() {
    JsonObject merged = ChatConfig.defaults().put("ACHAT_PORT", "7000").put("ACHAT_HOST", "127.0.0.1");
    ChatConfig config = ChatConfig.fromJson(merged);
    assertThat(config.port()).isEqualTo(7000);
    assertThat(config.host()).isEqualTo("127.0.0.1");
  }

  @Test
  void aBadValueFailsNamingTheKeyAndItsVariable() {
    assertThatThrownBy(() -> ChatConfig.fromJson(ChatConfig.defaults().put("ACHAT_PORT", "eighty")))
      .hasMessageContaining("'port'").hasMessageContaining("ACHAT_PORT").hasMessageContaining("eighty");
    assertThatThrownBy(() -> ChatConfig.fromJson(ChatConfig.defaults().put("port", 70000)))
      .hasMessageContaining("'port'");
    assertThatThrownBy(() -> ChatConfig.fromJson(ChatConfig.defaults().put("maxLineLength", 1.5)))
      .hasMessageContaining("'maxLineLength'");
    assertThatThrownBy(() -> ChatConfig.fromJson(ChatConfig.defaults().put("maxLoginLength", 0)))
      .hasMessageContaining("'maxLoginLength'");
    assertThatThrownBy(() -> ChatConfig.fromJson(ChatConfig.defaults().put("drainTimeoutMillis", -1)))
      .hasMessageContaining("'drainTimeoutMillis'");
    assertThatThrownBy(() -> ChatConfig.fromJson(ChatConfig.defaults().put("host", " ")))
      .hasMessageContaining("'host'");
  }

  @Test
  void aBadSystemPropertyFailsTheLoad(Vertx vertx) {
    System.setProperty("achat.maxLoginLength", "lots");
    assertThatThrownBy(() -> ChatConfig.load(vertx, new JsonObject()).await())
      .hasMessageContaining("'maxLoginLength'");
  }
}
