package io.achat.config;

import io.vertx.core.json.JsonArray;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads a key's value of each type from what a layer gives: a JSON value from a file or the
 * defaults, or text from an environment variable or a system property.
 */
final class Readers {

  /** Reads one type; {@code key} names the key in the message when the value is not of it. */
  @FunctionalInterface
  interface Reader<T> {
    T read(Object raw, Key<?> key);
  }

  private Readers() {
  }

  static String string(Object raw, Key<?> key) {
    return raw.toString().trim();
  }

  /** A JSON array of strings, or one comma-separated string (as environment variables give it). */
  static List<String> list(Object raw, Key<?> key) {
    Stream<String> items = raw instanceof JsonArray array
      ? array.stream().map(String::valueOf)
      : Arrays.stream(raw.toString().split(","));
    return items.map(String::trim).filter(item -> !item.isEmpty()).toList();
  }

  static Integer integer(Object raw, Key<?> key) {
    long value = longInteger(raw, key);
    if (value != (int) value) {
      throw bad(key, "must be an integer", value);
    }
    return (int) value;
  }

  static Long longInteger(Object raw, Key<?> key) {
    try {
      if (raw instanceof Number n) {
        if (n.doubleValue() != n.longValue()) {
          throw new NumberFormatException();
        }
        return n.longValue();
      }
      return Long.parseLong(raw.toString().trim());
    } catch (NumberFormatException e) {
      throw bad(key, "must be an integer", raw);
    }
  }

  static Boolean bool(Object raw, Key<?> key) {
    if (raw instanceof Boolean b) {
      return b;
    }
    String text = raw.toString().trim();
    if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
      return Boolean.parseBoolean(text);
    }
    throw bad(key, "must be true or false", raw);
  }

  /** Every complaint about a value has this form: {@code configuration 'port' (ACHAT_PORT) must be ..., not '...'}. */
  static IllegalArgumentException bad(Key<?> key, String rule, Object shown) {
    return new IllegalArgumentException("configuration " + key.describe() + " " + rule + ", not '" + shown + "'");
  }
}
