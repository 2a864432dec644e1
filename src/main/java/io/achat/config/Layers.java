package io.achat.config;

import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The layers a configuration is read from, later ones winning: the declared defaults, the
 * deployment configuration ({@code -conf}), environment variables, system properties. A verticle
 * reads them with vertx-config's {@code ConfigRetriever}; the launcher, which needs them before
 * its Vert.x exists, reads the same layers in plain Java. Both give {@link ChatConfig#fromJson}
 * one merged object in which a key's system property and environment variable sit under their
 * own names, so that it can let the property win over the variable and the variable over the key.
 */
final class Layers {

  /**
   * What {@code java -jar} (and so the image) adds over the defaults, below its {@code -conf}:
   * the web page and the management server. Deployed by class name, a-chat opens only the chat
   * port unless its configuration asks for more.
   */
  static final String LAUNCHER_RESOURCE = "conf/launcher.json";

  private Layers() {
  }

  /** Every key with its declared default. */
  static JsonObject defaults() {
    JsonObject defaults = new JsonObject();
    for (Key<?> key : Key.values()) {
      defaults.put(key.json(), json(key.defaultValue()));
    }
    return defaults;
  }

  /** The layers over {@code deploymentConfig}, merged as vertx-config merges them for {@link #retrieverOptions}. */
  static JsonObject merged(JsonObject deploymentConfig) {
    JsonObject merged = defaults().mergeIn(deploymentConfig, true);
    for (Key<?> key : Key.values()) {
      String variable = System.getenv(key.env());
      if (variable != null) {
        merged.put(key.env(), variable);
      }
    }
    for (Key<?> key : Key.values()) {
      String property = System.getProperty(key.property());
      if (property != null) {
        merged.put(key.property(), property);
      }
    }
    return merged;
  }

  /** The same layers as {@link #merged}, as vertx-config's stores. */
  static ConfigRetrieverOptions retrieverOptions(JsonObject deploymentConfig) {
    JsonArray variables = new JsonArray();
    Key.values().forEach(key -> variables.add(key.env()));
    return new ConfigRetrieverOptions()
      .setIncludeDefaultStores(false)
      .addStore(new ConfigStoreOptions().setType("json").setConfig(defaults()))
      .addStore(new ConfigStoreOptions().setType("json").setConfig(deploymentConfig))
      .addStore(new ConfigStoreOptions().setType("env")
        .setConfig(new JsonObject().put("keys", variables).put("raw-data", true)))
      .addStore(new ConfigStoreOptions().setType("sys")
        .setConfig(new JsonObject().put("cache", false).put("raw-data", true)));
  }

  /**
   * {@code conf} (a {@code -conf}) over what the launcher adds to the defaults
   * ({@link #LAUNCHER_RESOURCE} and {@link ChatConfig#LAUNCHER_DEFAULTS_PROPERTY}).
   */
  static JsonObject underLauncher(JsonObject conf) {
    JsonObject launcher = resource(LAUNCHER_RESOURCE);
    String extra = System.getProperty(ChatConfig.LAUNCHER_DEFAULTS_PROPERTY);
    if (extra != null && !extra.isBlank()) {
      try {
        launcher.mergeIn(new JsonObject(extra));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(
          "-D" + ChatConfig.LAUNCHER_DEFAULTS_PROPERTY + " must be a JSON object, not '" + extra + "'", e);
      }
    }
    return launcher.mergeIn(conf == null ? new JsonObject() : conf);
  }

  /** A key's value in JSON: a list as an array. */
  static Object json(Object value) {
    return value instanceof List<?> items ? new JsonArray(new ArrayList<>(items)) : value;
  }

  private static JsonObject resource(String name) {
    try (InputStream in = Layers.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is missing from the class path");
      }
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
