package io.achat.config;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.TimeUnit;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@ExtendWith(VertxExtension.class)
class ChatConfigTest {

  @AfterEach
  void clearProperties() {
    for (Key<?> key : Key.values()) {
      System.clearProperty(key.property());
    }
  }

  @Test
  @Timeout(60)
  void defaultsComeFromTheDeclarations(Vertx vertx) throws Exception {
    ChatConfig config = ChatConfig.load(vertx, new JsonObject()).await(30, TimeUnit.SECONDS);
    JsonObject every = new JsonObject().put(ChatConfig.RESOLVED, true)
      .put("host", "0.0.0.0").put("port", 8080).put("instances", 1).put("drainTimeoutMillis", 10_000L)
      .put("tcpKeepAlive", true).put("maxLoginLength", 32).put("maxWatched", 100).put("maxLineLength", 8192).put("loginTimeoutMillis", 30_000L)
      .put("maxConnections", 10_000).put("maxConnectionsPerAddress", 32).put("maxNewConnectionsPerAddress", 60)
      .put("ipv6PrefixBits", 64).put("exemptAddresses", new JsonArray().add("loopback"))
      .put("requestTimeoutMillis", 5000L).put("keepAliveTimeoutMillis", 5000L).put("maxQueuedBytes", 1_048_576)
      .put("maxInFlightBytes", 65_536).put("maxClientMemory", Runtime.getRuntime().maxMemory() / 4)
      .put("stallTimeoutMillis", 1500L).put("maxBlockedMillis", 10_000L).put("tlsCertPath", "").put("tlsKeyPath", "")
      .put("trustedProxies", new JsonArray()).put("proxyProtocol", false).put("webPort", 0).put("webHosts", new JsonArray())
      .put("webOrigins", new JsonArray()).put("webSocketTimeoutMillis", 60_000L).put("managementPort", 0)
      .put("managementHost", "127.0.0.1").put("managementToken", "").put("maxManagementConnections", 8)
      .put("accountsFile", "").put("accountsRequired", false).put("accountsOverTlsOnly", false)
      .put("passwordCheckThreads", Math.max(1, Runtime.getRuntime().availableProcessors() / 2))
      .put("clusterHost", "").put("clusterPort", 5701).put("clusterMembers", new JsonArray()).put("clusterName", "a-chat")
      .put("clusterTlsCertPath", "").put("clusterTlsKeyPath", "").put("clusterTlsTrustPath", "");
    assertThat(every.size()).isEqualTo(44 + 1);
    assertThat(config.toJson()).isEqualTo(every);
    assertThat(ChatConfig.fromJson(every)).isEqualTo(config);
  }

  @Test
  void aResolvedConfigurationIsHandedDownAsItIsAndReadNoMore(Vertx vertx) throws Exception {
    ChatConfig resolved = ChatConfig.load(vertx, new JsonObject().put("maxLineLength", 2048).put("maxClientMemory", 12345678))
      .await(30, TimeUnit.SECONDS);
    System.setProperty("achat.maxLineLength", "4096");
    assertThat(ChatConfig.of(vertx, resolved.toJson()).await(30, TimeUnit.SECONDS)).isEqualTo(resolved);
    // Not resolved yet: every layer is read, the system property too.
    assertThat(ChatConfig.of(vertx, new JsonObject().put("maxLineLength", 2048)).await(30, TimeUnit.SECONDS).maxLineLength()).isEqualTo(4096);
  }

  @Test
  void theLauncherTurnsOnTheWebPageAndManagementUnderItsConf(Vertx vertx) throws Exception {
    ChatConfig launched = ChatConfig.load(vertx, ChatConfig.underLauncher(null)).await(30, TimeUnit.SECONDS);
    assertThat(launched.webPort()).isEqualTo(8000);
    assertThat(launched.managementPort()).isEqualTo(9180);
    ChatConfig told = ChatConfig.load(vertx, ChatConfig.underLauncher(new JsonObject().put("webPort", 0))).await(30, TimeUnit.SECONDS);
    assertThat(told.webPort()).isZero();
    assertThat(told.managementPort()).isEqualTo(9180);
  }

  @Test
  void clusterTlsNeedsACertificateAKeyAndATrustFileThatCanBeRead() throws Exception {
    java.nio.file.Path pem = java.nio.file.Files.createTempFile("a-chat", ".pem");
    try {
      assertThatThrownBy(() -> ChatConfig.fromJson(ChatConfig.defaults().put("clusterTlsCertPath", pem.toString())))
        .hasMessageContaining("'clusterTlsKeyPath' (ACHAT_CLUSTER_TLS_KEY_PATH) must be set");
      assertThatThrownBy(() -> ChatConfig.fromJson(ChatConfig.defaults().put("clusterTlsCertPath", pem.toString())
        .put("clusterTlsKeyPath", pem.toString()).put("clusterTlsTrustPath", pem + ".missing")))
        .hasMessageContaining("'clusterTlsTrustPath' (ACHAT_CLUSTER_TLS_TRUST_PATH) must name a readable PEM file");
      ChatConfig config = ChatConfig.fromJson(ChatConfig.defaults().put("clusterTlsCertPath", pem.toString())
        .put("clusterTlsKeyPath", pem.toString()).put("clusterTlsTrustPath", pem.toString()));
      assertThat(config.clusterTls()).isTrue();
      assertThat(ChatConfig.fromJson(ChatConfig.defaults()).clusterTls()).isFalse();
    } finally {
      java.nio.file.Files.delete(pem);
    }
  }

  @Test
  void theImagesLauncherDefaultsSitBelowAConfFile() {
    System.setProperty(ChatConfig.LAUNCHER_DEFAULTS_PROPERTY, "{\"managementHost\":\"0.0.0.0\"}");
    try {
      assertThat(ChatConfig.underLauncher(new JsonObject()).getString("managementHost")).isEqualTo("0.0.0.0");
      assertThat(ChatConfig.underLauncher(new JsonObject()).getInteger("managementPort")).isEqualTo(9180);
      assertThat(ChatConfig.underLauncher(new JsonObject().put("managementHost", "10.0.0.7")).getString("managementHost"))
        .isEqualTo("10.0.0.7");
      System.setProperty(ChatConfig.LAUNCHER_DEFAULTS_PROPERTY, "managementHost=0.0.0.0");
      assertThatThrownBy(() -> ChatConfig.underLauncher(new JsonObject()))
        .hasMessageContaining("-Dachat.launcherDefaults must be a JSON object");
    } finally {
      System.clearProperty(ChatConfig.LAUNCHER_DEFAULTS_PROPERTY);
    }
    assertThat(ChatConfig.underLauncher(new JsonObject()).getString("managementHost")).isNull();
  }

  @Test
  void theProxyProtocolNeedsTheProxiesItBelieves() {
    assertThatThrownBy(() -> ChatConfig.fromJson(ChatConfig.defaults().put("proxyProtocol", true)))
      .hasMessageContaining("'proxyProtocol' (ACHAT_PROXY_PROTOCOL) needs trustedProxies");
    assertThatThrownBy(() -> ChatConfig.fromJson(ChatConfig.defaults().put("trustedProxies", "proxy.example")))
      .hasMessageContaining("'trustedProxies' (ACHAT_TRUSTED_PROXIES)");
    ChatConfig config = ChatConfig.fromJson(ChatConfig.defaults().put("proxyProtocol", "true")
      .put("trustedProxies", "10.0.0.5, 2001:db8::1"));
    assertThat(config.trustsProxy(java.net.InetAddress.getLoopbackAddress())).isFalse();
    assertThat(config.trustedProxies()).containsExactly("10.0.0.5", "2001:db8::1");
  }

  @Test
  void aManagementTokenIsLongAndPrintableAndNeverShown() {
    ChatConfig config = ChatConfig.fromJson(ChatConfig.defaults().put("managementToken", "0123456789abcdef!"));
    assertThat(config.managementToken()).isEqualTo("0123456789abcdef!");
    assertThat(config.toString()).contains("managementToken=set").doesNotContain("0123456789abcdef!");
    for (String bad : List.of("short-token", "sixteen chars with spaces", "0123456789abcdéf")) {
      assertThatThrownBy(() -> ChatConfig.fromJson(ChatConfig.defaults().put("managementToken", bad)))
        .hasMessageContaining("'managementToken' (ACHAT_MANAGEMENT_TOKEN)")
        .hasMessageNotContaining(bad);
    }
  }

  @Test
  void maxClientMemoryIsAQuarterOfTheHeapUnlessGivenAndHoldsAtLeastOneQueue() {
    assertThat(ChatConfig.fromJson(ChatConfig.defaults()).maxClientMemory()).isEqualTo(Runtime.getRuntime().maxMemory() / 4);
    assertThat(ChatConfig.fromJson(ChatConfig.defaults().put("maxClientMemory", 5_000_000_000L)).maxClientMemory())
      .isEqualTo(5_000_000_000L);
    assertThat(ChatConfig.fromJson(ChatConfig.defaults().put("maxClientMemory", "64000000")).maxClientMemory())
      .isEqualTo(64_000_000L);
    for (Object bad : List.of(-1, 1000, "lots", 1.5)) {
      assertThatThrownBy(() -> ChatConfig.fromJson(ChatConfig.defaults().put("maxClientMemory", bad)))
        .hasMessageContaining("'maxClientMemory' (ACHAT_MAX_CLIENT_MEMORY)");
    }
    assertThatThrownBy(() -> ChatConfig.fromJson(ChatConfig.defaults().put("maxBlockedMillis", 500)))
      .hasMessageContaining("'maxBlockedMillis' (ACHAT_MAX_BLOCKED_MILLIS)");
    assertThatThrownBy(() -> ChatConfig.fromJson(ChatConfig.defaults().put("stallTimeoutMillis", 100)))
      .hasMessageContaining("'stallTimeoutMillis' (ACHAT_STALL_TIMEOUT_MILLIS)");
    assertThatThrownBy(() -> ChatConfig.fromJson(ChatConfig.defaults().put("webSocketTimeoutMillis", 100)))
      .hasMessageContaining("'webSocketTimeoutMillis' (ACHAT_WEB_SOCKET_TIMEOUT_MILLIS)");
  }

  @Test
  void deploymentConfigOverridesDefaultsAndSystemPropertiesOverrideBoth(Vertx vertx) throws Exception {
    System.setProperty("achat.maxLineLength", "4096");
    JsonObject conf = new JsonObject().put("port", 9000).put("maxLineLength", 2048).put("instances", 3);
    ChatConfig config = ChatConfig.load(vertx, conf).await(30, TimeUnit.SECONDS);
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
  void clusterMembersComeAsAListOrAsOneCommaSeparatedVariable() {
    ChatConfig fromEnv = ChatConfig.fromJson(ChatConfig.defaults()
      .put("ACHAT_CLUSTER_MEMBERS", "127.0.0.1:5701, 127.0.0.1:5702,127.0.0.1:5703")
      .put("ACHAT_CLUSTER_HOST", "127.0.0.1").put("ACHAT_CLUSTER_PORT", "5702").put("ACHAT_CLUSTER_NAME", "demo"));
    assertThat(fromEnv.clusterMembers()).containsExactly("127.0.0.1:5701", "127.0.0.1:5702", "127.0.0.1:5703");
    assertThat(fromEnv.clusterHost()).isEqualTo("127.0.0.1");
    assertThat(fromEnv.clusterPort()).isEqualTo(5702);
    assertThat(fromEnv.clusterName()).isEqualTo("demo");
    ChatConfig fromFile = ChatConfig.fromJson(ChatConfig.defaults()
      .put("clusterMembers", new io.vertx.core.json.JsonArray().add("10.0.0.1:5701").add("10.0.0.2:5701")));
    assertThat(fromFile.clusterMembers()).containsExactly("10.0.0.1:5701", "10.0.0.2:5701");
    assertThatThrownBy(() -> ChatConfig.fromJson(ChatConfig.defaults().put("ACHAT_CLUSTER_MEMBERS", "127.0.0.1:5701-5705")))
      .hasMessageContaining("'clusterMembers' (ACHAT_CLUSTER_MEMBERS)").hasMessageContaining("host:port");
  }

  @Test
  void webOriginsAreOriginsOrAStar() {
    ChatConfig listed = ChatConfig.fromJson(ChatConfig.defaults()
      .put("ACHAT_WEB_ORIGINS", "https://chat.example.com, http://localhost:8081").put("ACHAT_WEB_PORT", "-1"));
    assertThat(listed.webOrigins()).containsExactly("https://chat.example.com", "http://localhost:8081");
    assertThat(listed.webPort()).isEqualTo(-1);
    assertThat(listed.web()).isTrue();
    assertThat(ChatConfig.fromJson(ChatConfig.defaults().put("webPort", 0)).web()).isFalse();
    assertThat(ChatConfig.fromJson(ChatConfig.defaults().put("webOrigins", "*")).webOrigins()).containsExactly("*");
    for (String bad : new String[] {"chat.example.com", "https://chat.example.com/", "ftp://x", "https://a b"}) {
      assertThatThrownBy(() -> ChatConfig.fromJson(ChatConfig.defaults().put("webOrigins", bad)))
        .hasMessageContaining("'webOrigins' (ACHAT_WEB_ORIGINS)");
    }
    assertThatThrownBy(() -> ChatConfig.fromJson(ChatConfig.defaults().put("webPort", 8080)))
      .hasMessageContaining("'webPort' (ACHAT_WEB_PORT) must differ from 'port'");
    assertThatThrownBy(() -> ChatConfig.fromJson(ChatConfig.defaults().put("webPort", -2)))
      .hasMessageContaining("'webPort' (ACHAT_WEB_PORT)");
  }

  @Test
  void booleansAreReadFromJsonAndFromText() {
    assertThat(ChatConfig.fromJson(ChatConfig.defaults().put("tcpKeepAlive", false)).tcpKeepAlive()).isFalse();
    assertThat(ChatConfig.fromJson(ChatConfig.defaults().put("ACHAT_TCP_KEEP_ALIVE", "FALSE")).tcpKeepAlive()).isFalse();
    assertThat(ChatConfig.fromJson(ChatConfig.defaults().put("achat.tcpKeepAlive", " true ")).tcpKeepAlive()).isTrue();
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
    assertThatThrownBy(() -> ChatConfig.fromJson(ChatConfig.defaults().put("instances", 0)))
      .hasMessageContaining("'instances'");
    assertThatThrownBy(() -> ChatConfig.fromJson(ChatConfig.defaults().put("ACHAT_TCP_KEEP_ALIVE", "yes")))
      .hasMessageContaining("'tcpKeepAlive' (ACHAT_TCP_KEEP_ALIVE) must be true or false, not 'yes'");
  }

  @Test
  void aBadSystemPropertyFailsTheLoad(Vertx vertx) {
    System.setProperty("achat.maxLoginLength", "lots");
    assertThatThrownBy(() -> ChatConfig.load(vertx, new JsonObject()).await(30, TimeUnit.SECONDS))
      .hasMessageContaining("'maxLoginLength'");
  }

  @Test
  @Timeout(60)
  void theLauncherAndAVerticleReadTheSameLayersTheSameWay(Vertx vertx) throws Exception {
    JsonObject conf = new JsonObject().put("port", 9000).put("maxLineLength", 2048).put("tcpKeepAlive", "false")
      .put("drainTimeoutMillis", "5000").put("clusterMembers", new JsonArray().add("10.0.0.1:5701").add("10.0.0.2:5701"));
    try {
      System.setProperty("achat.maxLineLength", "4096");
      System.setProperty("achat.webHosts", "chat.example.com, 192.0.2.7");
      System.setProperty("achat.maxClientMemory", "3000000000");
      ChatConfig launched = ChatConfig.read(conf);
      ChatConfig deployed = ChatConfig.load(vertx, conf).await(30, TimeUnit.SECONDS);
      assertThat(launched).isEqualTo(deployed);
      assertThat(launched.toJson()).isEqualTo(deployed.toJson());
      assertThat(launched.port()).isEqualTo(9000);
      assertThat(launched.maxLineLength()).isEqualTo(4096);
      assertThat(launched.tcpKeepAlive()).isFalse();
      assertThat(launched.drainTimeoutMillis()).isEqualTo(5000);
      assertThat(launched.clusterMembers()).containsExactly("10.0.0.1:5701", "10.0.0.2:5701");
      assertThat(launched.webHosts()).containsExactly("chat.example.com", "192.0.2.7");
      assertThat(launched.maxClientMemory()).isEqualTo(3_000_000_000L);
      assertThat(launched.maxLoginLength()).isEqualTo(32);

      System.setProperty("achat.port", "eighty");
      String refusal = "configuration 'port' (ACHAT_PORT) must be an integer, not 'eighty'";
      assertThatThrownBy(() -> ChatConfig.read(conf)).hasMessage(refusal);
      assertThatThrownBy(() -> ChatConfig.load(vertx, conf).await(30, TimeUnit.SECONDS)).hasMessage(refusal);
    } finally {
      for (String name : List.of("maxLineLength", "webHosts", "maxClientMemory", "port")) {
        System.clearProperty("achat." + name);
      }
    }
  }

  @Test
  @Timeout(30)
  void timesAndMemoryAreLongsAndTakeValuesPastAnInt() {
    assertThat(Key.values()).filteredOn(key -> key.json().endsWith("Millis") || key.json().equals("maxClientMemory"))
      .hasSize(8).allSatisfy(key -> assertThat(key.defaultValue()).isInstanceOf(Long.class));
    long past = Integer.MAX_VALUE + 1L;
    for (Key<Long> key : List.of(Key.DRAIN_TIMEOUT_MILLIS, Key.LOGIN_TIMEOUT_MILLIS, Key.WEB_SOCKET_TIMEOUT_MILLIS,
      Key.MAX_BLOCKED_MILLIS, Key.MAX_CLIENT_MEMORY)) {
      assertThat(ChatConfig.fromJson(ChatConfig.defaults().put(key.json(), past)).get(key)).isEqualTo(past);
      assertThat(ChatConfig.fromJson(ChatConfig.defaults().put(key.env(), " " + past)).get(key)).isEqualTo(past);
      assertThat(ChatConfig.fromJson(ChatConfig.defaults().put(key.json(), (double) past)).get(key)).isEqualTo(past);
    }
    assertThat(ChatConfig.fromJson(ChatConfig.defaults().put("drainTimeoutMillis", past)).drainTimeoutMillis())
      .isEqualTo(past);
    try {
      System.setProperty("achat.loginTimeoutMillis", "3000000000");
      assertThat(ChatConfig.read(new JsonObject()).loginTimeoutMillis()).isEqualTo(3_000_000_000L);
    } finally {
      System.clearProperty("achat.loginTimeoutMillis");
    }
    // An int key still says so.
    assertThatThrownBy(() -> ChatConfig.fromJson(ChatConfig.defaults().put("maxLineLength", past)))
      .hasMessage("configuration 'maxLineLength' (ACHAT_MAX_LINE_LENGTH) must be an integer, not '" + past + "'");
  }

  @Test
  @Timeout(30)
  void everyKeyHasItsVariableItsPropertyAndAnAccessorOfItsType() throws Exception {
    assertThat(Key.MAX_IN_FLIGHT_BYTES.env()).isEqualTo("ACHAT_MAX_IN_FLIGHT_BYTES");
    assertThat(Key.IPV6_PREFIX_BITS.env()).isEqualTo("ACHAT_IPV6_PREFIX_BITS");
    assertThat(Key.WEB_SOCKET_TIMEOUT_MILLIS.property()).isEqualTo("achat.webSocketTimeoutMillis");
    ChatConfig config = ChatConfig.fromJson(ChatConfig.defaults());
    for (Key<?> key : Key.values()) {
      assertThat(key.env()).matches("ACHAT_[A-Z0-9_]+");
      assertThat(key.property()).isEqualTo("achat." + key.json());
      assertThat(key.doc()).as(key.json()).isNotBlank().doesNotContain("|");
      java.lang.reflect.Method accessor = ChatConfig.class.getMethod(key.json());
      assertThat(accessor.getReturnType()).as(key.json()).isEqualTo(key.type());
      assertThat(accessor.invoke(config)).as(key.json()).isEqualTo(config.get(key));
    }
    assertThat(Key.values()).extracting(Key::json).doesNotHaveDuplicates().hasSize(44);
  }

  @Test
  @Timeout(30)
  void theStartLineNamesEveryKeyInOrderAndNoSecret() {
    ChatConfig config = ChatConfig.fromJson(ChatConfig.defaults().put("managementToken", "0123456789abcdef!")
      .put("clusterMembers", "10.0.0.1:5701,10.0.0.2:5701"));
    String line = config.toString();
    assertThat(java.util.Arrays.stream(line.split(" ")).map(item -> item.substring(0, item.indexOf('='))))
      .containsExactlyElementsOf(Key.values().stream().map(Key::json).toList());
    assertThat(line).contains("host=0.0.0.0", "drainTimeoutMillis=10000", "clusterName=a-chat", "clusterPort=5701",
      "clusterMembers=10.0.0.1:5701,10.0.0.2:5701", "clusterTlsCertPath=none", "exemptAddresses=loopback",
      "webOrigins=same-origin", "webHosts=localhost+listening", "maxClientMemory=" + config.maxClientMemory(),
      "managementToken=set").doesNotContain("0123456789abcdef!");
    assertThat(ChatConfig.fromJson(ChatConfig.defaults()).toString()).contains("managementToken=none");
  }

  @Test
  @Timeout(30)
  void theStartLineLeavesOutTheKeysNotInForce() {
    ChatConfig config = ChatConfig.fromJson(ChatConfig.defaults().put("clusterName", "not-this-one"));
    String line = config.startLine(java.util.Set.of(Key.CLUSTER_NAME, Key.CLUSTER_PORT));
    assertThat(line).doesNotContain("not-this-one", "clusterName=", "clusterPort=").contains("clusterHost=none", "port=");
    assertThat(line.split(" ")).hasSize(Key.values().size() - 2);
  }
}
